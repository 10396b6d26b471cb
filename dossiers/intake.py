"""Creating dossiers: online drafts and submission, and receipt at the counter (Đ12.1.a–c)."""

import hmac
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers import identity
from dossiers.accounts import AccountKind, User
from dossiers.actors import Actor
from dossiers.agencies import Agency
from dossiers.calendar import VN_TZ, today_in_vietnam
from dossiers.calendar_store import load_calendar
from dossiers.codes import allocate_code
from dossiers.copies import queue_scan_copy
from dossiers.db import utcnow
from dossiers.documents import Printer, issue_document
from dossiers.errors import Forbidden, InvalidFile, InvalidInput, NotFound
from dossiers.events import apply, authorize, check_legal, revision_checked
from dossiers.files import FileStore, store_bytes
from dossiers.lifecycle import Kind, Role, Status
from dossiers.pdf.forms import FormKind
from dossiers.pdf.origin import born_digital
from dossiers.pdf.scan_check import check_pdf
from dossiers.procedures import (
    AgencyPart,
    OnlineLevel,
    ProcedureVersion,
    Requirement,
    version_in_force,
)
from dossiers.records import (
    Channel,
    ComponentState,
    Dossier,
    DossierComponent,
    DossierFile,
    FileKind,
)
from dossiers.uploads import MAX_FILE_BYTES, check_upload
from dossiers.verification import looks_signed, queue_incoming_check

_LOOKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a desk


@dataclass
class Applicant:
    name: str
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # organisation, representative …

    def validated(self) -> "Applicant":
        if not self.name.strip():
            raise InvalidInput(
                "Cần nhập họ tên người nộp hồ sơ", "The applicant's name is required"
            )
        if self.id_number and not self.id_number.strip().isdigit():
            raise InvalidInput(
                "Số giấy tờ tùy thân chỉ gồm chữ số", "The ID number must contain digits only"
            )
        if self.email:  # the same rule on every channel: portal, desk, API
            self.email = identity.email(self.email)
        return self


def _receiving_agency(
    session: Session, version: ProcedureVersion, agency_code: str | None
) -> Agency:
    today = today_in_vietnam()
    candidates = [
        a.agency
        for a in version.agencies
        if a.part == AgencyPart.RECEIVING and a.agency.active_on(today)
    ]
    if agency_code:
        for agency in candidates:
            if agency.code == agency_code.strip().upper():
                return agency
        raise InvalidInput(
            f"Cơ quan {agency_code} không tiếp nhận thủ tục này",
            f"Agency {agency_code} does not receive this procedure",
        )
    if not candidates:
        raise NotFound(
            "Thủ tục chưa được giao cho cơ quan tiếp nhận nào",
            "The procedure has no receiving agency",
        )
    return candidates[0]


def _competent_agency(version: ProcedureVersion, receiving: Agency) -> Agency:
    competent = [a.agency for a in version.agencies if a.part == AgencyPart.COMPETENT]
    for agency in competent:  # a commune procedure is decided by the commune that received it
        if agency.id == receiving.id:
            return agency
    return competent[0] if competent else receiving


def create_draft(
    session: Session,
    actor: Actor,
    procedure_code: str,
    applicant: Applicant,
    *,
    channel: Channel = Channel.ONLINE,
    agency_code: str | None = None,
    today: date | None = None,
) -> Dossier:
    """Start a dossier from the procedure version in force today, one row per component."""
    applicant.validated()
    version = version_in_force(session, procedure_code, today or today_in_vietnam())
    receiving = _receiving_agency(session, version, agency_code)
    competent = _competent_agency(version, receiving)
    if not actor.is_staff and not actor.has(Role.CITIZEN):
        raise Forbidden("Cần đăng nhập để nộp hồ sơ", "Log in to file a dossier")
    dossier = Dossier(
        procedure_version=version,
        channel=channel,
        applicant_user_id=None if actor.is_staff else actor.user_id,
        applicant_name=applicant.name.strip(),
        applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone,
        applicant_email=applicant.email,
        applicant_address=applicant.address,
        applicant=applicant.extra,
        receiving_agency_id=receiving.id,
        competent_agency_id=competent.id,
        holder_agency_id=receiving.id,
        status="",
        last_seq=0,
    )
    for item in version.components:
        dossier.components.append(
            DossierComponent(
                procedure_component_id=item.id,
                position=item.position,
                name=item.name,
                requirement=item.requirement,
            )
        )
    session.add(dossier)
    session.flush()
    apply(session, dossier, Kind.CREATED, actor)
    return dossier


EDITABLE = (Status.DRAFT, Status.INCOMPLETE, Status.AWAITING_SUPPLEMENT)
# Checks other packages add before a draft is submitted; each raises a DomainError to refuse
# (payments: a toàn trình procedure's fee is paid before its dossier is filed).
SUBMIT_CHECKS: list[Callable[[Session, Dossier], None]] = []


def _editable(actor: Actor, dossier: Dossier) -> None:
    if dossier.status not in EDITABLE:
        raise InvalidInput(
            "Hồ sơ đã nộp, không thể sửa",
            "The dossier can no longer be edited",
            code="not_editable",
        )
    if actor.user_id is not None and actor.user_id == dossier.applicant_user_id:
        return
    if dossier.applicant_user_id is None and actor.has(Role.RECEPTION, dossier.receiving_agency_id):
        return
    raise NotFound("Không tìm thấy hồ sơ", "Dossier not found")


def _component(dossier: Dossier, component_id: int) -> DossierComponent:
    for component in dossier.components:
        if component.id == component_id:
            return component
    raise NotFound("Không tìm thấy thành phần hồ sơ", "Component not found")


def paper_allowed(dossier: Dossier, component: DossierComponent) -> bool:
    """May the applicant bring this component on paper instead of uploading it?

    A fully online (toàn trình) procedure is exchanged electronically (Đ7.2.c) unless the
    component's original must be seen on paper.
    """
    if dossier.channel != Channel.ONLINE:
        return True
    if OnlineLevel(dossier.procedure_version.online_level) != OnlineLevel.FULL:
        return True
    source = next(
        (
            c
            for c in dossier.procedure_version.components
            if c.id == component.procedure_component_id
        ),
        None,
    )
    return source is not None and not source.electronic_original_accepted


def mark_component(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    component_id: int,
    state: ComponentState,
    note: str | None = None,
) -> DossierComponent:
    """Say how a component is provided without a file: on paper, cannot be digitized (Đ12.1.c)…"""
    _editable(actor, dossier)
    component = _component(dossier, component_id)
    if state == ComponentState.ATTACHED:
        raise InvalidInput("Hãy đính kèm tệp", "Attach a file instead")
    applicant = actor.user_id is not None and actor.user_id == dossier.applicant_user_id
    if applicant and state == ComponentState.NOT_DIGITIZABLE:
        raise InvalidInput(
            "Chỉ cán bộ tiếp nhận đánh dấu giấy tờ không số hóa được",
            "Only the desk marks a document as not digitizable",
        )
    if applicant and state == ComponentState.PAPER and not paper_allowed(dossier, component):
        raise InvalidInput(
            "Thủ tục trực tuyến toàn trình: thành phần này phải nộp tệp điện tử",
            "Fully online procedure: this component must be uploaded",
            code="paper_not_allowed",
        )
    if state == ComponentState.NOT_PROVIDED and component.requirement == Requirement.REQUIRED:
        raise InvalidInput(
            "Thành phần bắt buộc không thể bỏ qua",
            "A required component cannot be left out",
            code="required",
        )
    if state == ComponentState.NOT_DIGITIZABLE and not (note or "").strip():
        raise InvalidInput(
            "Ghi chú lý do không thể số hóa", "Say why it cannot be digitized", code="note_required"
        )
    for old in component.current_files:
        old.replaced_at = utcnow()
    component.state, component.note = state, (note or "").strip() or None
    session.flush()
    return component


def attach_file(
    session: Session,
    actor: Actor,
    store: FileStore,
    dossier: Dossier,
    component_id: int,
    *,
    filename: str,
    content_type: str,
    data: bytes,
    kind: FileKind = FileKind.UPLOAD,
    replace: bool = False,
    max_bytes: int = MAX_FILE_BYTES,
) -> DossierFile:
    """Store a file against a component. With ``replace``, earlier files stay, marked replaced.

    The file is checked (type by content, size, readable) before anything is written. A scanned
    PDF is also checked against the digitization standard (Phụ lục I.2): a scan made at the desk
    (``FileKind.SCAN``) must meet it, or it is refused with the reasons page by page so the
    clerk can rescan; an applicant's upload keeps the report so they see the reasons. A
    born-digital PDF (``pdf.origin``) is not a scan: its signature is validated instead.
    """
    _editable(actor, dossier)
    component = _component(dossier, component_id)
    checked = check_upload(data, filename, max_bytes)
    content_type = checked.content_type
    details: dict[str, Any] = {}
    if checked.extension == "pdf" and born_digital(data):
        # Phụ lục I.2 is the standard for scans: an electronic original (signed, or text
        # made by software) gets its signature verdict below, never a scan's. Brought to the
        # counter it is kept as it is, not turned into a SAO Y copy of a scan.
        details["origin"] = "born_digital"
        kind = FileKind.UPLOAD if kind == FileKind.SCAN else kind
    elif checked.extension == "pdf":
        report = check_pdf(data)
        details["scan_check"] = report.as_dict()
        if kind == FileKind.SCAN and not report.compliant:
            reasons = "; ".join(p.message for p in report.problems)
            raise InvalidFile(
                f"{filename}: bản scan chưa đạt chuẩn số hóa — {reasons}",
                f"{filename}: the scan is below the digitization standard",
                code="below_standard",
            )
    elif kind == FileKind.SCAN:
        raise InvalidFile(
            f"{filename}: bản scan phải là tệp PDF (Phụ lục I.2)",
            f"{filename}: a scan must be a PDF",
            code="below_standard",
        )
    if kind == FileKind.SCAN:
        # NĐ 107/2021 Art. 21a: the compliant scan becomes an electronic copy signed by the
        # agency (SAO Y, Phụ lục I.3): dossiers/copies.py signs it after the commit.
        details["copy_signature"] = "pending"
    blob = store_bytes(session, store, data)
    now = utcnow()
    if replace:
        for old in component.current_files:
            old.replaced_at = now
    record = DossierFile(
        dossier=dossier,
        component_id=component.id,
        sha256=blob.sha256,
        size=blob.size,
        filename=clean_filename(filename, checked.extension),
        content_type=content_type,
        kind=kind,
        uploaded_by_id=actor.user_id,
        uploaded_at=now,
        details=details,
    )
    session.add(record)
    component.state, component.note = ComponentState.ATTACHED, None
    session.flush()
    if looks_signed(data):  # Đ9.2.b: a signed PDF is validated; staff see the verdict
        queue_incoming_check(session, record.id)
    if kind == FileKind.SCAN:  # NĐ 107 Art. 21a: signed as a SAO Y copy after the commit
        queue_scan_copy(session, record.id)
    return record


# Trailing ".exe", ".docx", ".jpeg " … in a name; a number such as the "2" of "v1.2" is kept.
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,5}\s*$")


def clean_filename(name: str, extension: str) -> str:
    """A file name safe to store and to send back: no path, no control, format or direction
    characters, NFC, and only the extension the content's type allows (``x.exe.pdf`` and
    ``x.pdf.exe`` of a PDF are both ``x.pdf``)."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    while _EXTENSION.search(name):
        name = _EXTENSION.sub("", name).rstrip(" .")
    return f"{(name or 'tep')[:195]}.{extension}"


def remove_file(session: Session, actor: Actor, dossier: Dossier, file_id: int) -> None:
    """Take a file out of the dossier; it stays in the history, marked replaced."""
    _editable(actor, dossier)
    record = next((f for f in dossier.files if f.id == file_id and f.replaced_at is None), None)
    if record is None or record.component_id is None:
        raise NotFound("Không tìm thấy tệp", "File not found")
    record.replaced_at = utcnow()
    component = _component(dossier, record.component_id)
    if not component.current_files:
        component.state = ComponentState.PENDING
    session.flush()


def missing_components(dossier: Dossier) -> list[DossierComponent]:
    return [
        c
        for c in dossier.components
        if c.requirement == Requirement.REQUIRED and c.state == ComponentState.PENDING
    ]


def _use_version_in_force(session: Session, dossier: Dossier, at: datetime) -> None:
    """A dossier follows the procedure version in force when it is received, not when its
    draft was started: if a new version applies by then, its components replace the old ones
    (same-named components keep their files; new ones must be provided)."""
    current = version_in_force(session, dossier.procedure_version.code, at.astimezone(VN_TZ).date())
    if current.id == dossier.procedure_version_id:
        return
    old = {c.name: c for c in dossier.components}
    for item in current.components:
        kept = old.pop(item.name, None)
        if kept is not None:
            kept.procedure_component_id, kept.position = item.id, item.position
            kept.requirement = item.requirement
        else:
            dossier.components.append(
                DossierComponent(
                    procedure_component_id=item.id,
                    position=item.position,
                    name=item.name,
                    requirement=item.requirement,
                )
            )
    for gone in old.values():  # no longer asked for: kept in the record, marked as such
        gone.state, gone.requirement = ComponentState.NOT_PROVIDED, Requirement.OPTIONAL
        gone.note = "Không còn trong thủ tục hiện hành"
        gone.position += 1000
    dossier.procedure_version = current
    session.flush()
    dossier.components.sort(key=lambda c: c.position)


def _allocate(session: Session, dossier: Dossier, at: datetime) -> None:
    dossier.code = allocate_code(session, dossier.receiving_agency.code, at)
    dossier.lookup_code = "".join(secrets.choice(_LOOKUP_ALPHABET) for _ in range(4))


def submit_dossier(
    session: Session, actor: Actor, dossier: Dossier, at: datetime | None = None
) -> Dossier:
    """Submit an online draft: it gets its code and waits for the desk's check (NĐ 45 Art. 11).

    A dossier the agency asked to complete is resubmitted instead (the applicant's one verb).
    """
    if dossier.status in (Status.INCOMPLETE, Status.AWAITING_SUPPLEMENT):
        return resubmit_dossier(session, actor, dossier, at=at)
    if dossier.status == Status.DRAFT:
        _editable(actor, dossier)
        user = session.get(User, actor.user_id) if actor.user_id else None
        # An integration client submitting for the applicant identified them itself
        # (dossiers/clients/on_behalf.py); the e-mail confirmation is for self-service.
        if (
            user is not None
            and user.kind != AccountKind.STAFF
            and user.confirmed_at is None
            and actor.client_id is None
        ):
            raise InvalidInput(
                "Hãy xác nhận tài khoản (mã gửi qua thư điện tử) trước khi nộp",
                "Confirm your account (code sent by e-mail) before submitting",
                code="unconfirmed",
            )
        _use_version_in_force(session, dossier, at or utcnow())
    missing = missing_components(dossier)
    if missing:
        names = "; ".join(c.name for c in missing)
        raise InvalidInput(
            f"Còn thiếu thành phần bắt buộc: {names}",
            f"Required components missing: {names}",
            code="incomplete",
        )
    when = at or utcnow()
    check_legal(dossier, Kind.SUBMITTED)  # before taking a number: no number for a refusal
    if dossier.status == Status.DRAFT:
        for check in SUBMIT_CHECKS:
            check(session, dossier)
    _allocate(session, dossier, when)
    dossier.submitted_at = when
    apply(session, dossier, Kind.SUBMITTED, actor, at=when)
    return dossier


def promised_date(session: Session, version: ProcedureVersion, received_at: datetime) -> datetime:
    calendar = load_calendar(session)
    return calendar.due(
        received_at, version.time_limit_value, version.time_limit_unit, version.cut_off
    )


def receive_at_counter(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    at: datetime | None = None,
    printer: Printer | None = None,
) -> Dossier:
    """The desk receives a paper dossier it has entered: code, receipt time, promised date."""
    if dossier.applicant_user_id is not None:
        raise InvalidInput(
            "Hồ sơ trực tuyến được tiếp nhận sau khi người nộp gửi đi",
            "An online dossier is accepted after its applicant submits it",
            code="online_dossier",
        )
    check_legal(dossier, Kind.RECEIVED)
    authorize(session, actor, dossier, Kind.RECEIVED)
    when = at or utcnow()
    _use_version_in_force(session, dossier, when)
    missing = missing_components(dossier)
    if missing:
        names = "; ".join(c.name for c in missing)
        raise InvalidInput(
            f"Chưa xử lý thành phần bắt buộc: {names}",
            f"Required components not handled: {names}",
            code="incomplete",
        )
    with revision_checked():  # another clerk may have received it since we read it: 409
        _allocate(session, dossier, when)
        dossier.received_at = when
        dossier.due_at = promised_date(session, dossier.procedure_version, when)
        apply(session, dossier, Kind.RECEIVED, actor, at=when)
    if printer is not None:  # the receipt and the bundle label (Đ12.1.c)
        for kind in (FormKind.RECEIPT, FormKind.LABEL, FormKind.LABEL_A4):
            issue_document(session, actor, printer, dossier, kind, at=when)
    return dossier


def resubmit_dossier(
    session: Session, actor: Actor, dossier: Dossier, at: datetime | None = None
) -> Dossier:
    """Send back a dossier completed as asked (NĐ 45 Art. 12): before acceptance it returns to
    the desk's check; during processing it resumes where it was."""
    _editable(actor, dossier)
    if dossier.status == Status.DRAFT:
        raise InvalidInput(
            "Hồ sơ chưa nộp lần nào", "The dossier was never submitted", code="not_submitted"
        )
    missing = missing_components(dossier)
    if missing:
        names = "; ".join(c.name for c in missing)
        raise InvalidInput(
            f"Còn thiếu thành phần bắt buộc: {names}",
            f"Required components missing: {names}",
            code="incomplete",
        )
    kind = Kind.RESUBMITTED if dossier.status == Status.INCOMPLETE else Kind.SUPPLEMENTED
    apply(session, dossier, kind, actor, at=at)
    return dossier


def withdraw_dossier(session: Session, actor: Actor, dossier: Dossier, reason: str) -> Dossier:
    """The applicant withdraws (national status 7) while the lifecycle allows it."""
    apply(session, dossier, Kind.WITHDRAWN, actor, reason=reason)
    return dossier


def lookup(session: Session, code: str, secret: str) -> Dossier | None:
    """Public lookup: the dossier code plus the last 4 digits of the applicant's ID number or
    the lookup code printed on the receipt. A wrong pair and an unknown code look the same."""
    code, secret = code.strip().upper(), secret.strip().upper()
    if not code or len(secret) != 4:
        return None
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    if dossier is None:
        return None
    last4 = (dossier.applicant_id_number or "")[-4:]
    candidates = [c for c in (last4, dossier.lookup_code or "") if len(c) == 4]
    if any(hmac.compare_digest(secret, c.upper()) for c in candidates):
        return dossier
    return None
