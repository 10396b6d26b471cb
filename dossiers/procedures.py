"""Procedures (thủ tục hành chính) as versioned data.

A procedure is identified by its national code; what it requires changes with the decisions
that publish it, so every requirement lives on a ``ProcedureVersion`` valid over a date range
(QĐ 31 Đ23.1: when a cited text is replaced, the replacement applies). A dossier points to the
version in force when it was received.
"""

from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint, select, true
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from dossiers.agencies import Agency
from dossiers.calendar import TimeUnit
from dossiers.db import Base
from dossiers.errors import NotFound


class OnlineLevel(StrEnum):
    """NĐ 42/2022 Art. 11 levels; ``legacy_level`` maps them onto the old levels 2–4."""

    FULL = "toan_trinh"  # toàn trình
    PARTIAL = "mot_phan"  # một phần
    NONE = "none"

    @property
    def legacy_level(self) -> int:
        # Approximate mapping (FACTS §5), used only for reports that still count levels 3/4.
        return {OnlineLevel.FULL: 4, OnlineLevel.PARTIAL: 3, OnlineLevel.NONE: 2}[self]

    @property
    def label(self) -> str:
        return {
            OnlineLevel.FULL: "Toàn trình",
            OnlineLevel.PARTIAL: "Một phần",
            OnlineLevel.NONE: "Không trực tuyến",
        }[self]


class Requirement(StrEnum):
    REQUIRED = "required"
    CONDITIONAL = "conditional"  # required in the case its condition names
    OPTIONAL = "optional"


class AgencyPart(StrEnum):
    COMPETENT = "competent"  # cơ quan có thẩm quyền giải quyết
    RECEIVING = "receiving"  # nơi tiếp nhận
    COORDINATING = "coordinating"  # cơ quan phối hợp (liên thông)


class Procedure(Base):
    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    # e.g. 1.001193, or with the province suffix 1.001193.000.00.00.H56
    code: Mapped[str] = mapped_column(String(60), unique=True)
    versions: Mapped[list["ProcedureVersion"]] = relationship(
        back_populates="procedure", order_by="ProcedureVersion.number", cascade="all, delete-orphan"
    )

    def version_on(self, day: date) -> "ProcedureVersion | None":
        for version in reversed(self.versions):
            if version.valid_from <= day and (version.valid_to is None or day < version.valid_to):
                return version
        return None


class ProcedureVersion(Base):
    __tablename__ = "procedure_versions"
    __table_args__ = (UniqueConstraint("procedure_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    number: Mapped[int]
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    name: Mapped[str] = mapped_column(Text)
    # Unaccented lower-case name, code and field, for accent-insensitive search.
    search_text: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(20))  # commune | province | ministry
    online_level: Mapped[OnlineLevel] = mapped_column(String(20))
    time_limit_value: Mapped[int]
    time_limit_unit: Mapped[TimeUnit] = mapped_column(String(20))
    cut_off: Mapped[time | None]  # received after this hour: counts from the next working day
    time_limit_note: Mapped[str | None] = mapped_column(Text)
    # Whether the clock stops while the applicant supplements or pays (NĐ 61/2018 Art. 16(4)
    # style rules); most procedures say so, a few count the whole time.
    clock_pauses: Mapped[bool] = mapped_column(default=True, server_default=true())
    legal_basis: Mapped[list[str]] = mapped_column(default=list)
    publishing_decision: Mapped[str | None] = mapped_column(Text)
    results: Mapped[list[str]] = mapped_column(default=list)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # source, caveats, notes
    content_hash: Mapped[str] = mapped_column(String(64))  # detects an unchanged re-import

    procedure: Mapped[Procedure] = relationship(back_populates="versions")
    components: Mapped[list["ProcedureComponent"]] = relationship(
        order_by="ProcedureComponent.position", cascade="all, delete-orphan", lazy="selectin"
    )
    fees: Mapped[list["ProcedureFee"]] = relationship(
        order_by="ProcedureFee.position", cascade="all, delete-orphan", lazy="selectin"
    )
    steps: Mapped[list["ProcessStep"]] = relationship(
        order_by="ProcessStep.position", cascade="all, delete-orphan", lazy="selectin"
    )
    agencies: Mapped[list["ProcedureAgency"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def code(self) -> str:
        return self.procedure.code

    @property
    def legacy_level(self) -> int:
        return OnlineLevel(self.online_level).legacy_level

    def agency_ids(self, part: AgencyPart) -> list[int]:
        return [a.agency_id for a in self.agencies if a.part == part]


class ProcedureComponent(Base):
    """A thành phần hồ sơ: what the applicant hands in."""

    __tablename__ = "procedure_components"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(Text)
    requirement: Mapped[Requirement] = mapped_column(String(20))
    condition: Mapped[str | None] = mapped_column(Text)
    originals: Mapped[int] = mapped_column(default=0)
    copies: Mapped[int] = mapped_column(default=0)
    electronic_original_accepted: Mapped[bool] = mapped_column(default=True)
    digitizable: Mapped[bool] = mapped_column(default=True)  # maps, drawings, objects: no
    form: Mapped[str | None] = mapped_column(Text)  # template form (tờ khai) to fill in
    note: Mapped[str | None] = mapped_column(Text)


class ProcedureFee(Base):
    __tablename__ = "procedure_fees"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(Text)  # lệ phí, phí …
    amount_vnd: Mapped[Decimal | None] = mapped_column(Numeric(14, 0))  # None: set locally
    channel: Mapped[str] = mapped_column(String(40), default="all")  # all | online | counter | post
    per: Mapped[str | None] = mapped_column(Text)  # per copy, per page …
    note: Mapped[str | None] = mapped_column(Text)


class ProcessStep(Base):
    """A step of the agency's internal process, with its share of the legal time limit."""

    __tablename__ = "process_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))  # a lifecycle Role value
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    share_percent: Mapped[int]  # the step's share of the time limit; a version's sum to 100


class ProcedureAgency(Base):
    __tablename__ = "procedure_agencies"
    __table_args__ = (UniqueConstraint("version_id", "agency_id", "part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    part: Mapped[AgencyPart] = mapped_column(String(20))

    agency: Mapped[Agency] = relationship(lazy="joined")


def get_procedure(session: Session, code: str) -> Procedure:
    procedure = session.scalar(select(Procedure).where(Procedure.code == code.strip()))
    if procedure is None:
        raise NotFound(f"Không tìm thấy thủ tục {code}", f"Procedure {code} not found")
    return procedure


def version_in_force(session: Session, code: str, day: date) -> ProcedureVersion:
    version = get_procedure(session, code).version_on(day)
    if version is None:
        raise NotFound(
            f"Thủ tục {code} không có phiên bản hiệu lực ngày {day:%d/%m/%Y}",
            f"Procedure {code} has no version in force on {day}",
        )
    return version


UNIT_LABELS = {
    "working_days": ("ngày làm việc", "working days"),
    "working_hours": ("giờ làm việc", "working hours"),
    "calendar_days": ("ngày", "calendar days"),
}


def time_limit_text(version: ProcedureVersion) -> str:
    unit = UNIT_LABELS[version.time_limit_unit][0]
    if version.time_limit_value == 0 and version.time_limit_unit == "working_days":
        text = "Trong ngày làm việc"
    else:
        text = f"{version.time_limit_value:02d} {unit}"
    if version.cut_off:
        text += f" (nhận sau {version.cut_off:%H:%M} tính từ ngày làm việc tiếp theo)"
    return text
