"""Staff side of payments: ask for payment, take cash or card at the desk with the receipt
number, exempt a fee with a reason, record a refund, and the finance view with XLSX export."""

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from dossiers import events
from dossiers.calendar import today_in_vietnam
from dossiers.errors import DomainError, NotFound
from dossiers.records import Dossier, get_dossier
from motcua.auth import current_actor
from motcua.database import get_session
from payments.fees import amount_due, exempt_fee
from payments.finance import export_xlsx, summary
from payments.ledger import payments_of, record_desk_payment, request_payment
from payments.models import Method
from payments.receipts import vnd
from payments.refunds import record_refund

bp = Blueprint("payments_office", __name__, url_prefix="/backoffice")


def _dossier(dossier_id: int) -> tuple[Any, Dossier]:
    db, actor = get_session(), current_actor()
    if not actor.is_staff:
        abort(404)
    try:
        dossier = get_dossier(db, dossier_id)
        events.require_view(db, actor, dossier)
    except NotFound:
        abort(404)
    return db, dossier


def _back(dossier_id: int) -> BaseResponse:
    return redirect(url_for("payments_office.dossier_payments", dossier_id=dossier_id))


def _act(db: Any, dossier_id: int, message: str, action: Any) -> BaseResponse:
    try:
        action()
        db.commit()
        flash(message, "info")
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
    return _back(dossier_id)


@bp.get("/dossiers/<id:dossier_id>/payments")
@login_required
def dossier_payments(dossier_id: int) -> str:
    db, dossier = _dossier(dossier_id)
    return render_template("backoffice/payments.html", d=dossier,
                           due=amount_due(db, dossier), payments=payments_of(db, dossier),
                           vnd=vnd)


@bp.post("/dossiers/<id:dossier_id>/payments/request")
@login_required
def ask(dossier_id: int) -> BaseResponse:
    db, dossier = _dossier(dossier_id)
    return _act(db, dossier_id, "Đã yêu cầu thực hiện nghĩa vụ tài chính. / Payment requested.",
                lambda: request_payment(db, current_actor(), dossier))


@bp.post("/dossiers/<id:dossier_id>/payments/desk")
@login_required
def desk(dossier_id: int) -> BaseResponse:
    db, dossier = _dossier(dossier_id)
    try:
        method = Method(request.form.get("method", ""))
    except ValueError:
        method = Method.ONLINE  # refused by the domain with a clear message
    return _act(db, dossier_id, "Đã ghi nhận khoản thu tại quầy. / Payment recorded.",
                lambda: record_desk_payment(db, current_actor(), dossier, method,
                                            request.form.get("receipt_number", "")))


@bp.post("/dossiers/<id:dossier_id>/payments/exempt")
@login_required
def exempt(dossier_id: int) -> BaseResponse:
    db, dossier = _dossier(dossier_id)
    fee_id = request.form.get("fee_id", type=int) or 0
    return _act(db, dossier_id, "Đã miễn khoản phí. / Fee exempted.",
                lambda: exempt_fee(db, current_actor(), dossier, fee_id,
                                   request.form.get("reason", "")))


@bp.post("/dossiers/<id:dossier_id>/payments/<id:payment_id>/refund")
@login_required
def refund(dossier_id: int, payment_id: int) -> BaseResponse:
    db, dossier = _dossier(dossier_id)
    if payment_id not in {p.id for p in payments_of(db, dossier)}:
        abort(404)
    return _act(db, dossier_id, "Đã ghi nhận hoàn trả. / Refund recorded.",
                lambda: record_refund(db, current_actor(), payment_id,
                                      request.form.get("reason", ""),
                                      request.form.get("reference", "")))


def _range() -> tuple[date, date]:
    today = today_in_vietnam()
    try:
        start = date.fromisoformat(request.args.get("from") or (today - timedelta(days=6))
                                   .isoformat())
        end = date.fromisoformat(request.args.get("to") or today.isoformat())
    except ValueError:
        abort(400)
    return start, end


@bp.get("/finance")
@login_required
def finance() -> str:
    start, end = _range()
    try:
        rows = summary(get_session(), current_actor(), start, end)
    except DomainError as error:
        abort(403 if error.status == 403 else 400)
    return render_template("backoffice/finance.html", rows=rows, start=start, end=end,
                           vnd=vnd)


@bp.get("/finance.xlsx")
@login_required
def finance_xlsx() -> Response:
    start, end = _range()
    try:
        rows = summary(get_session(), current_actor(), start, end)
    except DomainError as error:
        abort(403 if error.status == 403 else 400)
    return Response(export_xlsx(rows), mimetype="application/vnd.openxmlformats-officedocument"
                    ".spreadsheetml.sheet", headers={
                        "Content-Disposition":
                            f'attachment; filename="thu-phi-{start}-{end}.xlsx"'})
