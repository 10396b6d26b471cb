"""Receiving and answering on a real database (SQLite and PostgreSQL)."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dossiers import events, exchange
from dossiers.actors import Actor
from dossiers.db import utcnow
from dossiers.errors import NotFound
from dossiers.exchange import keys
from dossiers.exchange.envelope import FileRef, Manifest, Party, parse_receipt, to_xml
from dossiers.exchange.models import ExchangeMessage, MessageState, Peer
from dossiers.exchange.receive import Answer, Delivery, receive
from dossiers.files import FileStore
from dossiers.intake import attach_file, create_draft, mark_component, receive_at_counter
from dossiers.lifecycle import Kind, Role, Status
from dossiers.outbox import OutboxMessage
from dossiers.processing import forward
from dossiers.records import Channel, ComponentState, Dossier, FileKind
from motcua.demo import sample_pdf
from tests import factories as f

REMOTE = "000.00.03.G12"
LOCAL = "000.00.12.H20"
PDF = sample_pdf()


@dataclass
class World:
    peer: Peer
    remote: keys.Signer
    ours: keys.Signer
    agency_id: int
    clerk: Actor
    officer: Actor
    outsider: Actor
    procedure: str


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    remote = keys.generate(tmp_path / "remote", "remote-pass", "Motcua Bộ Tài chính")
    ours = keys.generate(tmp_path / "ours", "our-pass", "Motcua Đồng Tháp")
    agency = f.agency(session, code=LOCAL, name="Sở Xây dựng")
    other = f.agency(session, name="UBND xã Thử")
    version = f.procedure(session, agency)
    peer, _ = exchange.add_peer(
        session,
        Actor.system("test"),
        name="Bo Tai chinh",
        base_url="http://127.0.0.1:9",
        agency_codes=[REMOTE],
        certificates=remote.certificate_pem,
        outbound_token="t",
    )
    return World(
        peer,
        remote,
        ours,
        agency.id,
        f.user(session, Role.RECEPTION, agency).actor(),
        f.user(session, Role.OFFICER, agency).actor(),
        f.user(session, Role.OFFICER, other).actor(),
        version.code,
    )


def _dossier_message(w: World, message_id: str = "m1", data: bytes = PDF) -> Manifest:
    return Manifest(
        message_id=message_id,
        kind="dossier",
        sent_at=utcnow(),
        sender=Party(REMOTE, "Cục"),
        receiver=Party(LOCAL),
        dossier_code=f"{REMOTE}-260213-0007",
        procedure_code=w.procedure,
        procedure_name="Thủ tục",
        note="Đề nghị phối hợp",
        dossier={
            "applicant_name": "Lê Văn Tám",
            "channel": "online",
            "components": [
                {
                    "position": 1,
                    "name": "Đơn đề nghị cấp giấy phép xây dựng",
                    "requirement": "required",
                    "state": "attached",
                    "note": None,
                }
            ],
        },
        files=[
            FileRef(
                "f1",
                "Đơn.pdf",
                "application/pdf",
                hashlib.sha256(data).hexdigest(),
                len(data),
                component=1,
            )
        ],
    )


def _deliver(
    session: Session,
    store: FileStore,
    w: World,
    manifest: Manifest,
    signer: keys.Signer | None = None,
    parts: dict[str, bytes] | None = None,
) -> Answer:
    envelope = to_xml(manifest)
    signer = signer or w.remote
    return receive(
        session,
        store,
        w.ours,
        w.peer,
        Delivery(
            envelope,
            signer.sign(envelope),
            signer.certificate_pem,
            {"f1": PDF} if parts is None else parts,
        ),
    )


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Dossier)) or 0


def test_a_dossier_is_stored_once_and_a_replay_gets_the_same_receipt(
    session: Session, store: FileStore, world: World
) -> None:
    envelope_manifest = _dossier_message(world)
    first = _deliver(session, store, world, envelope_manifest)
    assert first.status == 200
    assert (
        keys.verify([world.ours.certificate_pem], first.certificate, first.receipt, first.signature)
        is None
    )
    dossier = session.scalar(select(Dossier))
    assert dossier is not None
    assert dossier.status == Status.SUBMITTED
    assert dossier.code is not None
    assert dossier.code.startswith(LOCAL)
    assert dossier.holder_agency_id == world.agency_id
    assert dossier.applicant["exchange"]["remote_code"] == f"{REMOTE}-260213-0007"
    assert [(x.filename, x.kind) for x in dossier.files] == [("Đơn.pdf", FileKind.UPLOAD)]
    assert dossier.files[0].component_id == dossier.components[0].id
    assert parse_receipt(first.receipt).reference == dossier.code
    count = _count(session)
    again = _deliver(session, store, world, envelope_manifest)
    assert again.status == 200
    assert again.receipt == first.receipt
    assert _count(session) == count


def test_a_tampered_file_is_refused_by_name_and_nothing_is_stored(
    session: Session, store: FileStore, world: World
) -> None:
    answer = _deliver(
        session, store, world, _dossier_message(world), parts={"f1": PDF + b"tampered"}
    )
    assert answer.status == 422
    assert answer.code == "file_hash_mismatch"
    assert "Đơn.pdf" in answer.message
    assert _count(session) == 0
    row = session.scalar(select(ExchangeMessage))
    assert row is not None
    assert row.state == MessageState.REFUSED
    assert "SHA-256" in (row.reason or "")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("stranger", "certificate_not_registered"),
        ("sender", "unknown_sender"),
        ("receiver", "unknown_receiver"),
        ("procedure", "unknown_procedure"),
        ("missing", "files_mismatch"),
    ],
)
def test_what_cannot_be_trusted_is_refused(
    session: Session, store: FileStore, world: World, tmp_path: Path, change: str, code: str
) -> None:
    manifest, signer, parts = _dossier_message(world), world.remote, {"f1": PDF}
    if change == "stranger":
        signer = keys.generate(tmp_path / "x", "stranger-pass", "Kẻ mạo danh")
    elif change == "sender":
        manifest.sender = Party("000.00.99.H99")
    elif change == "receiver":
        manifest.receiver = Party("000.00.98.H98")
    elif change == "procedure":
        manifest.procedure_code = "9.999999"
    else:
        parts = {}
    answer = _deliver(session, store, world, manifest, signer, parts)
    assert (answer.status, answer.code) == (422, code)
    assert _count(session) == 0


def test_an_agency_that_never_held_the_received_dossier_cannot_see_it(
    session: Session, store: FileStore, world: World
) -> None:
    _deliver(session, store, world, _dossier_message(world))
    dossier = session.scalar(select(Dossier))
    assert dossier is not None
    events.require_view(session, world.clerk, dossier)
    with pytest.raises(NotFound):
        events.require_view(session, world.outsider, dossier)


def test_accepting_and_refusing_send_a_status_back(
    session: Session, store: FileStore, world: World
) -> None:
    _deliver(session, store, world, _dossier_message(world, "m1"))
    _deliver(session, store, world, _dossier_message(world, "m2"))
    first, second = session.scalars(select(Dossier).order_by(Dossier.id)).all()
    accepted = exchange.accept(session, first, world.clerk, "Đã nhận")
    refused = exchange.reject(session, second, world.clerk, "Không thuộc thẩm quyền")
    assert first.status == Status.RECEIVED
    assert first.due_at is not None
    assert second.status == Status.REFUSED
    assert (accepted.status_code, accepted.reply_to, accepted.to_agency) == (
        "accepted",
        "m1",
        REMOTE,
    )
    assert (refused.status_code, refused.reason) == ("refused", "Không thuộc thẩm quyền")
    keys_ = set(session.scalars(select(OutboxMessage.key)))
    assert {f"exchange:{accepted.message_id}", f"exchange:{refused.message_id}"} <= keys_
    with pytest.raises(NotFound):  # the outsider's agency never held it
        events.require_view(session, world.outsider, first)


def test_the_sender_sees_accepted_then_completed_with_the_result_file(
    session: Session, store: FileStore, world: World
) -> None:
    version_code = world.procedure
    draft = create_draft(
        session,
        world.clerk,
        version_code,
        f.Applicant(name="Phạm Thị Hoa"),
        channel=Channel.COUNTER,
    )
    attach_file(
        session,
        world.clerk,
        store,
        draft,
        draft.components[0].id,
        filename="Đơn.pdf",
        content_type="application/pdf",
        data=PDF,
    )
    for component in draft.components[1:2]:
        mark_component(session, world.clerk, draft, component.id, ComponentState.PAPER)
    receive_at_counter(session, world.clerk, draft)
    forward(session, world.clerk, draft, to_user_id=world.officer.user_id)
    sent = exchange.send_dossier(session, draft, world.officer, world.peer, REMOTE, "Phối hợp")
    assert draft.status == Status.AT_OTHER_AGENCY
    assert sent.state == MessageState.QUEUED
    with pytest.raises(NotFound):
        events.require_view(session, world.outsider, draft)

    def answer(kind: str, message_id: str, files: list[FileRef], **extra: str) -> Manifest:
        return Manifest(
            message_id=message_id,
            kind=kind,
            sent_at=utcnow(),
            sender=Party(REMOTE),
            receiver=Party(LOCAL),
            dossier_code=draft.code or "",
            reply_to=sent.message_id,
            dossier={"reference": f"{REMOTE}-260213-0009"},
            files=files,
            **extra,
        )

    result = PDF.replace(b"%%EOF", b"% ket qua\n%%EOF")
    status = _deliver(
        session, store, world, answer("status", "s1", [], status="accepted"), parts={}
    )
    assert status.status == 200
    assert draft.status == Status.AT_OTHER_AGENCY
    ref = FileRef(
        "f1",
        "Thông báo thuế.pdf",
        "application/pdf",
        hashlib.sha256(result).hexdigest(),
        len(result),
    )
    done = _deliver(
        session,
        store,
        world,
        answer("result", "r1", [ref], status="completed"),
        parts={"f1": result},
    )
    assert done.status == 200, done.message
    assert draft.status == Status.IN_PROGRESS
    kinds = [e.kind for e in events.history(session, draft)][-4:]
    assert kinds == [
        Kind.TRANSFERRED,
        Kind.TRANSFER_ACCEPTED,
        Kind.DOCUMENT_ADDED,
        Kind.TRANSFER_COMPLETED,
    ]
    returned = [x for x in draft.files if x.details.get("exchange_result")]
    assert [x.filename for x in returned] == ["Thông báo thuế.pdf"]
    assert store.read(returned[0].sha256) == result
    # A second result for a transfer already completed is refused, and stores nothing.
    late = _deliver(
        session,
        store,
        world,
        answer("result", "r2", [ref], status="completed"),
        parts={"f1": result},
    )
    assert late.status == 422
    assert len([x for x in draft.files if x.details.get("exchange_result")]) == 1
