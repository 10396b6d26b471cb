"""Dossier codes: ``<receiving unit identifier>-<YYMMDD of receipt>-<4-digit daily sequence>``.

TT 01/2018/TT-VPCP Art. 19, e.g. ``000.17.22.H56-210531-0001``. The sequence comes from a
counter row bumped by one atomic upsert in the dossier's own transaction: the row stays locked
until that transaction ends, so concurrent submissions queue for it (no duplicates), and a
rolled-back submission rolls its number back too (no gaps). Database sequences are not used
because they leave gaps.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from dossiers.calendar import VN_TZ
from dossiers.db import Base
from dossiers.errors import Conflict

MAX_DAILY = 9999


class DossierCounter(Base):
    __tablename__ = "dossier_counters"

    agency_code: Mapped[str] = mapped_column(String(35), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    last: Mapped[int]


def next_number(session: Session, agency_code: str, day: date) -> int:
    dialect = session.get_bind().dialect.name
    insert: Any = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"dossier codes need PostgreSQL or SQLite, not {dialect}")
    table = DossierCounter.__table__
    stmt = (
        insert(table)
        .values(agency_code=agency_code, day=day, last=1)
        .on_conflict_do_update(
            index_elements=["agency_code", "day"], set_={"last": table.c.last + 1}
        )
        .returning(table.c.last)
    )
    number: int = session.execute(stmt).scalar_one()
    if number > MAX_DAILY:
        raise Conflict(
            f"Đã hết số hồ sơ trong ngày của {agency_code}",
            f"Daily dossier numbers exhausted for {agency_code}",
        )
    return number


def format_code(agency_code: str, day: date, number: int) -> str:
    return f"{agency_code}-{day:%y%m%d}-{number:04d}"


def allocate_code(session: Session, agency_code: str, at: datetime) -> str:
    """The next code of the receiving unit for the day ``at`` falls on in Vietnam."""
    day = at.astimezone(VN_TZ).date()
    return format_code(agency_code, day, next_number(session, agency_code, day))


def parse_code(code: str) -> tuple[str, date, int] | None:
    """Split a dossier code into (agency identifier, day, number), or None if malformed."""
    parts = code.strip().upper().rsplit("-", 2)
    if len(parts) != 3 or not (
        parts[1].isdigit() and len(parts[1]) == 6 and parts[2].isdigit() and len(parts[2]) == 4
    ):
        return None
    agency = parts[0]
    try:
        day = datetime.strptime(parts[1], "%y%m%d").date()
    except ValueError:
        return None
    return agency, day, int(parts[2])
