"""Creating dossiers: online drafts and submission, and receipt at the counter (Đ12.1.a–c)."""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.agencies import Agency
from dossiers.calendar import VN_TZ
from dossiers.calendar_store import load_calendar
from dossiers.codes import allocate_code
from dossiers.db import utcnow
from dossiers.errors import Forbidden, InvalidInput, NotFound
from dossiers.events import apply, authorize, check_legal
from dossiers.files import FileStore, store_bytes
from dossiers.lifecycle import Kind, Role, Status
from dossiers.procedures import AgencyPart, ProcedureVersion, Requirement, version_in_force
from dossiers.records import (
    Channel,
    ComponentState,
    Dossier,
    DossierComponent,
    DossierFile,
    FileKind,
)

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
            raise InvalidInput("Cần nhập họ tên người nộp hồ sơ",
                               "The applicant's name is required")
        if self.id_number and not self.id_number.strip().isdigit():
            raise InvalidInput("Số giấy tờ tùy thân chỉ gồm chữ số",
                               "The ID number must contain digits only")
        return self


def _receiving_agency(session: Session, version: ProcedureVersion,
                      agency_code: str | None) -> Agency:
    candidates = [a.agency for a in version.agencies if a.part == AgencyPart.RECEIVING]
    if agency_code:
        for agency in candidates:
            if agency.code == agency_code.strip().upper():
                return agency
        raise InvalidInput(f"Cơ quan {agency_code} không tiếp nhận thủ tục này",
                           f"Agency {agency_code} does not receive this procedure")
    if not candidates:
        raise NotFound("Thủ tục chưa được giao cho cơ quan tiếp nhận nào",
                       "The procedure has no receiving agency")
    return candidates[0]


def _competent_agency(version: ProcedureVersion, receiving: Agency) -> Agency:
    competent = [a.agency for a in version.agencies if a.part == AgencyPart.COMPETENT]
    for agency in competent:  # a commune procedure is decided by the commune that received it
        if agency.id == receiving.id:
            return agency
    return competent[0] if competent else receiving


def create_draft(session: Session, actor: Actor, procedure_code: str, applicant: Applicant,
                 *, channel: Channel = Channel.ONLINE, agency_code: str | None = None,
                 today: date | None = None) -> Dossier:
    """Start a dossier from the procedure version in force today, one row per component."""
    applicant.validated()
    version = version_in_force(session, procedure_code,
                               today or utcnow().astimezone(VN_TZ).date())
    receiving = _receiving_agency(session, version, agency_code)
    competent = _competent_agency(version, receiving)
    if not actor.is_staff and not actor.has(Role.CITIZEN):
        raise Forbidden("Cần đăng nhập để nộp hồ sơ", "Log in to file a dossier")
    dossier = Dossier(
        procedure_version=version, channel=channel,
        applicant_user_id=None if actor.is_staff else actor.user_id,
        applicant_name=applicant.name.strip(), applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone, applicant_email=applicant.email,
        applicant_address=applicant.address, applicant=applicant.extra,
        receiving_agency_id=receiving.id, competent_agency_id=competent.id,
        holder_agency_id=receiving.id, status="", last_seq=0,
    )
    for item in version.components:
        dossier.components.append(DossierComponent(
            procedure_component_id=item.id, position=item.position, name=item.name,
            requirement=item.requirement))
    session.add(dossier)
    session.flush()
    apply(session, dossier, Kind.CREATED, actor)
    return dossier


def _editable(actor: Actor, dossier: Dossier) -> None:
    if dossier.status not in (Status.DRAFT, Status.INCOMPLETE):
        raise InvalidInput("Hồ sơ đã nộp, không thể sửa", "The dossier can no longer be edited",
                           code="not_editable")
    if actor.user_id is not None and actor.user_id == dossier.applicant_user_id:
        return
    if dossier.applicant_user_id is None and actor.has(Role.RECEPTION,
                                                       dossier.receiving_agency_id):
        return
    raise NotFound("Không tìm thấy hồ sơ", "Dossier not found")


def _component(dossier: Dossier, component_id: int) -> DossierComponent:
    for component in dossier.components:
        if component.id == component_id:
            return component
    raise NotFound("Không tìm thấy thành phần hồ sơ", "Component not found")


def mark_component(session: Session, actor: Actor, dossier: Dossier, component_id: int,
                   state: ComponentState, note: str | None = None) -> DossierComponent:
    """Say how a component is provided without a file: on paper, cannot be digitized (Đ12.1.c)…"""
    _editable(actor, dossier)
    component = _component(dossier, component_id)
    if state == ComponentState.ATTACHED:
        raise InvalidInput("Hãy đính kèm tệp", "Attach a file instead")
    if state == ComponentState.NOT_DIGITIZABLE and not (note or "").strip():
        raise InvalidInput("Ghi chú lý do không thể số hóa", "Say why it cannot be digitized",
                           code="note_required")
    for old in component.current_files:
        old.replaced_at = utcnow()
    component.state, component.note = state, (note or "").strip() or None
    session.flush()
    return component


def attach_file(session: Session, actor: Actor, store: FileStore, dossier: Dossier,
                component_id: int, *, filename: str, content_type: str, data: bytes,
                kind: FileKind = FileKind.UPLOAD, replace: bool = False) -> DossierFile:
    """Store a file against a component. With ``replace``, earlier files stay, marked replaced."""
    _editable(actor, dossier)
    component = _component(dossier, component_id)
    if not data:
        raise InvalidInput("Tệp rỗng", "The file is empty", code="empty_file")
    blob = store_bytes(session, store, data)
    now = utcnow()
    if replace:
        for old in component.current_files:
            old.replaced_at = now
    record = DossierFile(dossier=dossier, component_id=component.id, sha256=blob.sha256,
                         size=blob.size, filename=filename[-255:] or "tep",
                         content_type=content_type, kind=kind, uploaded_by_id=actor.user_id,
                         uploaded_at=now)
    session.add(record)
    component.state, component.note = ComponentState.ATTACHED, None
    session.flush()
    return record


def missing_components(dossier: Dossier) -> list[DossierComponent]:
    return [c for c in dossier.components
            if c.requirement == Requirement.REQUIRED and c.state == ComponentState.PENDING]


def _allocate(session: Session, dossier: Dossier, at: datetime) -> None:
    dossier.code = allocate_code(session, dossier.receiving_agency.code, at)
    dossier.lookup_code = "".join(secrets.choice(_LOOKUP_ALPHABET) for _ in range(4))


def submit_dossier(session: Session, actor: Actor, dossier: Dossier,
                   at: datetime | None = None) -> Dossier:
    """Submit an online draft: it gets its code and waits for the desk's check (NĐ 45 Art. 11)."""
    if dossier.status == Status.DRAFT:
        _editable(actor, dossier)
    missing = missing_components(dossier)
    if missing:
        names = "; ".join(c.name for c in missing)
        raise InvalidInput(f"Còn thiếu thành phần bắt buộc: {names}",
                           f"Required components missing: {names}", code="incomplete")
    when = at or utcnow()
    check_legal(dossier, Kind.SUBMITTED)  # before taking a number: no number for a refusal
    _allocate(session, dossier, when)
    dossier.submitted_at = when
    apply(session, dossier, Kind.SUBMITTED, actor, at=when)
    return dossier


def promised_date(session: Session, version: ProcedureVersion, received_at: datetime) -> datetime:
    calendar = load_calendar(session)
    return calendar.due(received_at, version.time_limit_value, version.time_limit_unit,
                        version.cut_off)


def receive_at_counter(session: Session, actor: Actor, dossier: Dossier,
                       at: datetime | None = None) -> Dossier:
    """The desk receives a paper dossier it has entered: code, receipt time, promised date."""
    missing = missing_components(dossier)
    if missing:
        names = "; ".join(c.name for c in missing)
        raise InvalidInput(f"Chưa xử lý thành phần bắt buộc: {names}",
                           f"Required components not handled: {names}", code="incomplete")
    when = at or utcnow()
    check_legal(dossier, Kind.RECEIVED)
    authorize(session, actor, dossier, Kind.RECEIVED)
    _allocate(session, dossier, when)
    dossier.received_at = when
    dossier.due_at = promised_date(session, dossier.procedure_version, when)
    apply(session, dossier, Kind.RECEIVED, actor, at=when)
    return dossier
