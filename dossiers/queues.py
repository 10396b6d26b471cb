"""Work queues of officers and leaders: what is mine, my unit's, due today, overdue, waiting.

Each item carries the deadline that matters now (the current step's and the dossier's) in
working days and hours, and a colour: red when missed, amber with less than a working day
left, green otherwise.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.apologies import Apology, ApologyState
from dossiers.calendar import VN_TZ, WorkCalendar
from dossiers.calendar_store import load_calendar
from dossiers.db import utcnow
from dossiers.lifecycle import Role, Status
from dossiers.plans import DossierStep
from dossiers.records import Dossier

ACTIVE = (
    Status.RECEIVED,
    Status.IN_PROGRESS,
    Status.AT_OTHER_AGENCY,
    Status.PENDING_APPROVAL,
    Status.APPROVED,
    Status.AWAITING_SUPPLEMENT,
    Status.AWAITING_PAYMENT,
)


class Queue(StrEnum):
    MINE = "mine"
    UNIT = "unit"
    TODAY = "today"
    OVERDUE = "overdue"
    APPROVAL = "approval"
    INCOMING = "incoming"  # sent here by another agency
    SUPPLEMENT = "supplement"
    OTHER_AGENCY = "other_agency"  # ours, out with another agency
    APOLOGIES = "apologies"


QUEUE_LABELS: dict[Queue, tuple[str, str]] = {
    Queue.MINE: ("Được giao cho tôi", "Assigned to me"),
    Queue.UNIT: ("Của đơn vị", "My unit's"),
    Queue.TODAY: ("Đến hạn hôm nay", "Due today"),
    Queue.OVERDUE: ("Quá hạn", "Overdue"),
    Queue.APPROVAL: ("Chờ phê duyệt", "Awaiting approval"),
    Queue.INCOMING: ("Liên thông đến", "Sent to us"),
    Queue.SUPPLEMENT: ("Chờ bổ sung", "Awaiting supplement"),
    Queue.OTHER_AGENCY: ("Chờ cơ quan khác", "With another agency"),
    Queue.APOLOGIES: ("Phiếu xin lỗi chờ duyệt", "Apologies to approve"),
}


class Urgency(StrEnum):
    LATE = "late"
    SOON = "soon"
    OK = "ok"
    PAUSED = "paused"


@dataclass(frozen=True)
class WorkItem:
    dossier: Dossier
    step: DossierStep | None
    due: datetime | None  # the step's due time, or the dossier's when no step is running
    urgency: Urgency
    left: str  # "còn 1 ngày 3 giờ" / "quá hạn 2 giờ"


def remaining_text(hours: float, hours_per_day: float = 8.0) -> str:
    """Working time left (or past) as Vietnamese days and hours."""
    late = hours < 0
    minutes = round(abs(hours) * 60)
    days, rest = divmod(minutes, round(hours_per_day * 60))
    parts = []
    if days:
        parts.append(f"{days} ngày")
    if rest >= 60 or not days:
        parts.append(f"{rest // 60} giờ")
    if not days and rest % 60 and rest < 120:
        parts.append(f"{rest % 60} phút")
    text = " ".join(parts)
    return f"quá hạn {text}" if late else f"còn {text}"


def urgency(
    calendar: WorkCalendar, due: datetime | None, now: datetime, paused: bool = False
) -> tuple[Urgency, str]:
    if paused:
        return Urgency.PAUSED, "tạm dừng tính thời gian"
    if due is None:
        return Urgency.OK, ""
    hours = calendar.working_hours_between(now, due)
    if due < now:
        return Urgency.LATE, remaining_text(min(hours, -1 / 60))
    return (Urgency.SOON if hours < calendar.hours_per_day else Urgency.OK, remaining_text(hours))


def _units(actor: Actor) -> frozenset[int]:
    return actor.agencies(Role.OFFICER, Role.LEADER)


def _query(
    actor: Actor, queue: Queue, now: datetime, calendar: WorkCalendar
) -> Select[Dossier, DossierStep]:
    units = _units(actor)
    step_due = DossierStep.due_at
    base = select(Dossier, DossierStep).outerjoin(
        DossierStep,
        and_(DossierStep.dossier_id == Dossier.id, DossierStep.position == Dossier.current_step),
    )
    held_here = Dossier.holder_agency_id.in_(units)
    mine_or_unit = or_(
        Dossier.assignee_id == actor.user_id, and_(held_here, DossierStep.role != Role.RECEPTION)
    )
    running = Dossier.status.in_(
        [
            Status.RECEIVED,
            Status.IN_PROGRESS,
            Status.AT_OTHER_AGENCY,
            Status.PENDING_APPROVAL,
            Status.APPROVED,
        ]
    )
    if queue == Queue.MINE:
        return base.where(
            Dossier.assignee_id == actor.user_id, Dossier.status.in_([s.value for s in ACTIVE])
        )
    if queue == Queue.UNIT:
        return base.where(
            held_here,
            Dossier.status.in_([s.value for s in ACTIVE]),
            or_(DossierStep.role != Role.RECEPTION, Dossier.status == Status.AT_OTHER_AGENCY),
        )
    if queue == Queue.TODAY:
        end = calendar.due(now, 0, "working_days")  # the end of today's working hours
        return base.where(mine_or_unit, running, step_due >= now, step_due <= end)
    if queue == Queue.OVERDUE:
        return base.where(mine_or_unit, running, or_(step_due < now, Dossier.due_at < now))
    if queue == Queue.APPROVAL:
        return base.where(
            Dossier.holder_agency_id.in_(actor.agencies(Role.LEADER)),
            or_(Dossier.status == Status.PENDING_APPROVAL, Dossier.stop_proposed_at.is_not(None)),
        )
    if queue == Queue.INCOMING:
        return base.where(
            held_here,
            Dossier.status == Status.AT_OTHER_AGENCY,
            Dossier.competent_agency_id.not_in(units),
        )
    if queue == Queue.SUPPLEMENT:
        return base.where(
            or_(held_here, Dossier.competent_agency_id.in_(units)),
            Dossier.status == Status.AWAITING_SUPPLEMENT,
        )
    if queue == Queue.OTHER_AGENCY:
        return base.where(
            Dossier.competent_agency_id.in_(units),
            Dossier.status == Status.AT_OTHER_AGENCY,
            Dossier.holder_agency_id.not_in(units),
        )
    if queue == Queue.APOLOGIES:
        return base.join(Apology, Apology.dossier_id == Dossier.id).where(
            Apology.state == ApologyState.DRAFT,
            Dossier.competent_agency_id.in_(actor.agencies(Role.LEADER)),
        )
    raise ValueError(queue)


def work_items(
    session: Session, actor: Actor, queue: Queue, now: datetime | None = None, limit: int = 200
) -> list[WorkItem]:
    when = now or utcnow()
    calendar = load_calendar(session)
    query = _query(actor, queue, when, calendar)
    order = (
        (Dossier.due_at,)
        if queue == Queue.APOLOGIES
        else (DossierStep.due_at.is_(None), DossierStep.due_at, Dossier.due_at, Dossier.id)
    )
    rows = session.execute(query.order_by(*order).limit(limit)).all()
    items = []
    for dossier, step in rows:
        due = step.due_at if step is not None and step.finished_at is None else dossier.due_at
        level, left = urgency(calendar, due, when, paused=dossier.paused_at is not None)
        if dossier.due_at is not None and dossier.due_at < when and level != Urgency.PAUSED:
            level = Urgency.LATE
        items.append(WorkItem(dossier, step, due, level, left))
    return items


def counts(session: Session, actor: Actor, now: datetime | None = None) -> dict[Queue, int]:
    """How many dossiers each visible queue holds: one COUNT per queue, one calendar load."""
    when = now or utcnow()
    calendar = load_calendar(session)
    return {
        q: session.scalar(
            select(func.count()).select_from(_query(actor, q, when, calendar).subquery())
        )
        or 0
        for q in visible_queues(actor)
    }


def visible_queues(actor: Actor) -> list[Queue]:
    queues = [Queue.MINE, Queue.UNIT, Queue.TODAY, Queue.OVERDUE]
    if actor.agencies(Role.LEADER):
        queues += [Queue.APPROVAL, Queue.APOLOGIES]
    return queues + [Queue.INCOMING, Queue.SUPPLEMENT, Queue.OTHER_AGENCY]


def local(value: datetime | None) -> str:
    return value.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y") if value else ""
