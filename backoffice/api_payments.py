"""Staff payment actions and the finance figures through the JSON API."""

from datetime import date
from typing import Any

from flask import Response, abort
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from backoffice.access import visible_dossier
from motcua.api import require_user
from motcua.database import get_session
from motcua.presenters import payment_json
from payments.fees import exempt_fee
from payments.finance import XLSX_MIMETYPE, export_xlsx, refunds_due, summary
from payments.ledger import record_desk_payment, request_payment
from payments.models import Method
from payments.refunds import record_refund

bp = Blueprint(
    "payments_office_api",
    __name__,
    url_prefix="/api/v1/backoffice",
    description="Staff: payments, refunds, finance / Thu phí, hoàn trả, số liệu",
)
SECURITY = [{"bearerAuth": []}]


class DeskPaymentSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf([Method.CASH, Method.CARD]))
    receipt_number = fields.String(required=True, validate=validate.Length(1, 60))


class ExemptionSchema(Schema):
    fee_id = fields.Integer(required=True)
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


class RefundSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 2000))
    reference = fields.String(required=True, validate=validate.Length(1, 100))


class RangeSchema(Schema):
    start = fields.Date(required=True, data_key="from")
    end = fields.Date(required=True, data_key="to")


@bp.before_request
def _staff_only() -> None:
    # Before the body is parsed: to anyone but staff these routes name nothing (404, no oracle).
    if not require_user().is_staff:
        abort(404)


@bp.route("/dossiers/<id:dossier_id>/payment-request")
class PaymentRequest(MethodView):
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def post(self, dossier_id: int) -> dict[str, Any]:
        """Ask the applicant to pay (national status 6)"""
        session, actor, dossier = visible_dossier(dossier_id)
        request_payment(session, actor, dossier)
        session.commit()
        return {"status": dossier.status, "national_status": dossier.national_status}


@bp.route("/dossiers/<id:dossier_id>/desk-payments")
class DeskPayments(MethodView):
    @bp.arguments(DeskPaymentSchema)
    @bp.response(201)
    @bp.doc(security=SECURITY)
    def post(self, data: dict[str, Any], dossier_id: int) -> dict[str, Any]:
        """Record cash or card taken at the desk, with the receipt number"""
        session, actor, dossier = visible_dossier(dossier_id)
        payment = record_desk_payment(
            session, actor, dossier, Method(data["method"]), data["receipt_number"]
        )
        session.commit()
        return payment_json(payment)


@bp.route("/dossiers/<id:dossier_id>/exemptions")
class Exemptions(MethodView):
    @bp.arguments(ExemptionSchema)
    @bp.response(201)
    @bp.doc(security=SECURITY)
    def post(self, data: dict[str, Any], dossier_id: int) -> dict[str, Any]:
        """Exempt the applicant from one fee line, with the reason"""
        session, actor, dossier = visible_dossier(dossier_id)
        exemption = exempt_fee(session, actor, dossier, data["fee_id"], data["reason"])
        session.commit()
        return {"id": exemption.id, "fee_id": exemption.fee_id, "reason": exemption.reason}


@bp.route("/payments/<id:payment_id>/refund")
class Refunds(MethodView):
    @bp.arguments(RefundSchema)
    @bp.response(201)
    @bp.doc(security=SECURITY)
    def post(self, data: dict[str, Any], payment_id: int) -> dict[str, Any]:
        """Record a refund (dossier refused, stopped or withdrawn after payment)"""
        actor, session = require_user(), get_session()
        refund = record_refund(session, actor, payment_id, data["reason"], data["reference"])
        session.commit()
        return {"id": refund.id, "amount_vnd": refund.amount_vnd, "reference": refund.reference}


@bp.route("/finance")
class Finance(MethodView):
    @bp.arguments(RangeSchema, location="query")
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def get(self, data: dict[str, date]) -> list[dict[str, object]]:
        """Collected, pending, refunded, refund due and differences per agency and day"""
        actor, session = require_user(), get_session()
        return [r.as_dict() for r in summary(session, actor, data["start"], data["end"])]


@bp.route("/refunds-due")
class RefundsDue(MethodView):
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def get(self) -> list[dict[str, Any]]:
        """Money the gateway took for orders already closed, to be refunded"""
        actor, session = require_user(), get_session()
        return [
            {
                **payment_json(p),
                "dossier_id": p.dossier_id,
                "dossier_code": p.dossier.code,
                "reason": p.state_reason,
            }
            for p in refunds_due(session, actor)
        ]


@bp.route("/finance.xlsx")
class FinanceXlsx(MethodView):
    @bp.arguments(RangeSchema, location="query")
    @bp.response(200, content_type=XLSX_MIMETYPE)
    @bp.doc(security=SECURITY)
    def get(self, data: dict[str, date]) -> Response:
        """The same figures as an Excel workbook"""
        actor, session = require_user(), get_session()
        rows = summary(session, actor, data["start"], data["end"])
        return Response(export_xlsx(rows), mimetype=XLSX_MIMETYPE)
