"""Counters in the database, shared by every app server: fixed windows and growing delays.

One atomic upsert per hit: concurrent hits from several processes count exactly once each.
Callers give these functions a session of their own and commit it at once, so a count is seen
by every other request immediately and never rides on (or commits) a request's transaction.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, case, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from dossiers.db import Base, utcnow


class Throttle(Base):
    __tablename__ = "throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int]
    # Backoff keys: the next attempt is allowed from this time on.
    blocked_until: Mapped[datetime | None]


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]


def _at(value: datetime) -> Any:
    return literal(value, Throttle.__table__.c.window_start.type)  # stored as UTC


def hit(session: Session, key: str, window: timedelta, now: datetime | None = None) -> int:
    """Count one more event for ``key`` in the current window; return the count so far."""
    now = now or utcnow()
    table = Throttle.__table__
    expired = table.c.window_start <= _at(now - window)
    stmt = (
        _insert(session)(table)
        .values(key=key, window_start=now, count=1)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "count": case((expired, 1), else_=table.c.count + 1),
                "window_start": case((expired, _at(now)), else_=table.c.window_start),
            },
        )
        .returning(table.c.count)
    )
    count: int = session.execute(stmt).scalar_one()
    return count


def count(session: Session, key: str, window: timedelta, now: datetime | None = None) -> int:
    now = now or utcnow()
    row = session.get(Throttle, key)
    if row is None or row.window_start <= now - window:
        return 0
    return row.count


def clear(session: Session, key: str) -> None:
    row = session.get(Throttle, key)
    if row is not None:
        session.delete(row)
        session.flush()


@dataclass(frozen=True)
class Backoff:
    """Growing delays instead of a hard lock: ``free`` attempts back to back, then a wait of
    ``first`` that doubles with each further attempt up to ``longest``. A key left quiet for
    ``forget`` after its wait ended starts again from nothing."""

    free: int
    first: timedelta
    longest: timedelta
    forget: timedelta

    def wait_after(self, attempts: int) -> timedelta:
        if attempts < self.free:
            return timedelta(0)
        wait: timedelta = min(self.first * 2 ** min(attempts - self.free, 40), self.longest)
        return wait

    def steps(self) -> int:
        """Attempts after which the wait has reached ``longest``."""
        n = self.free
        while self.wait_after(n) < self.longest:
            n += 1
        return n


def claim(session: Session, key: str, backoff: Backoff, now: datetime | None = None) -> timedelta:
    """Count one attempt for ``key`` if one is allowed now.

    Returns ``timedelta(0)`` when the attempt was counted (go ahead), else how long to wait.
    The test and the count are one statement (an upsert whose update applies only when the key
    is not waiting), so of twenty simultaneous attempts exactly those the backoff allows go
    ahead, on PostgreSQL (row lock) as on SQLite (one writer at a time).
    """
    now = now or utcnow()
    table = Throttle.__table__
    stale = table.c.blocked_until <= _at(now - backoff.forget)
    attempts = case((stale, 1), else_=table.c.count + 1)

    def next_allowed(n: Any) -> ColumnElement[Any]:
        whens = [
            (n == k, _at(now + backoff.wait_after(k))) for k in range(backoff.free, backoff.steps())
        ]
        return case((n < backoff.free, _at(now)), *whens, else_=_at(now + backoff.longest))

    stmt = (
        _insert(session)(table)
        .values(key=key, window_start=now, count=1, blocked_until=now + backoff.wait_after(1))
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "count": attempts,
                "blocked_until": next_allowed(attempts),
                "window_start": case((stale, _at(now)), else_=table.c.window_start),
            },
            where=table.c.blocked_until.is_(None) | (table.c.blocked_until <= _at(now)),
        )
        .returning(table.c.count)
    )
    if session.execute(stmt).scalar_one_or_none() is not None:
        return timedelta(0)
    until = session.scalar(select(Throttle.blocked_until).where(Throttle.key == key))
    return max((until or now) - now, timedelta(seconds=1))


def release(session: Session, key: str, backoff: Backoff, now: datetime | None = None) -> None:
    """Give back an attempt that turned out fine (a successful login): only failures add up."""
    now = now or utcnow()
    table = Throttle.__table__
    left = table.c.count - 1
    session.execute(
        update(Throttle)
        .where(table.c.key == key, table.c.count > 0)
        .values(
            count=left,
            blocked_until=case((left < backoff.free, _at(now)), else_=table.c.blocked_until),
        )
    )
