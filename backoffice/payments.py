"""Staff side of payments: ask for payment, take cash or card at the desk with the receipt
number, exempt a fee with a reason, record a refund, and the finance view with XLSX export."""

from collections.abc import Callable
from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from backoffice.access import STAFF, visible_dossier
from dossiers.actors import Actor
from dossiers.calendar import today_in_vietnam
from dossiers.errors import DomainError
from dossiers.records import Dossier
from motcua.auth import current_actor
from motcua.database import get_session
from payments.fees import amount_due, exempt_fee
from payments.finance import XLSX_MIMETYPE, Row, export_xlsx, refunds_due, summary
from payments.ledger import payments_of, record_desk_payment, request_payment
from payments.models import Method, Payment
from payments.refunds import record_refund

bp = Blueprint("payments_office", __name__, url_prefix="/backoffice")
Work = Callable[[Session, Actor, Dossier], object]


def _act(dossier_id: int, message: str, work: Work) -> BaseResponse:
    db, actor, dossier = visible_dossier(dossier_id, STAFF)
    try:
        work(db, actor, dossier)
        db.commit()
        flash(message, "info")
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
    return redirect(url_for("payments_office.dossier_payments", dossier_id=dossier_id))


@bp.get("/dossiers/<id:dossier_id>/payments")
@login_required
def dossier_payments(dossier_id: int) -> str:
    db, _, dossier = visible_dossier(dossier_id, STAFF)
    return render_template(
        "backoffice/payments.html",
        d=dossier,
        due=amount_due(db, dossier),
        payments=payments_of(db, dossier),
    )


@bp.post("/dossiers/<id:dossier_id>/payments/request")
@login_required
def ask(dossier_id: int) -> BaseResponse:
    return _act(
        dossier_id, "Đã yêu cầu thực hiện nghĩa vụ tài chính. / Payment requested.", request_payment
    )


def _method() -> Method:
    try:
        return Method(request.form.get("method", ""))
    except ValueError:
        return Method.ONLINE  # refused by the domain with a clear message


@bp.post("/dossiers/<id:dossier_id>/payments/desk")
@login_required
def desk(dossier_id: int) -> BaseResponse:
    return _act(
        dossier_id,
        "Đã ghi nhận khoản thu tại quầy. / Payment recorded.",
        lambda db, actor, dossier: record_desk_payment(
            db, actor, dossier, _method(), request.form.get("receipt_number", "")
        ),
    )


@bp.post("/dossiers/<id:dossier_id>/payments/exempt")
@login_required
def exempt(dossier_id: int) -> BaseResponse:
    fee_id = request.form.get("fee_id", type=int) or 0
    return _act(
        dossier_id,
        "Đã miễn khoản phí. / Fee exempted.",
        lambda db, actor, dossier: exempt_fee(
            db, actor, dossier, fee_id, request.form.get("reason", "")
        ),
    )


@bp.post("/dossiers/<id:dossier_id>/payments/<id:payment_id>/refund")
@login_required
def refund(dossier_id: int, payment_id: int) -> BaseResponse:
    def work(db: Session, actor: Actor, dossier: Dossier) -> object:
        payment = db.get(Payment, payment_id)
        if payment is None or payment.dossier_id != dossier.id:
            abort(404)  # this page names only the dossier's own payments
        return record_refund(
            db, actor, payment_id, request.form.get("reason", ""), request.form.get("reference", "")
        )

    return _act(dossier_id, "Đã ghi nhận hoàn trả. / Refund recorded.", work)


def _figures() -> tuple[list[Row], date, date]:
    """The finance rows for the requested days (the last seven by default)."""
    today = today_in_vietnam()
    try:
        start = date.fromisoformat(
            request.args.get("from") or (today - timedelta(days=6)).isoformat()
        )
        end = date.fromisoformat(request.args.get("to") or today.isoformat())
    except ValueError:
        abort(400)
    try:
        return summary(get_session(), current_actor(), start, end), start, end
    except DomainError as error:
        abort(403 if error.status == 403 else 400)


@bp.get("/finance")
@login_required
def finance() -> str:
    rows, start, end = _figures()
    return render_template(
        "backoffice/finance.html",
        rows=rows,
        start=start,
        end=end,
        due=refunds_due(get_session(), current_actor()),
    )


@bp.post("/finance/refunds/<id:payment_id>")
@login_required
def refund_due(payment_id: int) -> BaseResponse:
    """Give back money taken for an order already closed (listed on the finance page)."""
    db, actor = get_session(), current_actor()
    if not actor.is_staff:
        abort(404)
    try:
        record_refund(
            db, actor, payment_id, request.form.get("reason", ""), request.form.get("reference", "")
        )
        db.commit()
        flash("Đã ghi nhận hoàn trả. / Refund recorded.", "info")
    except DomainError as error:
        db.rollback()
        if error.status == 404:
            abort(404)
        flash(error.message, "error")
    return redirect(url_for("payments_office.finance"))


@bp.get("/finance.xlsx")
@login_required
def finance_xlsx() -> Response:
    rows, start, end = _figures()
    return Response(
        export_xlsx(rows),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="thu-phi-{start}-{end}.xlsx"'},
    )
