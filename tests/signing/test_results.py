"""Issuing a result in a dossier, and cancelling it (Đ12.3, NĐ 45/2020 Art. 14–15)."""

import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.errors import Forbidden, IllegalTransition, InvalidFile, InvalidInput
from dossiers.events import history
from dossiers.files import FileStore
from dossiers.lifecycle import Kind, Status
from dossiers.outbox import OutboxMessage
from dossiers.records import Channel, FileKind
from dossiers.register import IssuedDocument, by_code
from dossiers.results import cancel_result, issue_result, upload_seal_image
from dossiers.signing import samples
from dossiers.signing.images import check_seal, check_signature
from dossiers.signing.keys import Keyring
from dossiers.verification import verify
from tests.signing.conftest import LEADER, widgets
from tests.signing.world import approved_world, sign_previewed


def test_leader_issues_a_signed_result_that_reaches_the_citizen(
    session: Session, store: FileStore, keyring: Keyring
) -> None:
    world = approved_world(session, store, keyring)
    dossier, leader = world["dossier"], world["leader"]
    record = sign_previewed(session, world, dossier, leader.actor())
    assert record.kind == FileKind.RESULT
    data = store.read(record.sha256)
    assert hashlib.sha256(data).hexdigest() == record.sha256
    kinds = [e.kind for e in history(session, dossier)]
    assert kinds[-3:] == [Kind.SIGNED, Kind.RESULT_ISSUED, Kind.RESULT_RETURNED]
    assert dossier.status == Status.RETURNED  # online: delivered to the citizen's account
    jobs = session.scalars(select(OutboxMessage).where(OutboxMessage.job == "notify")).all()
    assert any("Ban hành kết quả" in j.payload["subject"] for j in jobs)
    report = verify(session, data, keyring.trust_roots())
    assert report.valid
    assert report.issued_here
    assert not report.cancelled
    assert [s.signer for s in report.signatures] == [LEADER[1], world["agency"].name]
    issued = session.scalar(select(IssuedDocument).where(IssuedDocument.dossier_id == dossier.id))
    assert issued is not None
    assert issued.sha256 == record.sha256
    assert by_code(session, issued.verify_code) is issued
    assert set(widgets(data)) == {"ChuKyLanhDao", "DauCoQuan"}


def test_counter_dossier_waits_at_the_desk(
    session: Session, store: FileStore, keyring: Keyring
) -> None:
    world = approved_world(session, store, keyring, channel=Channel.COUNTER)
    sign_previewed(session, world, world["dossier"], world["leader"].actor())
    assert world["dossier"].status == Status.RESULT_READY


def test_uploaded_result_is_signed_where_the_leader_is_named(
    session: Session, store: FileStore, keyring: Keyring, letter: bytes
) -> None:
    world = approved_world(session, store, keyring)
    record = issue_result(
        session, world["signing"], world["dossier"], world["leader"].actor(), pdf=letter
    )
    assert verify(session, store.read(record.sha256), keyring.trust_roots()).valid


def test_only_a_leader_of_the_agency_signs_and_only_when_approved(
    session: Session, store: FileStore, keyring: Keyring
) -> None:
    world = approved_world(session, store, keyring)
    with pytest.raises(Forbidden):
        sign_previewed(session, world, world["dossier"], world["officer"].actor())
    with pytest.raises(Forbidden):
        sign_previewed(session, world, world["dossier"], world["other_leader"].actor())
    sign_previewed(session, world, world["dossier"], world["leader"].actor())
    with pytest.raises(IllegalTransition):
        sign_previewed(session, world, world["dossier"], world["leader"].actor())


def test_cancelled_result_verifies_as_cancelled_with_who_when_why(
    session: Session, store: FileStore, keyring: Keyring
) -> None:
    world = approved_world(session, store, keyring)
    dossier, leader = world["dossier"], world["leader"]
    record = sign_previewed(session, world, dossier, leader.actor())
    with pytest.raises(InvalidInput):
        cancel_result(session, dossier, leader.actor(), "  ")
    with pytest.raises(Forbidden):
        cancel_result(session, dossier, world["other_leader"].actor(), "Sai sót")
    cancel_result(session, dossier, leader.actor(), "Cấp sai đối tượng")
    assert dossier.status == Status.RESULT_CANCELLED
    report = verify(session, store.read(record.sha256), keyring.trust_roots())
    assert report.cancelled
    assert not report.valid
    assert report.issued
    assert report.issued["cancelled_by"] == LEADER[1]
    assert report.issued["cancel_reason"] == "Cấp sai đối tượng"
    assert "Cấp sai đối tượng" in report.problems[-1].message
    session.flush()
    jobs = session.scalars(select(OutboxMessage).where(OutboxMessage.job == "notify")).all()
    assert any("Hủy hiệu lực kết quả" in j.payload["subject"] for j in jobs)


def test_seal_upload_is_checked_with_reasons(
    session: Session, store: FileStore, keyring: Keyring
) -> None:
    world = approved_world(session, store, keyring)
    with pytest.raises(InvalidFile) as error:
        upload_seal_image(
            session, store, world["leader"].actor(), world["agency"], samples.signature_png()
        )
    assert error.value.code == "not_red"
    with pytest.raises(Forbidden):
        upload_seal_image(
            session, store, world["officer"].actor(), world["agency"], samples.seal_png()
        )


def _png(
    mode: str, colour: tuple[int, ...], size: tuple[int, int] = (300, 300), dpi: int | None = 300
) -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new(mode, size, (0, 0, 0, 0) if mode == "RGBA" else (255, 255, 255))
    ImageDraw.Draw(image).ellipse([20, 20, size[0] - 20, size[1] - 20], outline=colour, width=20)
    out = io.BytesIO()
    image.save(out, "PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a", "not_png"),
        (_png("RGB", (20, 40, 200)), "not_transparent"),
        (_png("RGBA", (200, 20, 20, 255)), "not_blue"),
    ],
)
def test_signature_image_checks(data: bytes, code: str) -> None:
    with pytest.raises(InvalidFile) as error:
        check_signature(data)
    assert error.value.code == code


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (_png("RGBA", (210, 20, 20, 255), dpi=None), "no_dpi"),
        (_png("RGBA", (210, 20, 20, 255), dpi=72), "seal_size"),  # 106 mm: not real size
        (_png("RGBA", (20, 40, 200, 255)), "not_red"),
    ],
)
def test_seal_image_checks(data: bytes, code: str) -> None:
    with pytest.raises(InvalidFile) as error:
        check_seal(data)
    assert error.value.code == code


def test_demo_artwork_passes_its_checks() -> None:
    assert check_signature(samples.signature_png()).width_mm > 20
    seal = check_seal(samples.seal_png(36.0))
    assert abs(seal.width_mm - 36.0) < 0.2


def test_incoming_signed_pdf_is_validated_after_upload(
    session: Session, store: FileStore, keyring: Keyring
) -> None:
    """Đ9.2.b: a citizen uploads a signed PDF; the job records the verdict on the file."""
    import io

    import pikepdf

    from dossiers.intake import attach_file
    from dossiers.outbox import JobContext
    from dossiers.signing import copy
    from dossiers.verification import _validate_incoming
    from tests import factories as f
    from tests.signing.conftest import AGENCY

    doc = pikepdf.new()
    doc.add_blank_page()
    out = io.BytesIO()
    doc.save(out)
    signed = copy.make_copy(
        out.getvalue(), form="SAO Y", agency_name=AGENCY[1], agency=keyring.agency(AGENCY[0])
    )
    centre = f.agency(session)
    citizen = f.user(session)
    dossier = f.draft(session, citizen, f.procedure(session, centre))
    record = attach_file(
        session,
        citizen.actor(),
        store,
        dossier,
        dossier.components[0].id,
        filename="ban-sao.pdf",
        content_type="application/pdf",
        data=signed,
    )
    job = session.scalar(select(OutboxMessage).where(OutboxMessage.job == "validate_signatures"))
    assert job is not None
    assert job.payload == {"file_id": record.id}
    settings = {"MOTCUA_PKI_DIR": str(keyring.pki_dir), "MOTCUA_KEY_PASSPHRASE": "x"}
    _validate_incoming(session, job.payload, JobContext(settings=settings, store=store))
    verdict = record.details["signatures"]
    assert verdict["valid"]
    assert verdict["signers"][0]["signer"] == AGENCY[1]
    tampered = bytearray(signed)
    tampered[tampered.index(b"/MediaBox") + 12] ^= 1
    other = attach_file(
        session,
        citizen.actor(),
        store,
        dossier,
        dossier.components[0].id,
        filename="sua.pdf",
        content_type="application/pdf",
        data=bytes(tampered),
        replace=True,
    )
    _validate_incoming(session, {"file_id": other.id}, JobContext(settings=settings, store=store))
    assert not other.details["signatures"]["valid"]
    assert other.details["signatures"]["problems"]


def test_desk_scan_becomes_a_signed_sao_y_copy(
    session: Session, store: FileStore, keyring: Keyring
) -> None:
    """NĐ 107 Art. 21a: the compliant scan is replaced by the agency's signed SAO Y copy."""
    from dossiers.copies import sign_scan_copy
    from dossiers.intake import Applicant, attach_file, create_draft
    from dossiers.lifecycle import Role
    from dossiers.outbox import JobContext
    from dossiers.pdf.scan_check import check_pdf
    from dossiers.signing import copy
    from tests import factories as f
    from tests.dossiers.test_scan_check import scan
    from tests.signing.conftest import AGENCY

    centre = f.agency(session, code=AGENCY[0], name=AGENCY[1], numbered=False)
    version = f.procedure(session, centre)
    clerk = f.user(session, Role.RECEPTION, centre).actor()
    dossier = create_draft(
        session,
        clerk,
        version.code,
        Applicant(name="Lê Văn Cường", id_number="082088009876"),
        channel=Channel.COUNTER,
    )
    component = dossier.components[0]
    record = attach_file(
        session,
        clerk,
        store,
        dossier,
        component.id,
        filename="don.pdf",
        content_type="application/pdf",
        data=scan(((210, 297), 200)),
        kind=FileKind.SCAN,
    )
    settings = {"MOTCUA_PKI_DIR": str(keyring.pki_dir), "MOTCUA_KEY_PASSPHRASE": keyring.passphrase}
    sign_scan_copy(session, {"file_id": record.id}, JobContext(settings=settings, store=store))
    sign_scan_copy(session, {"file_id": record.id}, JobContext(settings=settings, store=store))
    assert record.replaced_at is not None
    assert record.details["copy_signature"] == "signed"
    [current] = component.current_files
    assert current.kind == FileKind.COPY
    assert current.filename == "sao-y-don.pdf"
    data = store.read(current.sha256)
    report = verify(session, data, keyring.trust_roots())
    assert report.valid
    assert report.issued_here
    assert report.signatures[0].organisation == AGENCY[1]
    assert copy.COPY_FIELD in widgets(data)
    assert check_pdf(data).compliant  # the copy still meets Phụ lục I.2


def test_scan_waits_with_a_reason_when_the_agency_has_no_key(
    session: Session, store: FileStore, tmp_path: object
) -> None:
    from dossiers.copies import sign_scan_copy
    from dossiers.intake import Applicant, attach_file, create_draft
    from dossiers.lifecycle import Role
    from dossiers.outbox import JobContext
    from tests import factories as f
    from tests.dossiers.test_scan_check import scan

    centre = f.agency(session)
    version = f.procedure(session, centre)
    clerk = f.user(session, Role.RECEPTION, centre).actor()
    dossier = create_draft(
        session,
        clerk,
        version.code,
        Applicant(name="Lê Văn Cường", id_number="082088009876"),
        channel=Channel.COUNTER,
    )
    record = attach_file(
        session,
        clerk,
        store,
        dossier,
        dossier.components[0].id,
        filename="don.pdf",
        content_type="application/pdf",
        data=scan(((210, 297), 200)),
        kind=FileKind.SCAN,
    )
    settings = {"MOTCUA_PKI_DIR": str(tmp_path), "MOTCUA_KEY_PASSPHRASE": "x"}
    sign_scan_copy(session, {"file_id": record.id}, JobContext(settings=settings, store=store))
    assert record.details["copy_signature"] == "pending"
    assert "khóa ký số" in record.details["copy_problem"]
    assert record.replaced_at is None


def test_result_qr_code_top_left_leads_to_its_verification(
    session: Session, store: FileStore, keyring: Keyring, tmp_path: object
) -> None:
    """TT 01/2023: dossier code, procedure code, document name and the verification address."""
    import subprocess
    from pathlib import Path

    from PIL import Image

    world = approved_world(session, store, keyring)
    record = sign_previewed(session, world, world["dossier"], world["leader"].actor())
    folder = Path(str(tmp_path))
    (folder / "kq.pdf").write_bytes(store.read(record.sha256))
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "200",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            str(folder / "kq.pdf"),
            str(folder / "kq"),
        ],
        check=True,
    )
    page = Image.open(next(folder.glob("kq-*1.png")))
    corner = page.crop((0, 0, page.width // 4, page.height // 8))  # the top-left corner only
    corner.save(folder / "corner.png")
    text = subprocess.run(
        ["zbarimg", "-q", "--raw", str(folder / "corner.png")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"MHS:{world['dossier'].code}" in text
    assert f"TTHC:{world['dossier'].procedure_version.code}" in text
    assert f"https://motcua.example/verify/{record.details['verify_code']}" in text
