"""What an integration client does with its token: submit dossiers on an applicant's behalf,
read them, and subscribe to their events (webhooks) with a delivery log and re-sends."""

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from backoffice.integration_schemas import (
    ClientDossierSchema,
    DeliverySchema,
    NewSubscriptionResultSchema,
    NewSubscriptionSchema,
    OnBehalfSchema,
    SubscriptionSchema,
    errors,
)
from dossiers.clients import on_behalf
from dossiers.clients.scopes import READ, SUBMIT_ON_BEHALF, WEBHOOKS
from dossiers.lifecycle import STATUS_LABELS, Status
from dossiers.records import Dossier
from dossiers.webhooks import operations as webhooks
from dossiers.webhooks.models import WebhookDelivery
from motcua.auth import current_actor
from motcua.database import get_session
from motcua.files import store

bp = Blueprint(
    "integrations_api",
    __name__,
    url_prefix="/api/v1/integrations",
    description="Integration clients: on-behalf submission and webhooks / "
    "Nộp hồ sơ thay mặt, nhận sự kiện",
)


def _security(scope: str) -> list[dict[str, list[str]]]:
    return [{"clientCredentials": [scope]}]


def dossier_dict(session: Any, dossier: Dossier) -> dict[str, Any]:
    submission = on_behalf.submission_of(session, dossier)
    return {
        "id": dossier.id,
        "code": dossier.code,
        "status": dossier.status,
        "status_label": STATUS_LABELS[Status(dossier.status)][0],
        "national_status": dossier.national_status,
        "channel": submission.channel if submission else None,
        "intake_channel": dossier.channel,
        "procedure": dossier.procedure_version.code,
        "applicant_name": dossier.applicant_name,
        "receiving_agency": dossier.receiving_agency.code,
        "lookup_code": dossier.lookup_code,
        "submitted_at": dossier.submitted_at,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "components": [
            {
                "position": c.position,
                "name": c.name,
                "requirement": c.requirement,
                "state": c.state,
                "files": len(c.current_files),
            }
            for c in dossier.components
        ],
    }


_IDEMPOTENCY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "A retried request with the same key returns the first one's "
    "dossier instead of creating another",
}


@bp.route("/dossiers")
class OnBehalfDossiers(MethodView):
    @bp.arguments(OnBehalfSchema)
    @bp.response(
        201,
        ClientDossierSchema,
        headers={
            "Idempotent-Replayed": {
                "description": "present (true) when the answer repeats an earlier request's",
                "schema": {"type": "string", "enum": ["true"]},
            }
        },
    )
    @errors(bp, 400, 401, 403, 404, 409, 413, 422)
    @bp.doc(
        operationId="submitDossierOnBehalf",
        security=_security(SUBMIT_ON_BEHALF),
        parameters=[_IDEMPOTENCY],
    )
    def post(self, data: dict[str, Any]) -> Any:
        """Create and submit a dossier for an applicant (CCCD or tax code) / Nộp thay mặt"""
        actor, session = current_actor(), get_session()
        applicant = data["applicant"]
        dossier, replayed = on_behalf.submit_on_behalf(
            session,
            actor,
            store(),
            on_behalf.OnBehalfRequest(
                procedure=data["procedure"],
                channel=data["channel"],
                agency=data["agency"],
                id_type=applicant["id_type"],
                id_number=applicant["id_number"],
                name=applicant["name"],
                phone=applicant["phone"],
                email=applicant["email"],
                address=applicant["address"],
                representative=applicant["representative"],
                components=[
                    on_behalf.ComponentInput(
                        position=c["position"],
                        state=c["state"],
                        note=c["note"],
                        files=[(f["filename"], f["content"]) for f in c["files"]],
                    )
                    for c in data["components"]
                ],
            ),
            idempotency_key=request.headers.get("Idempotency-Key"),
            max_bytes=current_app.config["MOTCUA_MAX_FILE_BYTES"],
        )
        session.commit()
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return dossier_dict(session, dossier), 201, headers

    @bp.response(200, ClientDossierSchema(many=True))
    @errors(bp, 401, 403, 404)
    @bp.doc(operationId="listClientDossiers", security=_security(READ))
    def get(self) -> list[dict[str, Any]]:
        """Dossiers the client submitted (or its agency's, with dossiers:read-agency)"""
        actor, session = current_actor(), get_session()
        return [dossier_dict(session, d) for d in on_behalf.client_dossiers(session, actor)]


@bp.route("/dossiers/<id:dossier_id>")
class ClientDossier(MethodView):
    @bp.response(200, ClientDossierSchema)
    @errors(bp, 401, 403, 404)
    @bp.doc(operationId="getClientDossier", security=_security(READ))
    def get(self, dossier_id: int) -> dict[str, Any]:
        """A dossier the client may read / Xem hồ sơ"""
        actor, session = current_actor(), get_session()
        return dossier_dict(session, on_behalf.client_dossier(session, actor, dossier_id))


# --- webhooks -----------------------------------------------------------------------------


def delivery_dict(session: Any, delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        **{
            k: getattr(delivery, k)
            for k in (
                "id",
                "subscription_id",
                "dossier_id",
                "event_id",
                "kind",
                "state",
                "attempts",
                "last_status_code",
                "last_error",
                "next_attempt_at",
                "created_at",
                "delivered_at",
            )
        },
        "log": [
            {"at": a.at, "ok": a.ok, "status_code": a.status_code, "error": a.error}
            for a in webhooks.attempts(session, delivery)
        ],
    }


@bp.route("/webhooks")
class Subscriptions(MethodView):
    @bp.arguments(NewSubscriptionSchema)
    @bp.response(201, NewSubscriptionResultSchema)
    @errors(bp, 400, 401, 403, 404, 422)
    @bp.doc(operationId="createWebhookSubscription", security=_security(WEBHOOKS))
    def post(self, data: dict[str, Any]) -> Any:
        """Subscribe to event kinds; the signing secret is in this answer only / Đăng ký"""
        actor, session = current_actor(), get_session()
        subscription, secret = webhooks.subscribe(
            session, actor, url=data["url"], kinds=data["kinds"]
        )
        session.commit()
        return {**_subscription(subscription), "secret": secret}

    @bp.response(200, SubscriptionSchema(many=True))
    @errors(bp, 401, 403, 404)
    @bp.doc(
        operationId="listWebhookSubscriptions", security=[*_security(WEBHOOKS), {"bearerAuth": []}]
    )
    def get(self) -> list[dict[str, Any]]:
        """The client's subscriptions (an administrator sees all) / Các đăng ký"""
        actor, session = current_actor(), get_session()
        return [_subscription(s) for s in webhooks.subscriptions(session, actor)]


def _subscription(subscription: Any) -> dict[str, Any]:
    return {k: getattr(subscription, k) for k in ("id", "url", "kinds", "is_active", "created_at")}


@bp.route("/webhooks/<id:subscription_id>")
class SubscriptionItem(MethodView):
    @bp.response(200, SubscriptionSchema)
    @errors(bp, 401, 403, 404)
    @bp.doc(operationId="deleteWebhookSubscription", security=_security(WEBHOOKS))
    def delete(self, subscription_id: int) -> dict[str, Any]:
        """Stop a subscription (its log stays) / Hủy đăng ký"""
        actor, session = current_actor(), get_session()
        subscription = webhooks.unsubscribe(session, actor, subscription_id)
        session.commit()
        return _subscription(subscription)


@bp.route("/webhooks/<id:subscription_id>/deliveries")
class Deliveries(MethodView):
    @bp.response(200, DeliverySchema(many=True))
    @errors(bp, 401, 403, 404)
    @bp.doc(
        operationId="listWebhookDeliveries", security=[*_security(WEBHOOKS), {"bearerAuth": []}]
    )
    def get(self, subscription_id: int) -> list[dict[str, Any]]:
        """The delivery log: attempts, status, response code, error / Nhật ký gửi"""
        actor, session = current_actor(), get_session()
        return [
            delivery_dict(session, d) for d in webhooks.deliveries(session, actor, subscription_id)
        ]


@bp.route("/webhooks/deliveries/<id:delivery_id>/resend")
class Resend(MethodView):
    @bp.response(202, DeliverySchema)
    @errors(bp, 401, 403, 404)
    @bp.doc(
        operationId="resendWebhookDelivery", security=[*_security(WEBHOOKS), {"bearerAuth": []}]
    )
    def post(self, delivery_id: int) -> dict[str, Any]:
        """Send a delivery again, in its place in the dossier's order / Gửi lại"""
        actor, session = current_actor(), get_session()
        delivery = webhooks.resend(session, actor, delivery_id)
        session.commit()
        return delivery_dict(session, delivery)
