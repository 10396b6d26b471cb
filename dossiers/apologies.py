"""Overdue dossiers: the apology letter with a new date (Phiếu xin lỗi và hẹn lại ngày trả kết quả).

A daily sweep finds dossiers that will miss (less than one working day left) or have missed
their promised date and prepares the letter with a proposed new date for the responsible
leader. The leader edits and approves it: the promised date moves (and the remaining steps with
it), the letter is issued into the dossier and the applicant is told the new date.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from dossiers.accounts import RoleGrant
from dossiers.actors import Actor
from dossiers.agencies import parent_on
from dossiers.calendar import VN_TZ
from dossiers.calendar_store import load_calendar
from dossiers.db import Base, utcnow
from dossiers.deadlines import shift_plan
from dossiers.documents import Printer, issue_document
from dossiers.errors import Forbidden, InvalidInput, NotFound
from dossiers.events import Event, apply, authorize, check_legal
from dossiers.lifecycle import Kind, Role, Status
from dossiers.outbox import enqueue
from dossiers.pdf.forms import FormKind
from dossiers.plans import DossierStep
from dossiers.records import Dossier

# Statuses whose clock is running (paused ones wait for the applicant, not for us).
RUNNING = (
    Status.RECEIVED,
    Status.IN_PROGRESS,
    Status.AT_OTHER_AGENCY,
    Status.PENDING_APPROVAL,
    Status.APPROVED,
)
WARN_HOURS = 8.0  # one working day
DEFAULT_REASON = "Hồ sơ chưa được giải quyết xong trong thời hạn đã hẹn"


class ApologyState(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    DISMISSED = "dismissed"


class Apology(Base):
    __tablename__ = "apologies"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    state: Mapped[ApologyState] = mapped_column(String(20), default=ApologyState.DRAFT, index=True)
    reason: Mapped[str] = mapped_column(Text)
    due_before: Mapped[datetime]
    new_due_at: Mapped[datetime]
    prepared_at: Mapped[datetime] = mapped_column(default=utcnow)
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the sweep
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))

    dossier: Mapped[Dossier] = relationship()


def open_apology(session: Session, dossier: Dossier) -> Apology | None:
    return session.scalar(
        select(Apology).where(Apology.dossier_id == dossier.id, Apology.state == ApologyState.DRAFT)
    )


def proposed_date(session: Session, dossier: Dossier, now: datetime) -> datetime:
    """The old promise (or now, if later) plus the planned time of the unfinished steps,
    at least one working day."""
    assert dossier.due_at is not None
    calendar = load_calendar(session)
    steps = list(session.scalars(select(DossierStep).where(DossierStep.dossier_id == dossier.id)))
    total = 0.0
    if steps and dossier.received_at is not None:
        total = max(0.0, calendar.working_hours_between(dossier.received_at, dossier.due_at))
    left = sum(s.share_percent for s in steps if s.finished_at is None) / 100 * total
    return calendar.add_working_hours(max(now, dossier.due_at), max(WARN_HOURS, left))


def prepare(
    session: Session,
    dossier: Dossier,
    *,
    actor: Actor | None = None,
    reason: str = DEFAULT_REASON,
    now: datetime | None = None,
) -> Apology:
    """Prepare (or return the open) letter for this dossier."""
    existing = open_apology(session, dossier)
    if existing is not None:
        return existing
    if dossier.status not in RUNNING or dossier.due_at is None:
        raise InvalidInput(
            "Chỉ lập phiếu xin lỗi cho hồ sơ đang giải quyết",
            "An apology letter is for a dossier being processed",
            code="not_running",
        )
    when = now or utcnow()
    apology = Apology(
        dossier_id=dossier.id,
        reason=reason,
        due_before=dossier.due_at,
        new_due_at=proposed_date(session, dossier, when),
        prepared_at=when,
        prepared_by_id=actor.user_id if actor else None,
    )
    session.add(apology)
    session.flush()
    for leader in _leaders(session, dossier):
        enqueue(
            session,
            "notify",
            {
                "user_id": leader,
                "dossier_id": dossier.id,
                "subject": f"Hồ sơ {dossier.code} sắp/đã quá hạn: chờ duyệt phiếu xin lỗi",
                "body": (
                    f"Hồ sơ {dossier.code} hẹn trả "
                    f"{dossier.due_at.astimezone(VN_TZ):%H:%M %d/%m/%Y}. Phiếu xin lỗi và hẹn "
                    f"lại ngày trả kết quả đã được lập, chờ lãnh đạo duyệt."
                ),
            },
            key=f"notify:apology:{apology.id}:{leader}",
        )
    return apology


def _leaders(session: Session, dossier: Dossier) -> list[int]:
    return list(
        session.scalars(
            select(RoleGrant.user_id)
            .where(
                RoleGrant.role == Role.LEADER, RoleGrant.agency_id == dossier.competent_agency_id
            )
            .distinct()
        )
    )


def sweep(session: Session, now: datetime | None = None) -> list[Apology]:
    """Prepare a letter for every running dossier with less than a working day left."""
    when = now or utcnow()
    # Less than WARN_HOURS working hours left ⇔ due before now + WARN_HOURS working hours.
    horizon = load_calendar(session).add_working_hours(when, WARN_HOURS)
    has_letter = (
        select(Apology.id)
        .where(Apology.dossier_id == Dossier.id, Apology.state == ApologyState.DRAFT)
        .exists()
    )
    candidates = session.scalars(
        select(Dossier)
        .where(
            Dossier.status.in_([s.value for s in RUNNING]),
            Dossier.due_at < horizon,
            Dossier.finished_at.is_(None),
            ~has_letter,
        )
        .order_by(Dossier.id)
    ).all()
    return [prepare(session, dossier, now=when) for dossier in candidates]


def get_apology(session: Session, apology_id: int) -> Apology:
    apology = session.get(Apology, apology_id)
    if apology is None:
        raise NotFound("Không tìm thấy phiếu xin lỗi", "Apology letter not found")
    return apology


def approve(
    session: Session,
    actor: Actor,
    apology: Apology,
    *,
    reason: str | None = None,
    new_due_at: datetime | None = None,
    printer: Printer | None = None,
    at: datetime | None = None,
) -> Event:
    """The leader approves the letter (after editing the reason or date): the promise moves,
    the letter is issued and the applicant is told the new date."""
    if apology.state != ApologyState.DRAFT:
        raise InvalidInput(
            "Phiếu xin lỗi này đã được xử lý",
            "This letter was already decided",
            code="already_decided",
        )
    dossier = apology.dossier
    if not actor.has(Role.LEADER, dossier.competent_agency_id) and not actor.has(
        Role.LEADER, dossier.holder_agency_id
    ):
        raise Forbidden(
            "Chỉ lãnh đạo cơ quan giải quyết mới duyệt phiếu xin lỗi",
            "Only a leader of the competent agency approves the apology",
        )
    when = at or utcnow()
    reason = (reason if reason is not None else apology.reason).strip()
    new_due = new_due_at or apology.new_due_at
    if dossier.due_at is not None and new_due <= dossier.due_at:
        raise InvalidInput(
            "Ngày hẹn mới phải sau ngày hẹn cũ",
            "The new date must be after the old one",
            code="bad_date",
        )
    if new_due <= when:
        raise InvalidInput(
            "Ngày hẹn mới phải ở tương lai", "The new date must be in the future", code="bad_date"
        )
    check_legal(dossier, Kind.DEADLINE_EXTENDED)
    authorize(session, actor, dossier, Kind.DEADLINE_EXTENDED)
    before = dossier.due_at
    shift_plan(session, dossier, new_due)
    event = apply(
        session,
        dossier,
        Kind.DEADLINE_EXTENDED,
        actor,
        reason=reason,
        at=when,
        payload={
            "apology_id": apology.id,
            "due_before": before.isoformat() if before else None,
            "due_after": new_due.isoformat(),
        },
    )
    apology.reason, apology.new_due_at = reason, new_due
    apology.state, apology.decided_at, apology.decided_by_id = (
        ApologyState.APPROVED,
        when,
        actor.user_id,
    )
    apology.event_id = event.id
    if printer is not None:
        competent = dossier.competent_agency
        parent = parent_on(session, competent, when.astimezone(VN_TZ).date())
        issue_document(
            session,
            actor,
            printer,
            dossier,
            FormKind.APOLOGY,
            at=when,
            issuer=competent,
            agency={
                "name": competent.name,
                "parent": parent.name if parent else "",
                "phone": competent.phone,
                "desk": f"Bộ phận Tiếp nhận và Trả kết quả – {dossier.receiving_agency.name}",
                "desk_short": "Bộ phận Tiếp nhận và Trả kết quả",
            },
            apology={
                "reason": reason,
                "due_before": before,
                "new_due": new_due,
                "leader": actor.full_name or actor.login,
            },
        )
    return event


def dismiss(session: Session, actor: Actor, apology: Apology, note: str = "") -> None:
    """The leader decides no letter is needed (the dossier will be on time after all)."""
    if apology.state != ApologyState.DRAFT:
        raise InvalidInput(
            "Phiếu xin lỗi này đã được xử lý",
            "This letter was already decided",
            code="already_decided",
        )
    if not actor.has(Role.LEADER, apology.dossier.competent_agency_id):
        raise Forbidden(
            "Chỉ lãnh đạo cơ quan giải quyết mới quyết định",
            "Only a leader of the competent agency decides",
        )
    apology.state, apology.decided_at, apology.decided_by_id = (
        ApologyState.DISMISSED,
        utcnow(),
        actor.user_id,
    )
    if note.strip():
        apply(
            session,
            apology.dossier,
            Kind.NOTE_ADDED,
            actor,
            payload={"note": note.strip(), "apology": "dismissed"},
        )
