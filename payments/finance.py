"""The finance view: per agency and day, collected, pending, refunded and differences.

Days are Vietnam's days. Collected counts payments by the day they were paid (refunded ones
included: the money came in that day); refund due counts, by the same day, money the gateway
took for an order already closed (cancelled, failed, expired), still to be given back;
refunded counts refunds by their day; pending counts payments opened that day still waiting;
differences counts payments of that day the daily reconciliation found the gateway
disagreeing about. ``refunds_due`` lists the payments still to be given back.
"""

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.agencies import Agency
from dossiers.calendar import VN_TZ
from dossiers.errors import Forbidden, InvalidInput
from dossiers.lifecycle import Role
from payments.models import Payment, PaymentState, Refund


@dataclass
class Row:
    agency_id: int
    agency: str
    day: date
    collected_vnd: int = 0
    collected_count: int = 0
    pending_vnd: int = 0
    pending_count: int = 0
    refunded_vnd: int = 0
    refunded_count: int = 0
    differences: int = 0
    refund_due_vnd: int = 0
    refund_due_count: int = 0

    def as_dict(self) -> dict[str, object]:
        return {**self.__dict__, "day": self.day.isoformat()}


def visible_agencies(actor: Actor) -> set[int] | None:
    """None: every agency (supervisors, administrators, the system)."""
    if actor.is_system or actor.has(Role.SUPERVISOR) or actor.has(Role.ADMIN):
        return None
    agencies = set(actor.agencies(Role.RECEPTION, Role.OFFICER, Role.LEADER))
    if not agencies:
        raise Forbidden("Bạn không có quyền xem số liệu thu", "You may not see the figures")
    return agencies


def _vn_day(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Vietnam's day as an aware half-open interval."""
    start = datetime.combine(day, time.min, tzinfo=VN_TZ)
    return start, start + timedelta(days=1)


def summary(session: Session, actor: Actor, start: date, end: date) -> list[Row]:
    if end < start or (end - start).days > 366 or not 1990 <= start.year <= end.year <= 2100:
        # the years bound the instants compared in SQL (date.max + a day overflows)
        raise InvalidInput(
            "Khoảng ngày không hợp lệ (tối đa một năm, từ 1990 đến 2100)",
            "Invalid date range (a year at most, from 1990 to 2100)",
        )
    allowed = visible_agencies(actor)
    lo, hi = day_bounds(start)[0], day_bounds(end)[1]
    query = select(Payment).where(
        or_(Payment.created_at.between(lo, hi), Payment.paid_at.between(lo, hi))
    )
    refunds = (
        select(Refund, Payment.agency_id)
        .join(Refund.payment)
        .where(Refund.at >= lo, Refund.at < hi)
    )
    if allowed is not None:
        query = query.where(Payment.agency_id.in_(allowed))
        refunds = refunds.where(Payment.agency_id.in_(allowed))
    rows: dict[tuple[int, date], Row] = {}
    names: dict[int, str] = dict(session.execute(select(Agency.id, Agency.name)).all())

    def row(agency_id: int, day: date) -> Row:
        key = (agency_id, day)
        if key not in rows:
            rows[key] = Row(agency_id, names.get(agency_id, str(agency_id)), day)
        return rows[key]

    for payment in session.scalars(query):
        if (
            payment.paid_at is not None
            and lo <= payment.paid_at < hi
            and payment.state in (PaymentState.PAID, PaymentState.REFUNDED, PaymentState.REFUND_DUE)
        ):
            r = row(payment.agency_id, _vn_day(payment.paid_at))
            r.collected_vnd += payment.amount_vnd
            r.collected_count += 1
            if payment.state == PaymentState.REFUND_DUE:
                r.refund_due_vnd += payment.amount_vnd
                r.refund_due_count += 1
        if lo <= payment.created_at < hi:
            if payment.state == PaymentState.PENDING:
                r = row(payment.agency_id, _vn_day(payment.created_at))
                r.pending_vnd += payment.amount_vnd
                r.pending_count += 1
            if payment.differs:
                row(payment.agency_id, _vn_day(payment.created_at)).differences += 1
    for refund, agency_id in session.execute(refunds):
        r = row(agency_id, _vn_day(refund.at))
        r.refunded_vnd += refund.amount_vnd
        r.refunded_count += 1
    return sorted(rows.values(), key=lambda r: (r.day, r.agency))


def refunds_due(session: Session, actor: Actor) -> list[Payment]:
    """Money taken for orders already closed, not yet given back, oldest first: finance staff
    refund each with a reason and a reference (``refunds.record_refund``)."""
    allowed = visible_agencies(actor)
    query = select(Payment).where(Payment.state == PaymentState.REFUND_DUE)
    if allowed is not None:
        query = query.where(Payment.agency_id.in_(allowed))
    return list(session.scalars(query.order_by(Payment.paid_at, Payment.id)))


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = (
    "Ngày",
    "Cơ quan",
    "Đã thu (đồng)",
    "Số khoản thu",
    "Chờ xác nhận (đồng)",
    "Số khoản chờ",
    "Đã hoàn trả (đồng)",
    "Số khoản hoàn",
    "Chênh lệch với cổng",
    "Cần hoàn trả (đồng)",
    "Số khoản cần hoàn",
)


def export_xlsx(rows: list[Row]) -> bytes:
    """The same table as an Excel workbook (openpyxl), amounts as numbers, totals at the end."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Thu phí, lệ phí"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append(
            [
                r.day,
                r.agency,
                r.collected_vnd,
                r.collected_count,
                r.pending_vnd,
                r.pending_count,
                r.refunded_vnd,
                r.refunded_count,
                r.differences,
                r.refund_due_vnd,
                r.refund_due_count,
            ]
        )
        sheet.cell(row=sheet.max_row, column=1).number_format = "dd/mm/yyyy"
    sheet.append(
        [
            "Tổng cộng",
            "",
            sum(r.collected_vnd for r in rows),
            sum(r.collected_count for r in rows),
            sum(r.pending_vnd for r in rows),
            sum(r.pending_count for r in rows),
            sum(r.refunded_vnd for r in rows),
            sum(r.refunded_count for r in rows),
            sum(r.differences for r in rows),
            sum(r.refund_due_vnd for r in rows),
            sum(r.refund_due_count for r in rows),
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column, width in zip(
        "ABCDEFGHIJK", (12, 45, 16, 12, 18, 12, 18, 12, 18, 18, 12), strict=True
    ):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
