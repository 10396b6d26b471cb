"""The outbox: side effects written as rows in the transaction that causes them.

A change and the work it triggers (mail, PDFs, inter-agency sends, national sync) commit
together or not at all. After the commit the shell dispatches the new rows: inline when no
Redis is configured, through RQ otherwise; ``motcua worker`` also sweeps rows left behind, so
a Redis outage delays work but loses none. Handlers must be safe to run twice: their database
effects commit in the same transaction that marks the row done, so those happen once; an
outside effect (an e-mail) may repeat if the process dies between sending and committing.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from dossiers.db import Base, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # A caller that might enqueue the same work twice names it; the second enqueue is a no-op.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]


@dataclass
class JobContext:
    """What a handler may use besides its session: settings, the file store, the clock."""

    settings: dict[str, Any] = field(default_factory=dict)
    store: Any = None
    message_id: int = 0


Handler = Callable[[Session, dict[str, Any], JobContext], None]
HANDLERS: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


def enqueue(
    session: Session, job: str, payload: dict[str, Any], *, key: str | None = None
) -> OutboxMessage:
    if job not in HANDLERS:
        raise ValueError(f"unknown job {job!r}")
    if key is not None:
        existing = session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
        if existing is not None:
            return existing
    message = OutboxMessage(job=job, payload=payload, key=key)
    session.add(message)
    session.flush()
    session.info.setdefault("outbox", []).append(message.id)
    return message


def take_new_ids(session: Session) -> list[int]:
    """Ids enqueued in the transaction that just committed (the shell dispatches them)."""
    ids: list[int] = session.info.pop("outbox", [])
    return ids


def run_message(factory: sessionmaker[Session], message_id: int, ctx: JobContext) -> bool:
    """Run one outbox row once. Returns True when it is done (now or before)."""
    with factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.id == message_id)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)  # another worker has it
        message = session.scalar(query)
        if message is None or message.state != "pending":
            return message is not None and message.state == "done"
        job, payload = message.job, dict(message.payload)
        try:
            HANDLERS[job](session, payload, JobContext(ctx.settings, ctx.store, message_id))
            message.state, message.done_at = "done", utcnow()
            message.attempts += 1
            session.commit()
            return True
        except Exception as exc:  # noqa: BLE001 - any handler failure is recorded and retried
            session.rollback()
            log.exception("outbox job %s #%s failed", job, message_id)
            _record_failure(factory, message_id, exc)
            return False


def _record_failure(factory: sessionmaker[Session], message_id: int, exc: Exception) -> None:
    with factory() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None:
            return
        message.attempts += 1
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.state = "failed"
        else:  # exponential backoff: 30 s, 1 min, 2 min … capped at an hour
            delay = min(30 * 2 ** (message.attempts - 1), 3600)
            message.run_after = utcnow() + timedelta(seconds=delay)
        session.commit()


def due_ids(
    session: Session,
    *,
    older_than: timedelta = timedelta(seconds=30),
    limit: int = 100,
    now: datetime | None = None,
) -> list[int]:
    """Pending rows the sweeper should (re)dispatch: past their backoff and not brand new."""
    now = now or utcnow()
    rows = session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.state == "pending",
            OutboxMessage.run_after <= now,
            OutboxMessage.created_at <= now - older_than,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(rows)
