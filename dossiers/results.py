"""Results, copies and attachments the agency issues: signed, stored, registered, delivered.

Đ12.3 and NĐ 45/2020 Art. 14–15: the result of a procedure is returned as a signed electronic
document; its validity can be cancelled by the issuing agency's leader, and checking it from
then on says so. ``issue_result`` is what the back office, the API and the CLI call.
"""

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers import events
from dossiers.actors import Actor
from dossiers.agencies import Agency, parent_on
from dossiers.calendar import VN_TZ
from dossiers.db import utcnow
from dossiers.errors import Forbidden, InvalidFile, InvalidInput, NotFound
from dossiers.files import FileStore, store_bytes
from dossiers.lifecycle import Kind, Role
from dossiers.processing import return_result
from dossiers.records import Channel, Dossier, DossierFile, FileKind
from dossiers.register import (
    DocumentKind,
    IssuedDocument,
    SigningImage,
    new_verify_code,
    register,
)
from dossiers.result_drafts import Candidate, candidate, next_number, require_seen
from dossiers.signing import core
from dossiers.signing.copy import sanitise
from dossiers.signing.images import check_seal, check_signature
from dossiers.signing.keys import Keyring, SignerUnavailable
from dossiers.signing.result import Placement, find_placement, sign_result


@dataclass(frozen=True)
class Signing:
    """What signing needs beyond the session: files, keys, and the public address."""

    store: FileStore
    keyring: Keyring
    base_url: str
    place: str = "Đồng Tháp"
    # Keys the verification codes printed on template results (result_drafts.verify_code_for);
    # the app passes its SECRET_KEY.
    code_key: bytes = b"motcua-result-codes"

    def verify_url(self, code: str) -> str:
        return f"{self.base_url}/verify/{code}"

    def timestamping(self) -> core.Timestamping | None:
        if not self.keyring.tsa_url:
            return None
        from pyhanko_certvalidator import ValidationContext

        return core.Timestamping(
            self.keyring.tsa_url,
            ValidationContext(trust_roots=self.keyring.trust_roots(), allow_fetching=True),
        )


# --- signature and seal images --------------------------------------------------------------


def upload_signature_image(
    session: Session, store: FileStore, actor: Actor, png: bytes
) -> SigningImage:
    """A leader uploads the image of their own handwritten signature (blue, transparent)."""
    if not actor.has(Role.LEADER) or actor.user_id is None:
        raise_forbidden()
    checked = check_signature(png)
    return save_image(
        session, store, f"user:{actor.login}", png, checked.width_mm, checked.height_mm, actor
    )


def upload_seal_image(
    session: Session, store: FileStore, actor: Actor, agency: Agency, png: bytes
) -> SigningImage:
    """The agency's seal (red, transparent, real size); its leaders or an administrator."""
    if not (actor.has(Role.LEADER, agency.id) or actor.has(Role.ADMIN)):
        raise_forbidden()
    checked = check_seal(png)
    return save_image(
        session, store, f"agency:{agency.code}", png, checked.width_mm, checked.height_mm, actor
    )


def raise_forbidden() -> None:
    raise Forbidden(
        "Bạn không có quyền thay đổi ảnh chữ ký / con dấu này",
        "You may not change this signature or seal image",
    )


def save_image(
    session: Session,
    store: FileStore,
    owner: str,
    png: bytes,
    width_mm: float,
    height_mm: float,
    actor: Actor,
) -> SigningImage:
    blob = store_bytes(session, store, png)
    row = session.scalar(select(SigningImage).where(SigningImage.owner == owner))
    if row is None:
        row = SigningImage(
            owner=owner,
            sha256=blob.sha256,
            width_mm=width_mm,
            height_mm=height_mm,
            uploaded_by=actor.full_name or actor.login,
        )
        session.add(row)
    else:
        row.sha256, row.width_mm, row.height_mm = blob.sha256, width_mm, height_mm
        row.uploaded_at, row.uploaded_by = utcnow(), actor.full_name or actor.login
    session.flush()
    return row


def signing_image(session: Session, store: FileStore, owner: str) -> tuple[bytes, SigningImage]:
    row = session.scalar(select(SigningImage).where(SigningImage.owner == owner))
    if row is None:
        what = "chữ ký" if owner.startswith("user:") else "con dấu"
        english = "signature" if owner.startswith("user:") else "seal"
        raise SignerUnavailable(
            f"Chưa có ảnh {what} của «{owner.split(':', 1)[1]}»; hãy tải lên trước khi ký",
            f"No {english} image for '{owner}' yet: upload it first",
        )
    return store.read(row.sha256), row


# --- results --------------------------------------------------------------------------------


def _position(title: str) -> str:
    """The title without the agency it names: "Giám đốc Sở Tư pháp" → "GIÁM ĐỐC"."""
    return title.split(" Sở ")[0].split(" UBND")[0].upper()


def _leader_lines(title: str | None, agency: Agency) -> list[str]:
    """NĐ 30/2020: "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC" when a deputy signs for the head."""
    title = unicodedata.normalize("NFC", (title or "").strip())
    for prefix in ("Phó ", "phó "):
        if title.startswith(prefix):
            head = title[len(prefix) :]
            for name in (agency.name, agency.short_name):
                head = head.replace(name, "").strip() if name else head
            return [f"KT. {_position(head).strip() or 'THỦ TRƯỞNG'}", _position(title)]
    return [_position(title) or "THỦ TRƯỞNG CƠ QUAN"]


def leader_and_seal(
    session: Session, signing: Signing, login: str, agency: Agency
) -> "partial[bytes]":
    """``sign_result`` bound to the leader's key and signature image and the agency's key and
    seal (Phụ lục II.1–2), loaded before any rendering so a missing one fails fast."""
    leader = signing.keyring.user(login)
    seal_key = signing.keyring.agency(agency.code)
    signature_png, _ = signing_image(session, signing.store, f"user:{login}")
    seal_png, seal = signing_image(session, signing.store, f"agency:{agency.code}")
    return partial(
        sign_result,
        leader=leader,
        agency=seal_key,
        signature_png=signature_png,
        seal_png=seal_png,
        seal_mm=(seal.width_mm, seal.height_mm),
        timestamping=signing.timestamping(),
    )


def render_result(
    session: Session,
    signing: Signing,
    dossier: Dossier,
    *,
    signer_name: str,
    signer_title: str | None,
    agency: Agency,
    number: str,
    verify_code: str,
    when: datetime,
    body: list[str] | None = None,
) -> bytes:
    """The result in the NĐ 30/2020 layout, QR top-left (TT 01/2023) to its verification."""
    from weasyprint import HTML

    from dossiers.pdf.forms import TEMPLATES, _env, _nfc
    from dossiers.pdf.marks import document_qr_text, qr_svg

    version = dossier.procedure_version
    local = when.astimezone(VN_TZ)
    parent = parent_on(session, agency, local.date())
    title = "Quyết định"
    subject = f"Về việc giải quyết thủ tục «{version.name}»"
    body = body or [
        f"Căn cứ hồ sơ mã số {dossier.code} của {dossier.applicant_name} nộp ngày "
        f"{(dossier.received_at or dossier.created_at).astimezone(VN_TZ):%d/%m/%Y};",
        f"Xét đề nghị của bộ phận chuyên môn, {agency.name} giải quyết thủ tục hành chính "
        f"«{version.name}» (mã thủ tục {version.code}) cho {dossier.applicant_name}"
        + (f", số định danh {dossier.applicant_id_number}" if dossier.applicant_id_number else "")
        + ".",
        "Văn bản này được ký số; tính xác thực được kiểm tra bằng mã QR ở góc trên bên trái "
        f"hoặc tại {signing.base_url}/verify.",
    ]
    qr = qr_svg(
        document_qr_text(
            dossier_code=dossier.code or "",
            procedure_code=version.code,
            applicant_id=(dossier.applicant_id_number or "")[-4:] or None,
            document=f"{title} số {number}",
            url=signing.verify_url(verify_code),
        ),
        scale=2,
    )
    html = _env.get_template("result.html").render(
        **_nfc(
            {
                "title": title,
                "subject": subject,
                "number": number,
                "dossier_code": dossier.code,
                "agency": {"name": agency.name, "parent": parent.name if parent else ""},
                "place": signing.place,
                "day": f"{local:%d}",
                "month": f"{local:%m}",
                "year": f"{local:%Y}",
                "body": body,
                "recipients": [dossier.applicant_name, "Bộ phận Tiếp nhận và Trả kết quả"],
                "signer_title": _leader_lines(signer_title, agency),
                "signer_name": signer_name,
            }
        ),
        qr=qr,
    )
    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf(pdf_version="1.7")
    return pdf


def signing_agency(session: Session, dossier: Dossier, actor: Actor) -> Agency:
    """The agency whose leader signs and whose seal follows (checks the actor may sign)."""
    events.check_legal(dossier, Kind.SIGNED)
    agency_id = events.authorize(session, actor, dossier, Kind.SIGNED)
    agency = session.get(Agency, agency_id) if agency_id else dossier.competent_agency
    assert agency is not None
    return agency


def result_candidate(
    session: Session,
    signing: Signing,
    dossier: Dossier,
    actor: Actor,
    *,
    at: datetime | None = None,
) -> Candidate:
    """What this leader would sign now, for the preview (only someone who may sign sees it)."""
    return candidate(
        session, signing, dossier, actor, signing_agency(session, dossier, actor), at=at
    )


def issue_result(
    session: Session,
    signing: Signing,
    dossier: Dossier,
    actor: Actor,
    *,
    seen_sha256: str | None = None,
    pdf: bytes | None = None,
    placement: Placement | None = None,
    at: datetime | None = None,
) -> DossierFile:
    """Sign the result twice, store, register, deliver.

    Without ``pdf`` the leader signs the candidate they previewed (the officer's draft or the
    filled template, ``result_drafts``), and ``seen_sha256`` must be its SHA-256: a candidate
    changed since the preview is refused (409). With ``pdf`` (the CLI, or an API client
    sending the file it means) those bytes are signed, rewritten first like any PDF supplied
    from outside."""
    agency = signing_agency(session, dossier, actor)
    when = at or utcnow()
    sign = leader_and_seal(session, signing, actor.login, agency)
    if pdf is None:
        found = candidate(session, signing, dossier, actor, agency, at=when)
        require_seen(found, seen_sha256)
        pdf, number, verify_code = found.pdf, found.number, found.verify_code
        draft_id = found.draft_file_id
    else:
        if not pdf.startswith(b"%PDF-"):
            raise InvalidFile(
                "Kết quả tải lên phải là tệp PDF", "The result must be a PDF", code="not_pdf"
            )
        pdf = sanitise(pdf)
        number, verify_code, draft_id = next_number(session, agency), new_verify_code(), None
    signed = sign(pdf, placement=placement or find_placement(pdf, actor.full_name))
    blob = store_bytes(session, signing.store, signed)
    record = DossierFile(
        dossier=dossier,
        component_id=None,
        sha256=blob.sha256,
        size=blob.size,
        filename=f"ket-qua-{dossier.code}.pdf",
        content_type="application/pdf",
        kind=FileKind.RESULT,
        uploaded_by_id=actor.user_id,
        uploaded_at=when,
        details={
            "number": number,
            "verify_code": verify_code,
            "title": "Quyết định",
            "signed_by": actor.full_name,
            "agency": agency.name,
            "draft_file_id": draft_id,
            "unsigned_sha256": hashlib.sha256(pdf).hexdigest(),
        },
    )
    session.add(record)
    session.flush()
    register(
        session,
        sha256=blob.sha256,
        kind=DocumentKind.RESULT,
        title=f"Kết quả giải quyết hồ sơ {dossier.code}",
        number=number,
        agency_id=agency.id,
        agency_name=agency.name,
        issued_by=actor.full_name,
        verify_code=verify_code,
        dossier_id=dossier.id,
        file_id=record.id,
        at=when,
    )
    payload: dict[str, Any] = {"file_id": record.id, "sha256": blob.sha256, "number": number}
    events.apply(session, dossier, Kind.SIGNED, actor, payload, at=when)
    events.apply(session, dossier, Kind.RESULT_ISSUED, actor, payload, at=when)
    if dossier.channel == Channel.ONLINE:
        # Level 4 / toàn trình: the signed file in the citizen's account is the return.
        return_result(
            session,
            Actor.system("signing"),
            dossier,
            at=when,
            details={**payload, "method": "online"},
        )
    return record


def current_result(session: Session, dossier: Dossier) -> IssuedDocument | None:
    return session.scalar(
        select(IssuedDocument)
        .where(IssuedDocument.dossier_id == dossier.id, IssuedDocument.kind == DocumentKind.RESULT)
        .order_by(IssuedDocument.id.desc())
        .limit(1)
    )


def cancel_result(
    session: Session, dossier: Dossier, actor: Actor, reason: str, *, at: datetime | None = None
) -> IssuedDocument:
    """NĐ 45 Art. 15: the issuing agency's leader cancels the result's validity, with a reason."""
    issued = current_result(session, dossier)
    if issued is None:
        raise NotFound("Hồ sơ chưa có kết quả đã ban hành", "No issued result for this dossier")
    if not (reason or "").strip():
        raise InvalidInput(
            "Cần nêu lý do hủy hiệu lực", "A reason is required", code="reason_required"
        )
    if issued.agency_id is not None and not actor.has(Role.LEADER, issued.agency_id):
        raise_forbidden()
    when = at or utcnow()
    events.apply(
        session,
        dossier,
        Kind.RESULT_CANCELLED,
        actor,
        {"sha256": issued.sha256, "number": issued.number},
        reason=reason,
        at=when,
    )
    issued.cancelled_at = when
    issued.cancelled_by = actor.full_name or actor.login
    issued.cancel_reason = reason.strip()
    session.flush()
    return issued


def register_standalone(
    session: Session,
    signed: bytes,
    *,
    kind: DocumentKind,
    title: str,
    agency: Agency,
    actor: Actor,
    number: str | None = None,
) -> IssuedDocument:
    """Register a copy or attachment signed outside a dossier (the CLI)."""
    return register(
        session,
        sha256=hashlib.sha256(signed).hexdigest(),
        kind=kind,
        title=title,
        agency_id=agency.id,
        agency_name=agency.name,
        issued_by=actor.full_name or actor.login,
        number=number,
    )
