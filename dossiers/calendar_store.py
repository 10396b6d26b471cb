"""Administrator corrections to the working-day calendar, kept as dated data.

The ``holidays`` package is the base; each year the government fixes Tết, swaps and make-up
Saturdays by decision, and an administrator records them here with the reason.
"""

from datetime import date, datetime

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from dossiers.actors import Actor
from dossiers.calendar import Override, WorkCalendar
from dossiers.db import Base, utcnow
from dossiers.errors import InvalidInput, NotFound
from dossiers.lifecycle import Role


class CalendarOverride(Base):
    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(primary_key=True)
    working: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def load_calendar(session: Session) -> WorkCalendar:
    rows = session.scalars(select(CalendarOverride).order_by(CalendarOverride.day))
    return WorkCalendar(Override(r.day, r.working, r.reason) for r in rows)


def set_override(
    session: Session, actor: Actor, day: date, working: bool, reason: str
) -> CalendarOverride:
    actor.require(Role.ADMIN)
    if not reason.strip():
        raise InvalidInput(
            "Cần ghi lý do (số văn bản quyết định)", "A reason is required (the deciding document)"
        )
    row = session.get(CalendarOverride, day)
    if row is None:
        row = CalendarOverride(
            day=day, working=working, reason=reason.strip(), created_by=actor.login
        )
        session.add(row)
    else:
        row.working, row.reason, row.created_by = working, reason.strip(), actor.login
    session.flush()
    return row


def remove_override(session: Session, actor: Actor, day: date) -> None:
    actor.require(Role.ADMIN)
    row = session.get(CalendarOverride, day)
    if row is None:
        raise NotFound(f"Không có điều chỉnh cho ngày {day:%d/%m/%Y}", f"No override on {day}")
    session.delete(row)
    session.flush()
