"""Agencies as dated data: a tree with dated parent links, types, identifiers and successors.

The 2025 mergers (34 provinces, no districts) showed that agencies come and go: an agency is
never renamed in place or deleted; it is closed (valid_to) and points to its successor. A
dossier keeps the agencies it had at receipt.
"""

from datetime import date
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from dossiers import identity
from dossiers.db import Base
from dossiers.errors import InvalidInput, NotFound


class AgencyKind(StrEnum):
    PEOPLES_COMMITTEE = "peoples_committee"  # UBND tỉnh / xã
    SERVICE_CENTRE = "service_centre"  # Trung tâm Phục vụ hành chính công (NĐ 118/2025)
    DEPARTMENT = "department"  # Sở, ban, ngành
    COMMUNE = "commune"  # UBND xã, phường, đặc khu
    MINISTRY = "ministry"
    BRANCH = "branch"  # chi nhánh, điểm tiếp nhận
    DIVISION = "division"  # phòng, đơn vị trực thuộc (internal processing unit)


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Electronic identifier under QCVN 102 / QĐ 20/2020: at most 35 characters, dot-separated
    # groups of 0–9 and A–Z, e.g. 000.17.22.H56.
    code: Mapped[str] = mapped_column(String(35), unique=True)
    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[AgencyKind] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    gso_code: Mapped[str | None] = mapped_column(String(10))  # administrative-unit code
    dvcqg_id: Mapped[str | None] = mapped_column(String(64))  # national portal id
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))

    def active_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def __repr__(self) -> str:
        return f"<Agency {self.code} {self.name!r}>"


class AgencyParent(Base):
    """A dated edge of the agency tree: the agency sat under the parent in [from, to)."""

    __tablename__ = "agency_parents"
    __table_args__ = (UniqueConstraint("agency_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]


_CODE_CHARS = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.")


def validate_code(code: str) -> str:
    code = code.strip().upper()
    if not code or len(code) > 35 or not set(code) <= _CODE_CHARS or ".." in code:
        raise InvalidInput(
            f"Mã định danh cơ quan không hợp lệ: {code!r} (tối đa 35 ký tự 0–9, A–Z, dấu chấm)",
            f"Invalid agency identifier: {code!r} (at most 35 characters 0-9, A-Z, dots)",
        )
    return code


def get_by_code(session: Session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code.strip().upper()))
    if agency is None:
        raise NotFound(f"Không tìm thấy cơ quan {code}", f"Agency {code} not found")
    return agency


def parent_on(session: Session, agency: Agency, day: date) -> Agency | None:
    edge = session.scalar(
        select(AgencyParent)
        .where(AgencyParent.agency_id == agency.id, AgencyParent.valid_from <= day)
        .where((AgencyParent.valid_to.is_(None)) | (AgencyParent.valid_to > day))
        .order_by(AgencyParent.valid_from.desc())
    )
    return session.get(Agency, edge.parent_id) if edge else None


def children_on(session: Session, agency: Agency, day: date) -> list[Agency]:
    rows = session.scalars(
        select(Agency)
        .join(AgencyParent, AgencyParent.agency_id == Agency.id)
        .where(AgencyParent.parent_id == agency.id, AgencyParent.valid_from <= day)
        .where((AgencyParent.valid_to.is_(None)) | (AgencyParent.valid_to > day))
        .order_by(Agency.name)
    )
    return list(rows)


def upsert_agency(
    session: Session,
    *,
    code: str,
    name: str,
    kind: AgencyKind,
    valid_from: date,
    parent_code: str | None = None,
    **details: str | None,
) -> Agency:
    """Create an agency, or update the descriptive fields of an existing one (idempotent load)."""
    code = validate_code(code)
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        agency = Agency(code=code, name=name, kind=kind, valid_from=valid_from)
        session.add(agency)
    agency.name, agency.kind = name, kind
    if details.get("email"):
        details["email"] = identity.email(details["email"] or "")  # no CR/LF into a mail header
    for field in ("short_name", "address", "phone", "email", "gso_code", "dvcqg_id"):
        if field in details:
            setattr(agency, field, details[field])
    session.flush()
    if parent_code:
        parent = get_by_code(session, parent_code)
        current = parent_on(session, agency, valid_from)
        if current is None or current.id != parent.id:
            # A new parent from valid_from: the open edge to the old one ends that day.
            for edge in session.scalars(
                select(AgencyParent).where(
                    AgencyParent.agency_id == agency.id,
                    AgencyParent.valid_to.is_(None),
                    AgencyParent.valid_from < valid_from,
                )
            ):
                edge.valid_to = valid_from
            session.add(
                AgencyParent(agency_id=agency.id, parent_id=parent.id, valid_from=valid_from)
            )
            session.flush()
    return agency


def close_agency(session: Session, agency: Agency, on: date, successor: Agency | None) -> None:
    """End an agency's validity (a merger or reorganisation) and point to its successor."""
    if on < agency.valid_from:
        raise InvalidInput(
            "Ngày kết thúc trước ngày bắt đầu hiệu lực", "End date before the agency's start date"
        )
    agency.valid_to = on
    agency.successor_id = successor.id if successor else None
    for edge in session.scalars(
        select(AgencyParent).where(
            AgencyParent.agency_id == agency.id, AgencyParent.valid_to.is_(None)
        )
    ):
        edge.valid_to = on
    session.flush()
