"""Fixed-window counters in the database, shared by every app server (login rate limits).

One atomic upsert per hit: concurrent hits from several processes count exactly once each.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, case, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from dossiers.db import Base, utcnow


class Throttle(Base):
    __tablename__ = "throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int]


def hit(session: Session, key: str, window: timedelta, now: datetime | None = None) -> int:
    """Count one more event for ``key`` in the current window; return the count so far."""
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    insert: Any = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    table = Throttle.__table__
    at = literal(now, table.c.window_start.type)  # stored as UTC like every datetime
    expired = table.c.window_start <= literal(now - window, table.c.window_start.type)
    stmt = (insert(table).values(key=key, window_start=now, count=1)
            .on_conflict_do_update(index_elements=["key"], set_={
                "count": case((expired, 1), else_=table.c.count + 1),
                "window_start": case((expired, at), else_=table.c.window_start)})
            .returning(table.c.count))
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
