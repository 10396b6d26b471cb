"""Paperwork read from the event log: the process control sheet and the dossier register.

Phiếu kiểm soát quá trình giải quyết hồ sơ (TT 01/2018 Mẫu 05): one row per hand-off, giver
and receiver, hour and date, and whether the step that ended was early, on time or late.
Sổ theo dõi hồ sơ (Mẫu 06): the dossiers an agency received in a period, in the 11 columns of
the form, as PDF and XLSX.
"""

import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.accounts import User
from dossiers.actors import Actor
from dossiers.agencies import Agency, parent_on
from dossiers.calendar import VN_TZ
from dossiers.db import utcnow
from dossiers.deadlines import TIMELINESS_LABELS, Timeliness, timeliness
from dossiers.documents import Printer, register_form, render_for, seal
from dossiers.errors import InvalidInput
from dossiers.events import Event, history
from dossiers.lifecycle import KIND_LABELS, Kind, Status
from dossiers.pdf.forms import FormKind, render
from dossiers.procedures import AgencyPart
from dossiers.records import Channel, Dossier

_HANDOFFS = frozenset(
    {
        Kind.RECEIVED,
        Kind.ACCEPTED,
        Kind.ASSIGNED,
        Kind.FORWARDED,
        Kind.SENT_BACK,
        Kind.RESULT_PROPOSED,
        Kind.APPROVED,
        Kind.TRANSFERRED,
        Kind.TRANSFER_ACCEPTED,
        Kind.TRANSFER_REJECTED,
        Kind.TRANSFER_COMPLETED,
        Kind.SUPPLEMENT_REQUESTED,
        Kind.SUPPLEMENTED,
        Kind.RESUBMITTED,
        Kind.DEADLINE_EXTENDED,
        Kind.STOPPED,
        Kind.RESULT_ISSUED,
        Kind.RESULT_RETURNED,
        Kind.WITHDRAWN,
    }
)
# Mẫu 05 lists who handed the dossier to whom. The applicant gives it (at reception, with a
# supplement, when withdrawing) and is handed only the result; every other row's receiver is
# the next holder. What the agency tells the applicant on the way (a supplement request, a stop,
# a new date) goes back through the desk (Bộ phận Một cửa, Đ12.1.d), which holds it meanwhile.
_FROM_APPLICANT = frozenset(
    {Kind.RECEIVED, Kind.ACCEPTED, Kind.SUPPLEMENTED, Kind.RESUBMITTED, Kind.WITHDRAWN}
)
_VIA_DESK = frozenset(
    {Kind.SUPPLEMENT_REQUESTED, Kind.STOPPED, Kind.DEADLINE_EXTENDED, Kind.WITHDRAWN}
)
_STAYS = _FROM_APPLICANT | _VIA_DESK  # the officer in charge keeps it
_APPLICANT = "Tổ chức, cá nhân"
_DESK = "Bộ phận tiếp nhận và trả kết quả"


@dataclass(frozen=True)
class SheetRow:
    kind: Kind
    giver: str
    giver_unit: str
    receiver: str
    receiver_unit: str
    at: datetime
    timeliness: Timeliness | None
    note: str

    @property
    def outcome(self) -> str:
        return TIMELINESS_LABELS[self.timeliness][0] if self.timeliness else ""


def control_sheet_rows(session: Session, dossier: Dossier) -> list[SheetRow]:
    events = [e for e in history(session, dossier) if Kind(e.kind) in _HANDOFFS]
    users = _names(
        session, User, {e.to_user_id for e in events} | {e.actor_user_id for e in events}
    )
    agencies = _names(
        session,
        Agency,
        {e.to_agency_id for e in events}
        | {e.actor_agency_id for e in events}
        | {dossier.receiving_agency_id},
    )
    rows: list[SheetRow] = []
    holder, holder_user = dossier.receiving_agency_id, None
    for event in events:
        kind = Kind(event.kind)
        by_applicant = (
            event.actor_user_id is not None and event.actor_user_id == dossier.applicant_user_id
        )
        actor_unit = agencies.get(event.actor_agency_id or holder, "")
        if kind in (Kind.RECEIVED, Kind.ACCEPTED):  # the desk takes it from the applicant
            holder_user = event.actor_user_id
        elif event.to_agency_id:
            holder, holder_user = event.to_agency_id, event.to_user_id
        elif event.to_user_id or kind not in _STAYS:
            holder_user = event.to_user_id
        if kind in _FROM_APPLICANT or by_applicant:
            giver, giver_unit = dossier.applicant_name, _APPLICANT
        else:
            giver, giver_unit = event.actor_name, actor_unit
        if kind == Kind.RESULT_RETURNED:
            receiver, receiver_unit = dossier.applicant_name, _APPLICANT
        elif kind in _VIA_DESK:
            receiver, receiver_unit = _DESK, agencies.get(dossier.receiving_agency_id, "")
        elif kind in _FROM_APPLICANT and not by_applicant:  # the desk took it in person
            receiver, receiver_unit = event.actor_name, actor_unit
        else:
            receiver = users.get(holder_user, "") if holder_user else ""
            receiver_unit = agencies.get(holder, "")
            if not receiver:
                receiver = (
                    "Lãnh đạo, công chức đơn vị"
                    if kind != Kind.TRANSFERRED
                    else "Bộ phận tiếp nhận"
                )
        rows.append(
            SheetRow(
                kind,
                giver,
                giver_unit,
                receiver,
                receiver_unit,
                event.at,
                _outcome(dossier, event),
                _note(event),
            )
        )
    return rows


def _outcome(dossier: Dossier, event: Event) -> Timeliness | None:
    if Kind(event.kind) == Kind.RESULT_RETURNED and dossier.due_at is not None:
        return timeliness(event.at, dossier.due_at)
    value = (event.payload or {}).get("timeliness")
    return Timeliness(value) if value else None


def _note(event: Event) -> str:
    payload = event.payload or {}
    parts = [KIND_LABELS[Kind(event.kind)][0]]
    if payload.get("step_name"):
        done = "timeliness" in payload
        parts.append(f"{'xong bước' if done else 'bước'} «{payload['step_name']}»")
    if payload.get("paused_hours"):
        parts.append(f"tạm dừng tính thời gian {payload['paused_hours']:g} giờ làm việc")
    if payload.get("due_after"):
        due = datetime.fromisoformat(payload["due_after"]).astimezone(VN_TZ)
        parts.append(f"hẹn lại {due:%H:%M %d/%m/%Y}")
    if event.reason:
        parts.append(event.reason)
    return "; ".join(parts)


def _names(session: Session, model: Any, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    column = model.full_name if model is User else model.name
    return dict(session.execute(select(model.id, column).where(model.id.in_(wanted))).all())


def control_sheet_pdf(session: Session, actor: Actor, printer: Printer, dossier: Dossier) -> bytes:
    coordinating = ", ".join(
        a.name
        for a in session.scalars(
            select(Agency).where(
                Agency.id.in_(dossier.procedure_version.agency_ids(AgencyPart.COORDINATING))
            )
        )
    )
    when = utcnow()
    form, pdf = render_for(
        session,
        actor,
        printer,
        dossier,
        FormKind.CONTROL_SHEET,
        when,
        rows=control_sheet_rows(session, dossier),
        coordinating=coordinating,
    )
    # Read live from the log, so each print is a document of its own: sealed and registered
    # (Điều 5.5) like the forms kept in the dossier; the caller commits the register's row.
    agency = dossier.receiving_agency
    signed, sealed = seal(printer, agency, pdf)
    if sealed["seal"]["signed"]:
        register_form(
            session,
            hashlib.sha256(signed).hexdigest(),
            title=form.title,
            agency=agency,
            issued_by=actor.full_name or actor.login,
            dossier=dossier,
            at=when,
        )
    return signed


# -- the register --------------------------------------------------------------------

_RETURN_METHODS = {
    "counter": "Nhận trực tiếp",
    "post": "Qua bưu chính công ích",
    "online": "Trực tuyến",
}


def register_rows(session: Session, agency_id: int, start: date, end: date) -> list[dict[str, str]]:
    """Dossiers the agency received from ``start`` to ``end`` (Vietnam dates, inclusive)."""
    if not 1990 <= start.year <= end.year <= 2100:  # date.max + a day overflows
        raise InvalidInput(
            "Kỳ báo cáo phải trong các năm 1990–2100",
            "The period must lie within 1990–2100",
            code="invalid_period",
        )
    lo = datetime.combine(start, time.min, tzinfo=VN_TZ)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=VN_TZ)
    in_period = (
        Dossier.receiving_agency_id == agency_id,
        Dossier.received_at >= lo,
        Dossier.received_at < hi,
    )
    dossiers = session.scalars(
        select(Dossier).where(*in_period).order_by(Dossier.received_at, Dossier.id)
    )
    returned = dict(
        session.execute(
            select(Event.dossier_id, Event.at).where(
                Event.kind == Kind.RESULT_RETURNED,
                Event.dossier_id.in_(select(Dossier.id).where(*in_period)),
            )
        ).all()
    )
    rows = []
    for d in dossiers:
        method = (d.applicant or {}).get("return_method") or (
            "online" if d.channel == Channel.ONLINE else "counter"
        )
        contact = ", ".join(x for x in (d.applicant_address, d.applicant_phone) if x)
        back = returned.get(d.id)
        rows.append(
            {
                "code": d.code or "",
                "procedure": d.procedure_version.name,
                "applicant": d.applicant_name,
                "contact": contact,
                "lead_agency": d.competent_agency.name,
                "received": _vn(d.received_at),
                "due": _vn(d.due_at),
                "returned": _vn(back) if back else _ended(d),
                "return_method": _RETURN_METHODS.get(method, method),
            }
        )
    return rows


def _ended(dossier: Dossier) -> str:
    if dossier.status in (Status.WITHDRAWN, Status.STOPPED, Status.REFUSED):
        return "Không trả (đã dừng/rút)"
    return ""


def _vn(value: datetime | None) -> str:
    return value.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y") if value else ""


def register_pdf(session: Session, agency: Agency, start: date, end: date) -> bytes:
    parent = parent_on(session, agency, end)
    _, pdf = render(
        FormKind.REGISTER,
        utcnow(),
        {
            "agency": {"name": agency.name, "parent": parent.name if parent else ""},
            "start": start,
            "end": end,
            "rows": register_rows(session, agency.id, start, end),
        },
    )
    return pdf


REGISTER_COLUMNS = (
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Tên tổ chức, cá nhân",
    "Địa chỉ, số điện thoại",
    "Cơ quan chủ trì giải quyết",
    "Ngày, giờ nhận hồ sơ",
    "Ngày hẹn trả kết quả",
    "Ngày, giờ trả kết quả",
    "Phương thức nhận kết quả",
    "Ký nhận",
)


def register_xlsx(session: Session, agency: Agency, start: date, end: date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "So theo doi ho so"
    sheet.append([f"SỔ THEO DÕI HỒ SƠ – {agency.name}"])
    sheet.append([f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"])
    sheet.append(list(REGISTER_COLUMNS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, r in enumerate(register_rows(session, agency.id, start, end), start=1):
        sheet.append(
            [
                i,
                r["code"],
                r["procedure"],
                r["applicant"],
                r["contact"],
                r["lead_agency"],
                r["received"],
                r["due"],
                r["returned"],
                r["return_method"],
                "",
            ]
        )
    for column, width in zip(
        "ABCDEFGHIJK", (5, 28, 45, 28, 35, 35, 17, 17, 17, 20, 12), strict=True
    ):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
