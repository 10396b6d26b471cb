"""Fees and online payment through the JSON API (the same domain functions as the pages)."""

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from dossiers.records import get_own_dossier
from motcua.api import require_user
from motcua.database import get_session
from motcua.presenters import payment_json
from payments.fees import amount_due
from payments.ledger import payable, payments_of
from portal.payments import start_payment

bp = Blueprint(
    "payments_api",
    __name__,
    url_prefix="/api/v1/dossiers",
    description="Fees and payments of the applicant's dossiers / Phí, lệ phí",
)
SECURITY = [{"bearerAuth": []}]


@bp.route("/<id:dossier_id>/fees")
class Fees(MethodView):
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def get(self, dossier_id: int) -> dict[str, Any]:
        """The amount due (with exemptions), what can be paid now, and the payments so far"""
        actor, session = require_user(), get_session()
        dossier = get_own_dossier(session, actor.user_id, dossier_id)
        due = amount_due(session, dossier)
        now = payable(session, dossier, due)
        return {
            "due": due.as_dict(),
            "payable_vnd": now.total_vnd if now else 0,
            "payments": [payment_json(p) for p in payments_of(session, dossier)],
        }


@bp.route("/<id:dossier_id>/payments")
class Payments(MethodView):
    @bp.response(201)
    @bp.doc(security=SECURITY)
    def post(self, dossier_id: int) -> dict[str, Any]:
        """Start paying online: returns the gateway URL to send the payer to"""
        actor, session = require_user(), get_session()
        dossier = get_own_dossier(session, actor.user_id, dossier_id)
        started = start_payment(session, actor, dossier)
        session.commit()
        return {"payment": payment_json(started.payment), "pay_url": started.url}
