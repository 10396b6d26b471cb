"""Loading a province's agencies from a file (YAML or JSON), dated, idempotent, with closures.

The file says what the agency tree *is*; the import works out what that changes and either
shows it (``plan_agencies``: the preview, nothing written) or applies it (``import_agencies``).
Importing the same file twice changes nothing the second time. An agency is never deleted: the
2025 mergers (Nghị quyết 202/2025/QH15, 34 provinces; communes re-formed under Luật Tổ chức
chính quyền địa phương 2025) close it on a date with its successor, and dossiers keep the
agencies they had at receipt (they point to the agency row, which stays).

    agencies:
      - code: 000.00.00.H58          # QĐ 20/2020/QĐ-TTg identifier (validate_code)
        name: UBND tỉnh Tiền Giang
        kind: peoples_committee      # AgencyKind
        valid_from: 2008-01-01
        parent: 000.00.00.G01        # optional; in force from parent_from (default valid_from)
        valid_to: 2025-07-01         # optional: closed that day…
        successor: 000.00.00.H60     # …and replaced by this agency
        short_name / address / phone / email / gso_code / dvcqg_id: optional

Every error names the entry and the field (``agencies[3].kind``) in Vietnamese and English.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers import audit, identity
from dossiers.actors import Actor
from dossiers.agencies import (
    Agency,
    AgencyKind,
    AgencyParent,
    close_agency,
    parent_on,
    validate_code,
)
from dossiers.catalogue import nfc
from dossiers.errors import InvalidInput
from dossiers.lifecycle import Role

DETAILS = ("short_name", "address", "phone", "email", "gso_code", "dvcqg_id")
_LIMITS = {
    "short_name": 200,
    "address": 500,
    "phone": 40,
    "email": 200,
    "gso_code": 10,
    "dvcqg_id": 64,
    "name": 500,
}
MAX_ENTRIES = 10_000  # a whole province with its communes is a few thousand


def _error(place: str, vi: str, en: str) -> InvalidInput:
    return InvalidInput(f"{place}: {vi}", f"{place}: {en}", code="invalid_agencies")


@dataclass
class Entry:
    """One agency as the file states it, checked."""

    place: str
    code: str
    name: str
    kind: AgencyKind
    valid_from: date
    details: dict[str, str | None]
    parent: str | None = None
    parent_from: date | None = None
    valid_to: date | None = None
    successor: str | None = None


@dataclass
class AgencyChange:
    """What importing one entry does: ``create``, ``update`` or ``unchanged``."""

    code: str
    name: str
    action: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field: (before, after)
    parent: tuple[str | None, str] | None = None  # (before, after) from parent_from
    parent_from: date | None = None
    closed_on: date | None = None
    successor: str | None = None


@dataclass
class AgencyPlan:
    changes: list[AgencyChange]

    def _codes(self, action: str) -> list[str]:
        return [c.code for c in self.changes if c.action == action]

    @property
    def created(self) -> list[str]:
        return self._codes("create")

    @property
    def updated(self) -> list[str]:
        return self._codes("update")

    @property
    def unchanged(self) -> list[str]:
        return self._codes("unchanged")

    @property
    def changed(self) -> bool:
        return any(c.action != "unchanged" for c in self.changes)


def _date(value: Any, place: str, *, required: bool) -> date | None:
    if value in (None, ""):
        if required:
            raise _error(place, "thiếu ngày (YYYY-MM-DD)", "missing date (YYYY-MM-DD)")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _error(
            place,
            f"ngày không hợp lệ {value!r} (YYYY-MM-DD)",
            f"invalid date {value!r} (YYYY-MM-DD)",
        ) from None


def _code(value: Any, place: str) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _error(place, "thiếu mã định danh", "missing identifier")
    try:
        return validate_code(str(value))
    except InvalidInput:
        raise _error(
            place,
            f"mã định danh {value!r} không hợp lệ (QĐ 20/2020: tối đa 35 ký tự 0–9, A–Z, dấu chấm)",
            f"invalid identifier {value!r} (QĐ 20/2020: at most 35 characters 0-9, A-Z, dots)",
        ) from None


def _text(entry: dict[str, Any], key: str, place: str, *, required: bool) -> str | None:
    value = entry.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _error(f"{place}.{key}", "thiếu giá trị", "missing value")
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _error(f"{place}.{key}", "cần một chuỗi", "a string is required")
    text = nfc(str(value))
    if len(text) > _LIMITS[key]:
        raise _error(
            f"{place}.{key}",
            f"dài quá {_LIMITS[key]} ký tự",
            f"longer than {_LIMITS[key]} characters",
        )
    return text


def _read(entry: Any, place: str) -> Entry:
    if not isinstance(entry, dict):
        raise _error(place, "phải là một bảng khóa–giá trị", "must be a mapping")
    code = _code(entry.get("code"), f"{place}.code")
    kind_value = entry.get("kind")
    try:
        kind = AgencyKind(kind_value if isinstance(kind_value, str) else "")
    except ValueError:
        allowed = ", ".join(k.value for k in AgencyKind)
        raise _error(
            f"{place}.kind",
            f"loại {kind_value!r} không hợp lệ (chọn: {allowed})",
            f"invalid kind {kind_value!r} (one of: {allowed})",
        ) from None
    read = Entry(
        place=place,
        code=code,
        name=_text(entry, "name", place, required=True) or "",
        kind=kind,
        valid_from=_date(entry.get("valid_from"), f"{place}.valid_from", required=True) or date.min,
        details={},
    )
    for key in DETAILS:
        if key in entry:
            read.details[key] = _text(entry, key, place, required=False)
    if read.details.get("email"):
        try:
            read.details["email"] = identity.email(read.details["email"] or "")
        except InvalidInput:
            raise _error(
                f"{place}.email", "địa chỉ thư điện tử không hợp lệ", "invalid e-mail address"
            ) from None
    if entry.get("parent") not in (None, ""):
        read.parent = _code(entry["parent"], f"{place}.parent")
        if read.parent == code:
            raise _error(
                f"{place}.parent",
                "cơ quan không thể trực thuộc chính nó",
                "an agency cannot sit under itself",
            )
        read.parent_from = (
            _date(entry.get("parent_from"), f"{place}.parent_from", required=False)
            or read.valid_from
        )
        if read.parent_from < read.valid_from:
            raise _error(
                f"{place}.parent_from",
                "trước ngày cơ quan bắt đầu hiệu lực",
                "before the agency's valid_from",
            )
    elif entry.get("parent_from") not in (None, ""):
        raise _error(
            f"{place}.parent_from", "chỉ dùng cùng với parent", "only meaningful with parent"
        )
    read.valid_to = _date(entry.get("valid_to"), f"{place}.valid_to", required=False)
    if read.valid_to is not None:
        if read.valid_to <= read.valid_from:
            raise _error(
                f"{place}.valid_to",
                "phải sau ngày bắt đầu hiệu lực (valid_from)",
                "must be after valid_from",
            )
        if read.parent_from is not None and read.parent_from >= read.valid_to:
            raise _error(
                f"{place}.parent_from",
                "phải trước ngày kết thúc hiệu lực (valid_to)",
                "must be before valid_to",
            )
    if entry.get("successor") not in (None, ""):
        read.successor = _code(entry["successor"], f"{place}.successor")
        if read.valid_to is None:
            raise _error(
                f"{place}.successor",
                "cơ quan kế thừa cần ngày kết thúc (valid_to)",
                "a successor needs the closing date (valid_to)",
            )
        if read.successor == code:
            raise _error(
                f"{place}.successor",
                "cơ quan không thể kế thừa chính nó",
                "an agency cannot succeed itself",
            )
    return read


def _entries(data: Any) -> list[Entry]:
    if not isinstance(data, dict) or not isinstance(data.get("agencies"), list):
        raise InvalidInput(
            "Tệp cơ quan cần khóa 'agencies' là một danh sách",
            "An agencies file needs an 'agencies' list",
            code="invalid_agencies",
        )
    if len(data["agencies"]) > MAX_ENTRIES:
        raise InvalidInput(
            f"Tệp có quá {MAX_ENTRIES} cơ quan",
            f"The file has more than {MAX_ENTRIES} agencies",
            code="invalid_agencies",
        )
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(data["agencies"], start=1):
        entry = _read(raw, f"agencies[{i}]")
        if entry.code in seen:
            raise _error(
                f"{entry.place}.code",
                f"mã {entry.code} đã có ở {seen[entry.code]}",
                f"{entry.code} already appears at {seen[entry.code]}",
            )
        seen[entry.code] = entry.place
        entries.append(entry)
    return entries


def _plan(session: Session, entries: list[Entry]) -> tuple[AgencyPlan, dict[str, Agency]]:
    codes = (
        {e.code for e in entries}
        | {e.parent for e in entries if e.parent}
        | {e.successor for e in entries if e.successor}
    )
    stored = {a.code: a for a in session.scalars(select(Agency).where(Agency.code.in_(codes)))}
    in_file = {e.code: e for e in entries}
    changes = []
    for e in entries:
        for key, ref in (("parent", e.parent), ("successor", e.successor)):
            if ref and ref not in stored and ref not in in_file:
                raise _error(
                    f"{e.place}.{key}",
                    f"không có cơ quan {ref} (trong tệp hay đã lưu)",
                    f"no agency {ref} (in the file or stored)",
                )
        if e.successor and e.valid_to:
            starts = (
                in_file[e.successor].valid_from
                if e.successor in in_file
                else stored[e.successor].valid_from
            )
            if starts > e.valid_to:
                raise _error(
                    f"{e.place}.successor",
                    f"{e.successor} chưa có hiệu lực ngày {e.valid_to.isoformat()}",
                    f"{e.successor} is not yet in force on {e.valid_to.isoformat()}",
                )
        agency = stored.get(e.code)
        change = AgencyChange(
            code=e.code, name=e.name, action="create" if agency is None else "unchanged"
        )
        wanted: dict[str, Any] = {
            "name": e.name,
            "kind": e.kind,
            "valid_from": e.valid_from,
            **e.details,
        }
        if agency is None:
            change.fields = {k: (None, v) for k, v in wanted.items() if v is not None}
        else:
            change.fields = {
                k: (getattr(agency, k), v) for k, v in wanted.items() if getattr(agency, k) != v
            }
            if (
                agency.valid_to is not None
                and e.valid_to is not None
                and (
                    agency.valid_to != e.valid_to or _successor_code(session, agency) != e.successor
                )
            ):
                # History is not rewritten: a closure stands once applied.
                raise _error(
                    f"{e.place}.valid_to",
                    "cơ quan đã kết thúc hiệu lực ngày "
                    f"{agency.valid_to.isoformat()}; không sửa được việc kết thúc",
                    f"the agency was closed on {agency.valid_to.isoformat()}; "
                    "a closure cannot be changed",
                )
        if e.parent and e.parent_from:
            current = parent_on(session, agency, e.parent_from) if agency else None
            if current is None or current.code != e.parent:
                change.parent = (current.code if current else None, e.parent)
                change.parent_from = e.parent_from
        if e.valid_to and (agency is None or agency.valid_to is None):
            change.closed_on, change.successor = e.valid_to, e.successor
        if agency is not None and (change.fields or change.parent or change.closed_on):
            change.action = "update"
        changes.append(change)
    return AgencyPlan(changes), stored


def _successor_code(session: Session, agency: Agency) -> str | None:
    successor = session.get(Agency, agency.successor_id) if agency.successor_id else None
    return successor.code if successor else None


def plan_agencies(session: Session, actor: Actor, data: Any) -> AgencyPlan:
    """What importing ``data`` would change, without writing anything (the preview)."""
    actor.require(Role.ADMIN)
    return _plan(session, _entries(data))[0]


def import_agencies(session: Session, actor: Actor, data: Any) -> AgencyPlan:
    """Apply an agencies file; every check runs before the first write."""
    actor.require(Role.ADMIN)
    entries = _entries(data)
    plan, stored = _plan(session, entries)
    if not plan.changed:
        return plan
    by_code = dict(stored)
    for change in plan.changes:  # first every agency, so parents and successors resolve
        agency = by_code.get(change.code)
        if agency is None:
            agency = Agency(code=change.code, **{k: v for k, (_, v) in change.fields.items()})
            session.add(agency)
            by_code[change.code] = agency
        else:
            for key, (_, after) in change.fields.items():
                setattr(agency, key, after)
    session.flush()
    for change in plan.changes:
        if change.parent and change.parent_from:
            _move(session, by_code[change.code], by_code[change.parent[1]], change.parent_from)
    for change in plan.changes:
        if change.closed_on:
            close_agency(
                session,
                by_code[change.code],
                change.closed_on,
                by_code[change.successor] if change.successor else None,
            )
    audit.record(
        session,
        actor,
        "agencies:import",
        f"{len(plan.created)} + {len(plan.updated)}",
        created=plan.created,
        updated=plan.updated,
        closed=[c.code for c in plan.changes if c.closed_on],
    )
    return plan


def _move(session: Session, agency: Agency, parent: Agency, on: date) -> None:
    """``agency`` sits under ``parent`` from ``on``: the open edge before it ends that day."""
    same_day = session.scalar(
        select(AgencyParent).where(
            AgencyParent.agency_id == agency.id, AgencyParent.valid_from == on
        )
    )
    if same_day is not None:
        same_day.parent_id = parent.id
    else:
        for edge in session.scalars(
            select(AgencyParent).where(
                AgencyParent.agency_id == agency.id,
                AgencyParent.valid_to.is_(None),
                AgencyParent.valid_from < on,
            )
        ):
            edge.valid_to = on
        session.add(AgencyParent(agency_id=agency.id, parent_id=parent.id, valid_from=on))
    session.flush()


def plan_as_dict(plan: AgencyPlan) -> dict[str, Any]:
    """The plan for the API and the page: JSON-friendly, dates as ISO strings."""

    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else value

    return {
        "changed": plan.changed,
        "created": plan.created,
        "updated": plan.updated,
        "unchanged": plan.unchanged,
        "changes": [
            {
                "code": c.code,
                "name": c.name,
                "action": c.action,
                "fields": [
                    {"field": k, "before": plain(b), "after": plain(a)}
                    for k, (b, a) in c.fields.items()
                ],
                "parent_before": c.parent[0] if c.parent else None,
                "parent_after": c.parent[1] if c.parent else None,
                "parent_from": plain(c.parent_from),
                "closed_on": plain(c.closed_on),
                "successor": c.successor,
            }
            for c in plan.changes
        ],
    }


def list_agencies(session: Session, actor: Actor) -> list[Agency]:
    """Every agency, closed ones included, by identifier (administrators)."""
    actor.require(Role.ADMIN)
    return list(session.scalars(select(Agency).order_by(Agency.code)))
