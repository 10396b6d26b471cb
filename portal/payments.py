"""Paying fees online: the amount before paying, the gateway's return page, and the IPN.

The IPN endpoint is the only place a payment is confirmed; the return page only shows what
the ledger says (it may still be waiting for the IPN, and then it refreshes itself).
"""

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from dossiers.actors import Actor
from dossiers.errors import DomainError, NotFound
from dossiers.records import Dossier, get_own_dossier
from motcua import csrf
from motcua.auth import current_actor
from motcua.database import get_session
from motcua.payments_app import IPN_PATH, RETURN_PATH, gateway, return_url
from motcua.security import content_security_policy
from payments.callbacks import MAX_BYTES, handle_ipn, refuse_oversized
from payments.fees import amount_due
from payments.gateways import PaymentsUnavailable
from payments.gateways.base import Answer
from payments.gateways.vnpay import ANSWERS
from payments.ledger import Started, payable, payments_of, start_online_payment
from payments.models import Payment, PaymentState

bp = Blueprint("pay", __name__)


def client_ip() -> str:
    return request.remote_addr or "127.0.0.1"


def start_payment(db: Session, actor: Actor, dossier: Dossier) -> Started:
    """``start_online_payment`` with the gateway, return page (from MOTCUA_BASE_URL: a forged
    Host header must not send the payer elsewhere), address and expiry (the page and the API
    both start payments through here)."""
    return start_online_payment(
        db,
        actor,
        dossier,
        gateway(),
        return_url=return_url(),
        client_ip=client_ip(),
        expiry=timedelta(minutes=current_app.config["PAYMENT_EXPIRE_MINUTES"]),
    )


def payment_panel(dossier: Dossier | int) -> dict[str, Any]:
    """What the dossier page shows about fees: due lines, what can be paid now, payments."""
    db = get_session()
    if isinstance(dossier, int):
        found = db.get(Dossier, dossier)
        if found is None:
            abort(404)
        dossier = found
    due = amount_due(db, dossier)
    return {"due": due, "payable": payable(db, dossier, due), "payments": payments_of(db, dossier)}


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"payment_panel": payment_panel}


@bp.get("/my/dossiers/<id:dossier_id>/pay")
@login_required
def pay_page(dossier_id: int) -> BaseResponse:
    db, actor = get_session(), current_actor()
    try:
        dossier = get_own_dossier(db, actor.user_id, dossier_id)
    except NotFound:
        abort(404)
    response = Response(render_template("portal/pay.html", d=dossier, panel=payment_panel(dossier)))
    # The form's redirect goes to the gateway: CSP form-action also governs redirects.
    pay_url = urlsplit(current_app.config["VNPAY_PAY_URL"])
    origin = f"{pay_url.scheme}://{pay_url.netloc}" if pay_url.netloc else ""
    response.headers["Content-Security-Policy"] = content_security_policy(origin)
    return response


@bp.post("/my/dossiers/<id:dossier_id>/pay")
@login_required
def pay(dossier_id: int) -> BaseResponse:
    db, actor = get_session(), current_actor()
    try:
        dossier = get_own_dossier(db, actor.user_id, dossier_id)
        started = start_payment(db, actor, dossier)
        db.commit()
    except NotFound:
        abort(404)
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
        return redirect(url_for("pay.pay_page", dossier_id=dossier_id))
    return redirect(started.url)


def _ipn_params() -> dict[str, str] | None:
    """The request's fields, or None when it is too large to be an IPN (not read at all)."""
    if len(request.query_string) > MAX_BYTES or (request.content_length or 0) > MAX_BYTES:
        return None
    request.max_content_length = MAX_BYTES  # a body without a length is cut off here too
    try:
        return request.values.to_dict()
    except RequestEntityTooLarge:
        return None


@bp.route(IPN_PATH, methods=["GET", "POST"])
@csrf.exempt
def vnpay_ipn() -> Response:
    """VNPAY's server-to-server notification (GET, query string; POST form also accepted)."""
    try:
        merchant = gateway()
    except PaymentsUnavailable:
        code, message = ANSWERS[Answer.OTHER]  # no gateway here: nothing to confirm
        return jsonify({"RspCode": code, "Message": message})
    db = get_session()
    try:
        params = _ipn_params()
        answer = (
            refuse_oversized(db, merchant, client_ip())
            if params is None
            else handle_ipn(db, merchant, params, client_ip())
        )
        db.commit()
    except Exception:
        db.rollback()
        current_app.logger.exception("IPN processing failed")
        answer = merchant.answer(Answer.OTHER)
    return jsonify(answer)


@bp.get(RETURN_PATH)
def vnpay_return() -> Response:
    """Where the payer's browser lands: shows the ledger's state, never changes it."""
    try:
        merchant = gateway()
    except PaymentsUnavailable:
        abort(404)
    callback = merchant.parse_callback(request.args.to_dict())
    db = get_session()
    payment = None
    if callback.signed and callback.txn_ref:
        payment = db.scalar(
            select(Payment).where(
                Payment.gateway == merchant.name, Payment.txn_ref == callback.txn_ref
            )
        )
    actor = current_actor()
    own = payment is not None and actor.user_id == payment.dossier.applicant_user_id
    response = Response(
        render_template("portal/pay_return.html", payment=payment, own=own, signed=callback.signed)
    )
    if payment is not None and payment.state == PaymentState.PENDING:
        response.headers["Refresh"] = "3"  # the IPN has not arrived yet: look again shortly
    return response
