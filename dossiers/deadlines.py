"""Deadline bookkeeping that follows every status change: plan at receipt, pause, resume.

``events.apply`` calls ``on_status_change`` for every event, so the clock behaves the same
whoever moves the dossier (the desk, an officer, a payment callback, a peer installation).
While the applicant is asked to supplement or pay, the clock stops when the procedure says so;
when they answer, the promised date and every unfinished step move by the working time spent
waiting, and the event that resumes the clock records the pause for the timeline.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.calendar import VN_TZ, WorkCalendar
from dossiers.calendar_store import load_calendar
from dossiers.lifecycle import Status
from dossiers.plans import DossierStep, plan_steps
from dossiers.records import Dossier

PAUSING = frozenset({Status.AWAITING_SUPPLEMENT, Status.AWAITING_PAYMENT})
_WORKING = frozenset(
    {
        Status.RECEIVED,
        Status.IN_PROGRESS,
        Status.AT_OTHER_AGENCY,
        Status.PENDING_APPROVAL,
        Status.APPROVED,
    }
)


class Timeliness(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


TIMELINESS_LABELS = {
    Timeliness.EARLY: ("Trước hạn", "Early"),
    Timeliness.ON_TIME: ("Đúng hạn", "On time"),
    Timeliness.LATE: ("Quá hạn", "Late"),
}


def timeliness(done_at: datetime, due_at: datetime) -> Timeliness:
    """Trước hạn: done on a day before the due day; đúng hạn: on the due day, by the due time;
    quá hạn: after it. Days are Vietnam's calendar days (the forms print dates, not hours)."""
    if done_at > due_at:
        return Timeliness.LATE
    if done_at.astimezone(VN_TZ).date() < due_at.astimezone(VN_TZ).date():
        return Timeliness.EARLY
    return Timeliness.ON_TIME


def on_status_change(
    session: Session, dossier: Dossier, before: Status | None, after: Status, when: datetime
) -> dict[str, Any]:
    """Keep the plan and the clock in step with the move; return what the event should record."""
    if (
        after == Status.RECEIVED
        and before != Status.RECEIVED
        and dossier.current_step is None
        and dossier.due_at is not None
        and dossier.received_at is not None
    ):
        plan_steps(session, dossier, load_calendar(session))
        return {}
    if after in PAUSING and before not in PAUSING:
        if dossier.procedure_version.clock_pauses and dossier.due_at is not None:
            dossier.paused_at = when
            return {"clock": "paused"}
        return {}
    # Only leaving the wait resumes the clock: a form issued, a note or a document recorded
    # while the applicant is asked to supplement or pay is a self-transition and changes nothing.
    if before in PAUSING and after not in PAUSING and dossier.paused_at is not None:
        paused_from, dossier.paused_at = dossier.paused_at, None
        if after in _WORKING:
            return _resume(session, dossier, paused_from, when)
    return {}


def _resume(session: Session, dossier: Dossier, since: datetime, when: datetime) -> dict[str, Any]:
    calendar = load_calendar(session)
    hours = max(0.0, calendar.working_hours_between(since, when))
    before = dossier.due_at
    if before is None or hours == 0:
        return {"clock": "resumed", "paused_hours": 0}
    dossier.due_at = calendar.add_working_hours(before, hours)
    _move_unfinished(session, dossier, calendar, hours)
    return {
        "clock": "resumed",
        "paused_hours": round(hours, 2),
        "paused_since": since.isoformat(),
        "due_before": before.isoformat(),
        "due_after": dossier.due_at.isoformat(),
    }


def shift_plan(session: Session, dossier: Dossier, new_due: datetime) -> None:
    """A new promised date (the apology letter): unfinished steps move by the same working
    time, so the plan still ends on the promise."""
    if dossier.due_at is None:
        dossier.due_at = new_due
        return
    calendar = load_calendar(session)
    hours = calendar.working_hours_between(dossier.due_at, new_due)
    dossier.due_at = new_due
    _move_unfinished(session, dossier, calendar, hours, cap=new_due)


def _move_unfinished(
    session: Session,
    dossier: Dossier,
    calendar: WorkCalendar,
    hours: float,
    cap: datetime | None = None,
) -> None:
    """Move every step not yet finished by ``hours`` working hours (never past ``cap``)."""
    for step in session.scalars(
        select(DossierStep).where(
            DossierStep.dossier_id == dossier.id, DossierStep.finished_at.is_(None)
        )
    ):
        moved = calendar.add_working_hours(step.due_at, hours)
        step.due_at = moved if cap is None else min(cap, moved)
