"""Loading a province's procedure catalogue and searching it.

``import_catalogue`` takes the parsed YAML/JSON of a catalogue file. Importing the same file
twice changes nothing; a procedure whose content changed gets a new version valid from the
file's ``valid_from`` (or the import day), and the previous version is closed on that day,
so dossiers received earlier keep the rules they were received under.
"""

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.agencies import Agency
from dossiers.calendar import TimeUnit, today_in_vietnam
from dossiers.errors import InvalidInput
from dossiers.lifecycle import Role
from dossiers.procedures import (
    AgencyPart,
    OnlineLevel,
    Procedure,
    ProcedureAgency,
    ProcedureComponent,
    ProcedureFee,
    ProcedureVersion,
    ProcessStep,
    Requirement,
)

E = TypeVar("E", bound=StrEnum)


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics, so "giay phep" finds "Giấy phép"."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


class _Reader:
    """Reads one procedure entry, naming the exact place of any error."""

    def __init__(self, entry: Any, where: str) -> None:
        if not isinstance(entry, dict):
            raise self._error(where, "phải là một bảng khóa–giá trị", "must be a mapping")
        self.entry, self.where = entry, where

    @staticmethod
    def _error(where: str, vi: str, en: str) -> InvalidInput:
        return InvalidInput(f"{where}: {vi}", f"{where}: {en}", code="invalid_catalogue")

    def text(
        self,
        key: str,
        *,
        required: bool = True,
        source: dict[str, Any] | None = None,
        where: str | None = None,
    ) -> str | None:
        value = (source if source is not None else self.entry).get(key)
        place = f"{where or self.where}.{key}"
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self._error(place, "thiếu giá trị", "missing value")
            return None
        return nfc(str(value))

    def choice(self, enum: type[E], value: Any, place: str) -> E:
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise self._error(
                place,
                f"giá trị {value!r} không hợp lệ (chọn: {allowed})",
                f"invalid value {value!r} (one of: {allowed})",
            ) from None

    def integer(self, value: Any, place: str, minimum: int = 0, maximum: int = 3650) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise self._error(
                place,
                f"cần số nguyên từ {minimum} đến {maximum}",
                f"an integer from {minimum} to {maximum} is required",
            )
        return value


def _parse_time(value: Any, place: str) -> time | None:
    if value in (None, ""):
        return None
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            f"{place}: giờ không hợp lệ {value!r} (HH:MM)",
            f"{place}: invalid time {value!r} (HH:MM)",
        ) from None


def _parse_date(value: Any, place: str, default: date) -> date:
    if value in (None, ""):
        return default
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            f"{place}: ngày không hợp lệ {value!r} (YYYY-MM-DD)",
            f"{place}: invalid date {value!r} (YYYY-MM-DD)",
        ) from None


def _agencies(session: Session, codes: Any, place: str) -> list[Agency]:
    if codes is not None and not isinstance(codes, list):
        raise InvalidInput(
            f"{place}: cần một danh sách mã cơ quan",
            f"{place}: a list of agency codes is required",
            code="invalid_catalogue",
        )
    found = []
    for code in codes or []:
        agency = session.scalar(select(Agency).where(Agency.code == str(code).upper()))
        if agency is None:
            raise InvalidInput(
                f"{place}: không có cơ quan mã {code}", f"{place}: no agency with code {code}"
            )
        found.append(agency)
    return found


def _build_version(
    session: Session, entry: dict[str, Any], where: str, today: date
) -> ProcedureVersion:
    r = _Reader(entry, where)
    code, name, field_ = r.text("code"), r.text("name"), r.text("field")
    assert code
    assert name
    assert field_
    limit = entry.get("time_limit") or {}
    if not isinstance(limit, dict):
        raise r._error(f"{where}.time_limit", "thiếu thời hạn giải quyết", "missing time limit")
    version = ProcedureVersion(
        number=0,
        name=name,
        field=field_,
        search_text=fold(f"{code} {name} {field_}"),
        level=r.text("level") or "province",
        online_level=r.choice(
            OnlineLevel, entry.get("online_level") or "none", f"{where}.online_level"
        ),
        time_limit_value=r.integer(limit.get("value"), f"{where}.time_limit.value"),
        time_limit_unit=r.choice(TimeUnit, limit.get("unit"), f"{where}.time_limit.unit"),
        cut_off=_parse_time(limit.get("cut_off"), f"{where}.time_limit.cut_off"),
        time_limit_note=r.text("note", required=False, source=limit),
        legal_basis=[nfc(str(x)) for x in entry.get("legal_basis") or []],
        publishing_decision=r.text("publishing_decision", required=False),
        results=[nfc(str(x)) for x in entry.get("results") or []],
        valid_from=_parse_date(entry.get("valid_from"), f"{where}.valid_from", today),
        details={k: entry[k] for k in ("source", "confidence", "notes", "payment") if entry.get(k)},
        content_hash="",
    )
    for i, item in enumerate(entry.get("components") or [], start=1):
        place = f"{where}.components[{i}]"
        cr = _Reader(item, place)
        version.components.append(
            ProcedureComponent(
                position=i,
                name=cr.text("name"),
                requirement=cr.choice(
                    Requirement, item.get("requirement") or "required", f"{place}.requirement"
                ),
                condition=cr.text("condition", required=False),
                originals=cr.integer(item.get("originals", 0), f"{place}.originals"),
                copies=cr.integer(item.get("copies", 0), f"{place}.copies"),
                electronic_original_accepted=bool(item.get("electronic_original_accepted", True)),
                digitizable=bool(item.get("digitizable", True)),
                form=cr.text("form", required=False),
                note=cr.text("note", required=False),
            )
        )
    for i, item in enumerate(entry.get("fees") or [], start=1):
        place = f"{where}.fees[{i}]"
        fr = _Reader(item, place)
        amount = item.get("amount_vnd")
        if amount is not None and (
            isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= 10**12
        ):
            raise fr._error(
                f"{place}.amount_vnd",
                "cần số tiền nguyên ≥ 0 (đồng) hoặc null",
                "a whole amount ≥ 0 (VND) or null is required",
            )
        version.fees.append(
            ProcedureFee(
                position=i,
                kind=fr.text("kind"),
                amount_vnd=Decimal(amount) if amount is not None else None,
                channel=fr.text("channel", required=False) or "all",
                per=fr.text("per", required=False),
                note=fr.text("note", required=False),
            )
        )
    steps = entry.get("steps") or []
    for i, item in enumerate(steps, start=1):
        place = f"{where}.steps[{i}]"
        sr = _Reader(item, place)
        unit = _agencies(session, [item["agency"]] if item.get("agency") else [], place)
        version.steps.append(
            ProcessStep(
                position=i,
                name=sr.text("name"),
                role=sr.choice(Role, item.get("role"), f"{place}.role"),
                agency_id=unit[0].id if unit else None,
                share_percent=sr.integer(item.get("share_percent"), f"{place}.share_percent"),
            )
        )
    if steps and sum(s.share_percent for s in version.steps) != 100:
        raise r._error(
            f"{where}.steps",
            "tổng tỷ lệ thời gian các bước phải bằng 100",
            "the steps' shares of the time limit must add up to 100",
        )
    parts = entry.get("agencies") or {}
    if not isinstance(parts, dict):
        raise r._error(
            f"{where}.agencies",
            "cần các khóa receiving, competent, coordinating",
            "needs the keys receiving, competent, coordinating",
        )
    for part in AgencyPart:
        for agency in _agencies(session, parts.get(part.value), f"{where}.agencies.{part}"):
            version.agencies.append(ProcedureAgency(agency_id=agency.id, part=part))
    version.content_hash = _content_hash(entry)
    return version


def _content_hash(entry: dict[str, Any]) -> str:
    # valid_from is when a version applies, not what it says: re-stating it is no change.
    content = {k: v for k, v in entry.items() if k != "valid_from"}
    raw = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def import_catalogue(
    session: Session, actor: Actor, data: Any, today: date | None = None
) -> ImportReport:
    actor.require(Role.ADMIN)
    if not isinstance(data, dict) or not isinstance(data.get("procedures"), list):
        raise InvalidInput(
            "Tệp danh mục cần khóa 'procedures' là một danh sách",
            "A catalogue file needs a 'procedures' list",
            code="invalid_catalogue",
        )
    today = today or today_in_vietnam()
    report = ImportReport()
    for i, entry in enumerate(data["procedures"], start=1):
        version = _build_version(session, entry, f"procedures[{i}]", today)
        code = nfc(str(entry["code"]))
        procedure = session.scalar(select(Procedure).where(Procedure.code == code))
        if procedure is None:
            procedure = Procedure(code=code)
            session.add(procedure)
            report.created.append(code)
        else:
            latest = procedure.versions[-1] if procedure.versions else None
            if latest is not None and latest.content_hash == version.content_hash:
                report.unchanged.append(code)
                _discard(session, version)
                continue
            if latest is not None:
                if version.valid_from <= latest.valid_from:
                    version.valid_from = max(today, latest.valid_from)
                latest.valid_to = version.valid_from
            report.new_versions.append(code)
        version.number = len(procedure.versions) + 1
        procedure.versions.append(version)
        session.flush()
    return report


def _discard(session: Session, version: ProcedureVersion) -> None:
    if version in session:
        session.expunge(version)


def search(
    session: Session,
    query: str = "",
    *,
    field_: str | None = None,
    agency_id: int | None = None,
    on: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ProcedureVersion]:
    """Versions in force on ``on`` matching every word of ``query``, accent-insensitively."""
    on = on or today_in_vietnam()
    stmt = (
        select(ProcedureVersion)
        .where(ProcedureVersion.valid_from <= on)
        .where(or_(ProcedureVersion.valid_to.is_(None), ProcedureVersion.valid_to > on))
    )
    for word in fold(query).split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(ProcedureVersion.search_text.like(f"%{escaped}%", escape="\\"))
    if field_:
        stmt = stmt.where(ProcedureVersion.field == field_)
    if agency_id is not None:
        stmt = stmt.where(ProcedureVersion.agencies.any(ProcedureAgency.agency_id == agency_id))
    stmt = stmt.order_by(ProcedureVersion.name).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def fields(session: Session) -> list[str]:
    return list(
        session.scalars(select(ProcedureVersion.field).distinct().order_by(ProcedureVersion.field))
    )
