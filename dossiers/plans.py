"""A dossier's processing plan: the procedure's internal steps as they were when it was received.

The procedure version carries the process (``ProcessStep``: role, unit, share of the time
limit). At receipt the plan is copied into the dossier with each step's due time, so an
administrator's later edit applies to dossiers received afterwards and never re-dates one in
progress. Step due times are cumulative shares of the legal limit counted in working hours:
a step that finishes late does not push the next step's due time, the dossier's promise stands.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from dossiers.actors import Actor
from dossiers.agencies import Agency
from dossiers.calendar import WorkCalendar
from dossiers.db import Base
from dossiers.errors import Forbidden, InvalidInput
from dossiers.lifecycle import Role
from dossiers.procedures import ProcedureVersion, ProcessStep
from dossiers.records import Dossier


@dataclass(frozen=True)
class StepTemplate:
    name: str
    role: Role
    agency_id: int | None
    share_percent: int


# When a procedure has no process of its own: the usual one-stop path (TT 01/2018 Art. 5).
DEFAULT_PROCESS = (
    StepTemplate("Tiếp nhận hồ sơ", Role.RECEPTION, None, 10),
    StepTemplate("Thẩm định, xử lý hồ sơ", Role.OFFICER, None, 60),
    StepTemplate("Phê duyệt kết quả", Role.LEADER, None, 20),
    StepTemplate("Trả kết quả", Role.RECEPTION, None, 10),
)


class DossierStep(Base):
    __tablename__ = "dossier_steps"
    __table_args__ = (UniqueConstraint("dossier_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))
    # The unit that works the step; for a step the procedure leaves open, the agency that
    # received the dossier (reception steps) or the competent one (the others).
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    share_percent: Mapped[int]
    due_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def is_reception(self) -> bool:
        return self.role == Role.RECEPTION


def templates_for(dossier: Dossier) -> list[StepTemplate]:
    steps = dossier.procedure_version.steps
    if not steps:
        return list(DEFAULT_PROCESS)
    return [StepTemplate(s.name, Role(s.role), s.agency_id, s.share_percent) for s in steps]


def plan_steps(session: Session, dossier: Dossier, calendar: WorkCalendar) -> list[DossierStep]:
    """Copy the process into the dossier with due times; the first step starts at receipt."""
    if dossier.received_at is None or dossier.due_at is None:
        raise ValueError("a dossier is planned once it has been received and promised")
    version = dossier.procedure_version
    start = calendar.received_on(dossier.received_at, version.cut_off)
    total = max(0.0, calendar.working_hours_between(start, dossier.due_at))
    templates = templates_for(dossier)
    steps, cumulative = [], 0
    for position, template in enumerate(templates, start=1):
        cumulative += template.share_percent
        last = position == len(templates)
        due = (
            dossier.due_at
            if last
            else min(dossier.due_at, calendar.add_working_hours(start, total * cumulative / 100))
        )
        agency = template.agency_id or (
            dossier.receiving_agency_id
            if template.role == Role.RECEPTION
            else dossier.competent_agency_id
        )
        step = DossierStep(
            dossier_id=dossier.id,
            position=position,
            name=template.name,
            role=template.role,
            agency_id=agency,
            share_percent=template.share_percent,
            due_at=due,
            started_at=dossier.received_at if position == 1 else None,
        )
        session.add(step)
        steps.append(step)
    dossier.current_step = 1
    return steps


def steps_of(session: Session, dossier: Dossier) -> list[DossierStep]:
    return list(
        session.scalars(
            select(DossierStep)
            .where(DossierStep.dossier_id == dossier.id)
            .order_by(DossierStep.position)
        )
    )


def current_step(session: Session, dossier: Dossier) -> DossierStep | None:
    if dossier.current_step is None:
        return None
    return session.scalar(
        select(DossierStep).where(
            DossierStep.dossier_id == dossier.id, DossierStep.position == dossier.current_step
        )
    )


def step_at(session: Session, dossier: Dossier, position: int) -> DossierStep | None:
    return session.scalar(
        select(DossierStep).where(
            DossierStep.dossier_id == dossier.id, DossierStep.position == position
        )
    )


def set_process(
    session: Session,
    actor: Actor,
    version: ProcedureVersion,
    steps: list[StepTemplate],
    clock_pauses: bool | None = None,
) -> None:
    """An administrator replaces a procedure version's process. Dossiers already received keep
    the plan they were given; the new process applies to those received afterwards."""
    if not actor.has(Role.ADMIN) and not actor.is_system:
        raise Forbidden(
            "Chỉ quản trị hệ thống sửa quy trình xử lý", "Only an administrator edits a process"
        )
    if not 2 <= len(steps) <= 20:
        raise InvalidInput("Quy trình cần từ 2 đến 20 bước", "A process has 2 to 20 steps")
    for i, step in enumerate(steps, start=1):
        if not step.name.strip() or len(step.name) > 300:
            raise InvalidInput(f"Bước {i}: cần tên bước", f"Step {i}: a name is required")
        if not 1 <= step.share_percent <= 100:
            raise InvalidInput(
                f"Bước {i}: tỷ lệ thời gian từ 1 đến 100", f"Step {i}: the share is 1 to 100"
            )
        if step.role not in (Role.RECEPTION, Role.OFFICER, Role.LEADER):
            raise InvalidInput(f"Bước {i}: vai trò không hợp lệ", f"Step {i}: invalid role")
        if step.agency_id is not None and session.get(Agency, step.agency_id) is None:
            raise InvalidInput(f"Bước {i}: đơn vị không tồn tại", f"Step {i}: unknown unit")
    if sum(s.share_percent for s in steps) != 100:
        raise InvalidInput(
            "Tổng tỷ lệ thời gian các bước phải bằng 100",
            "The steps' shares must add up to 100",
            code="shares",
        )
    if not any(s.role == Role.LEADER for s in steps) or steps[0].role != Role.RECEPTION:
        raise InvalidInput(
            "Quy trình bắt đầu ở Bộ phận Một cửa và có bước phê duyệt của lãnh đạo",
            "A process starts at the desk and has a leader's approval",
            code="shape",
        )
    version.steps.clear()
    session.flush()
    for i, step in enumerate(steps, start=1):
        version.steps.append(
            ProcessStep(
                position=i,
                name=step.name.strip(),
                role=step.role,
                agency_id=step.agency_id,
                share_percent=step.share_percent,
            )
        )
    if clock_pauses is not None:
        version.clock_pauses = clock_pauses
    session.flush()
