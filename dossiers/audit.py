"""The administrators' audit log: who changed what in the installation's set-up, and when.

Append-only, like the dossier event log; one row per administrative action (an agency import,
a user created, a role granted…). Actions are tagged ``subject:action`` (Warehouse's style).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from dossiers.actors import Actor
from dossiers.db import Base, utcnow
from dossiers.lifecycle import Role


class AdminEvent(Base):
    __tablename__ = "admin_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject: Mapped[str] = mapped_column(Text)  # what was acted on: an agency code, a login…
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


def record(session: Session, actor: Actor, action: str, subject: str, **details: Any) -> AdminEvent:
    event = AdminEvent(
        at=utcnow(),
        action=action,
        subject=subject,
        actor_user_id=actor.user_id,
        actor_name=actor.full_name or actor.login or "system",
        details=details,
    )
    session.add(event)
    session.flush()
    return event


def recent(
    session: Session, actor: Actor, *, action_prefix: str = "", limit: int = 50
) -> list[AdminEvent]:
    actor.require(Role.ADMIN)
    stmt = select(AdminEvent).order_by(AdminEvent.id.desc()).limit(limit)
    if action_prefix:
        stmt = stmt.where(AdminEvent.action.startswith(action_prefix))
    return list(session.scalars(stmt))
