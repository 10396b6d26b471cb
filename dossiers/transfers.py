"""Inter-agency (liên thông) work inside one installation (Đ12.2).

The lead agency hands the whole dossier (files, history) to another agency's queue for its
part, with a due time for that part. The receiver accepts it or sends it back with a reason,
works it with its own people, and returns its result or opinion; the dossier then goes back to
whoever sent it. The lead agency sees where it is all along (the holder and the history), and
the other agency keeps seeing the dossiers it held, never others.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.agencies import Agency
from dossiers.calendar import today_in_vietnam
from dossiers.calendar_store import load_calendar
from dossiers.db import utcnow
from dossiers.deadlines import timeliness
from dossiers.errors import Forbidden, InvalidInput
from dossiers.events import Event, apply
from dossiers.files import FileStore
from dossiers.lifecycle import Kind, Role, Status
from dossiers.plans import current_step
from dossiers.processing import add_working_document, require_step_actor
from dossiers.records import Dossier


def transfer(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    to_agency_id: int,
    *,
    note: str = "",
    days: int = 1,
    at: datetime | None = None,
) -> Event:
    """Send the dossier to another agency for its part, due ``days`` working days from now."""
    agency = session.get(Agency, to_agency_id)
    if agency is None or not agency.active_on(today_in_vietnam()):
        raise InvalidInput(
            "Cơ quan nhận không tồn tại hoặc đã ngừng hoạt động",
            "The receiving agency does not exist or has closed",
            code="unknown_agency",
        )
    if to_agency_id == dossier.holder_agency_id:
        raise InvalidInput(
            "Hồ sơ đang ở chính cơ quan này", "The dossier is already there", code="same_agency"
        )
    if not 1 <= days <= 60:
        raise InvalidInput(
            "Thời hạn phần liên thông từ 1 đến 60 ngày làm việc",
            "The other agency's part takes 1 to 60 working days",
        )
    step = current_step(session, dossier)
    if step is not None:
        require_step_actor(actor, step)
    when = at or utcnow()
    part_due = load_calendar(session).due(when, days, "working_days")
    return apply(
        session,
        dossier,
        Kind.TRANSFERRED,
        actor,
        reason=note.strip() or None,
        to_agency_id=to_agency_id,
        at=when,
        payload={
            "lead_agency_id": dossier.holder_agency_id,
            "lead_user_id": actor.user_id,
            "part_due": part_due.isoformat(),
            "to_agency_name": agency.name,
        },
    )


def open_transfer(session: Session, dossier: Dossier) -> Event | None:
    """The TRANSFERRED event the dossier is currently out on, if any."""
    if dossier.status != Status.AT_OTHER_AGENCY:
        return None
    return session.scalar(
        select(Event)
        .where(Event.dossier_id == dossier.id, Event.kind == Kind.TRANSFERRED)
        .order_by(Event.seq.desc())
        .limit(1)
    )


def _require_receiver(session: Session, actor: Actor, dossier: Dossier) -> Event:
    sent = open_transfer(session, dossier)
    if sent is None or sent.to_agency_id is None:
        raise InvalidInput(
            "Hồ sơ không ở trạng thái chuyển liên thông",
            "The dossier is not out with another agency",
            code="not_transferred",
        )
    if not actor.is_system and not (
        actor.agencies(Role.RECEPTION, Role.OFFICER, Role.LEADER) & {sent.to_agency_id}
    ):
        raise Forbidden(
            "Chỉ cơ quan nhận liên thông mới thực hiện thao tác này",
            "Only the agency the dossier was sent to may do this",
        )
    return sent


def accept_transfer(session: Session, actor: Actor, dossier: Dossier, note: str = "") -> Event:
    sent = _require_receiver(session, actor, dossier)
    accepted = session.scalar(
        select(Event.id).where(
            Event.dossier_id == dossier.id,
            Event.kind == Kind.TRANSFER_ACCEPTED,
            Event.seq > sent.seq,
        )
    )
    if accepted is not None:
        raise InvalidInput(
            "Hồ sơ liên thông đã được nhận",
            "The transfer was already accepted",
            code="already_accepted",
        )
    return apply(session, dossier, Kind.TRANSFER_ACCEPTED, actor, reason=note.strip() or None)


def reject_transfer(session: Session, actor: Actor, dossier: Dossier, reason: str) -> Event:
    """Send it back unworked (wrong agency, incomplete for our part), with the reason."""
    sent = _require_receiver(session, actor, dossier)
    return apply(
        session,
        dossier,
        Kind.TRANSFER_REJECTED,
        actor,
        reason=reason,
        to_agency_id=sent.payload.get("lead_agency_id") or sent.actor_agency_id,
        to_user_id=sent.payload.get("lead_user_id"),
    )


def complete_transfer(
    session: Session,
    actor: Actor,
    store: FileStore,
    dossier: Dossier,
    *,
    opinion: str,
    document: bytes | None = None,
    filename: str = "ket-qua-lien-thong.pdf",
    at: datetime | None = None,
) -> Event:
    """Return the part's result or opinion (and its document) to the lead agency."""
    sent = _require_receiver(session, actor, dossier)
    if not opinion.strip():
        raise InvalidInput(
            "Cần nêu kết quả hoặc ý kiến của cơ quan phối hợp",
            "Give the result or opinion of your part",
            code="reason_required",
        )
    payload: dict[str, Any] = {"opinion": opinion.strip()}
    if document is not None:
        record = add_working_document(
            session,
            actor,
            store,
            dossier,
            data=document,
            filename=filename,
            purpose="transfer_result",
            at=at,
        )
        payload["file_id"] = record.id
    when = at or utcnow()
    part_due = sent.payload.get("part_due")
    if part_due:
        payload["part_due"] = part_due
        payload["timeliness"] = timeliness(when, datetime.fromisoformat(part_due)).value
    return apply(
        session,
        dossier,
        Kind.TRANSFER_COMPLETED,
        actor,
        reason=opinion.strip(),
        to_agency_id=sent.payload.get("lead_agency_id") or sent.actor_agency_id,
        to_user_id=sent.payload.get("lead_user_id"),
        payload=payload,
        at=when,
    )
