"""The append-only event log and ``apply``, the only code that changes a dossier's status.

Đ5.2: the status of every dossier is tracked automatically. Each event records who acted, for
which agency, when, the status before and after, and where the dossier went. Events are never
updated or deleted; the status page, the process control sheet and the statistics read them.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from dossiers.actors import Actor
from dossiers.calendar import VN_TZ
from dossiers.db import Base, utcnow
from dossiers.deadlines import on_status_change
from dossiers.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from dossiers.lifecycle import (
    APPLICANT_KINDS,
    APPLICANT_NOTIFIED,
    KIND_LABELS,
    REASON_REQUIRED,
    STAFF_ROLES,
    STATUS_LABELS,
    Audience,
    Kind,
    Role,
    Status,
    national_after,
    next_status,
    reason_shown_to,
)
from dossiers.outbox import enqueue
from dossiers.records import Dossier

# Called with every event right after it is appended, in the same flush, so what they write
# (webhook deliveries, dossiers/webhooks) commits or rolls back with the event. Installed by
# the shell's create_app.
EVENT_HOOKS: list[Callable[[Session, Dossier, "Event"], None]] = []

_FINISHING = frozenset(
    {Status.RETURNED, Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.DISCARDED}
)


class Event(Base):
    __tablename__ = "events"
    # (dossier, seq) is unique: two writers appending at once cannot both succeed.
    __table_args__ = (UniqueConstraint("dossier_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40), index=True)
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(Text)  # as it was: accounts change
    actor_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    to_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)

    @property
    def label(self) -> str:
        return KIND_LABELS[Kind(self.kind)][0]


def apply(
    session: Session,
    dossier: Dossier,
    kind: Kind,
    actor: Actor,
    payload: dict[str, Any] | None = None,
    *,
    reason: str | None = None,
    to_agency_id: int | None = None,
    to_user_id: int | None = None,
    at: datetime | None = None,
) -> Event:
    """Record ``kind`` on ``dossier`` and move it to its next status, or refuse.

    Checks legality (the lifecycle table), permission (who may record this kind, for which
    agency) and the reason where one is required; then appends the event and updates the
    dossier's cached status in the same flush. The caller commits.
    """
    current = Status(dossier.status) if dossier.status else None
    after = check_legal(dossier, kind)
    acting_agency = authorize(session, actor, dossier, kind)
    reason = (reason or "").strip() or None
    if kind in REASON_REQUIRED and not reason:
        raise InvalidInput(
            f"Cần nêu lý do khi «{KIND_LABELS[kind][0]}»",
            f"A reason is required to '{KIND_LABELS[kind][1]}'",
            code="reason_required",
        )
    when = at or utcnow()
    with revision_checked():  # its queries flush what the caller already changed
        clock = on_status_change(session, dossier, current, after, when)
    dossier.last_seq += 1
    dossier.status = after
    dossier.national_status = national_after(after, dossier.national_status)
    if to_agency_id is not None:
        dossier.holder_agency_id = to_agency_id
        dossier.assignee_id = to_user_id
    elif to_user_id is not None:
        dossier.assignee_id = to_user_id
    if after in _FINISHING and dossier.finished_at is None:
        dossier.finished_at = when
    with revision_checked():
        # The dossier's UPDATE … WHERE revision = <read> goes first: a writer who read an
        # older revision matches no row and is told so before anything is appended.
        session.flush()
    event = Event(
        dossier_id=dossier.id,
        seq=dossier.last_seq,
        kind=kind,
        from_status=current,
        to_status=after,
        at=when,
        actor_user_id=actor.user_id,
        actor_name=actor.full_name or actor.login,
        actor_agency_id=acting_agency,
        to_agency_id=to_agency_id,
        to_user_id=to_user_id,
        reason=reason,
        payload={**(payload or {}), **clock},
    )
    if actor.client_id is not None:  # an integration client acted (itself or for someone)
        event.payload = {**event.payload, "client_id": actor.client_id}
    session.add(event)
    session.flush()
    for hook in EVENT_HOOKS:
        hook(session, dossier, event)
    if kind in APPLICANT_NOTIFIED and dossier.applicant_user_id is not None:
        _notify_applicant(session, dossier, event)
    return event


@contextmanager
def revision_checked() -> Iterator[None]:
    """A flush of a dossier someone else changed first is a Conflict (409), wherever it happens:
    a query's autoflush sends the UPDATE … WHERE revision = <read> as surely as ``flush()``."""
    try:
        yield
    except StaleDataError:
        raise Conflict(
            "Hồ sơ vừa được người khác cập nhật; vui lòng tải lại và thử lại",
            "Someone else changed this dossier first; reload and try again",
        ) from None


def check_legal(dossier: Dossier, kind: Kind) -> Status:
    """The status ``kind`` leads to from the dossier's status, or IllegalTransition."""
    current = Status(dossier.status) if dossier.status else None
    after = next_status(kind, current)
    if after is None:
        label = STATUS_LABELS[current] if current else ("chưa tạo", "not created")
        verb = KIND_LABELS[kind]
        raise IllegalTransition(
            f"Không thể «{verb[0]}» khi hồ sơ ở trạng thái «{label[0]}»",
            f"Cannot '{verb[1]}' a dossier that is '{label[1]}'",
        )
    return after


def authorize(session: Session, actor: Actor, dossier: Dossier, kind: Kind) -> int | None:
    """Return the agency the actor acts for, or raise Forbidden.

    The applicant records their own kinds on their own dossier. Staff need a role listed for
    the kind in an agency involved right now: the desk works for the receiving agency, officers
    and leaders for the agency holding the dossier (or the competent one, which issues results).
    """
    if actor.is_system:
        return None
    if (
        kind in APPLICANT_KINDS
        and actor.user_id is not None
        and actor.user_id == dossier.applicant_user_id
    ):
        return None
    for role in sorted(STAFF_ROLES.get(kind, ())):
        for agency_id in _agencies_for(role, dossier):
            if actor.has(role, agency_id):
                return agency_id
    raise Forbidden(
        f"Bạn không có quyền «{KIND_LABELS[kind][0]}» đối với hồ sơ này",
        f"You may not '{KIND_LABELS[kind][1]}' this dossier",
    )


def _agencies_for(role: Role, dossier: Dossier) -> set[int]:
    if role == Role.RECEPTION:
        return {dossier.receiving_agency_id, dossier.holder_agency_id}
    return {dossier.holder_agency_id, dossier.competent_agency_id}


def can_view(actor: Actor, dossier: Dossier, held_by: set[int] | None = None) -> bool:
    """Applicant, staff of an agency that holds or held it (``held_by``), supervisors."""
    if actor.is_system:
        return True
    if actor.has(Role.SUPERVISOR) and not (
        dossier.status == Status.DRAFT and dossier.applicant_user_id is not None
    ):
        return True
    if actor.user_id is not None and actor.user_id == dossier.applicant_user_id:
        return True
    if dossier.status == Status.DRAFT and dossier.applicant_user_id is not None:
        return False  # an applicant's unsubmitted draft is theirs alone
    involved = {
        dossier.receiving_agency_id,
        dossier.holder_agency_id,
        dossier.competent_agency_id,
    } | (held_by or set())
    return bool(actor.agencies(Role.RECEPTION, Role.OFFICER, Role.LEADER) & involved)


def agencies_that_held(session: Session, dossier: Dossier) -> set[int]:
    rows = session.scalars(
        select(Event.to_agency_id).where(
            Event.dossier_id == dossier.id, Event.to_agency_id.is_not(None)
        )
    )
    return {r for r in rows if r is not None}


def require_view(session: Session, actor: Actor, dossier: Dossier) -> None:
    # A dossier the actor may not see does not exist for them (no existence oracle).
    if not can_view(actor, dossier, agencies_that_held(session, dossier)):
        raise NotFound("Không tìm thấy hồ sơ", "Dossier not found")


def get_visible_dossier(
    session: Session, actor: Actor, dossier_id: int, roles: Iterable[Role] = ()
) -> Dossier:
    """The dossier, if this actor may see it and (when ``roles`` are named) holds one of them.

    Anything else is NotFound, the same answer as for a dossier that does not exist (no
    existence oracle), on every page and API operation that names a dossier."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None or (roles and not actor.roles & frozenset(roles)):
        raise NotFound("Không tìm thấy hồ sơ", "Dossier not found")
    require_view(session, actor, dossier)
    return dossier


def history(session: Session, dossier: Dossier) -> list[Event]:
    return list(
        session.scalars(select(Event).where(Event.dossier_id == dossier.id).order_by(Event.seq))
    )


def _notify_applicant(session: Session, dossier: Dossier, event: Event) -> None:
    label = KIND_LABELS[Kind(event.kind)][0]
    status = STATUS_LABELS[Status(event.to_status)][0]
    body = f"Hồ sơ {dossier.code or dossier.id}: {label}.\nTrạng thái: {status}."
    if event.reason and reason_shown_to(event.kind, Audience.APPLICANT):
        body += f"\nLý do: {event.reason}"
    if dossier.due_at is not None and event.kind in (
        Kind.RECEIVED,
        Kind.ACCEPTED,
        Kind.DEADLINE_EXTENDED,
    ):
        body += f"\nNgày hẹn trả kết quả: {dossier.due_at.astimezone(VN_TZ):%H:%M %d/%m/%Y}."
    enqueue(
        session,
        "notify",
        {
            "user_id": dossier.applicant_user_id,
            "dossier_id": dossier.id,
            "subject": f"Hồ sơ {dossier.code or dossier.id}: {label}",
            "body": body,
        },
        key=f"notify:event:{event.id}",
    )


def expect_revision(dossier: Dossier, revision: int | None) -> None:
    """A form or API call that names the revision it was made from acts only on that one: a
    double-click or a retried request finds the dossier already moved and changes nothing."""
    if revision is not None and revision != dossier.revision:
        raise Conflict(
            "Hồ sơ đã thay đổi kể từ khi bạn mở trang; vui lòng tải lại",
            "The dossier changed since you opened it; reload and try again",
        )
