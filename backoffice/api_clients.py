"""Administering integration clients through the API: the same use cases as the page and CLI."""

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from backoffice.integration_schemas import (
    AuditEventSchema,
    ClientActiveSchema,
    ClientCredentialsSchema,
    ClientSchema,
    NewClientSchema,
    SecretSchema,
    errors,
)
from dossiers.agencies import Agency
from dossiers.clients import operations as clients
from dossiers.clients.models import IntegrationClient
from motcua.api import require_user
from motcua.database import get_session

bp = Blueprint(
    "clients_api",
    __name__,
    url_prefix="/api/v1/clients",
    description="Integration clients (administrators) / Ứng dụng tích hợp",
)
SECURITY = [{"bearerAuth": []}]


def client_dict(session: Any, client: IntegrationClient) -> dict[str, Any]:
    agency = session.get(Agency, client.agency_id) if client.agency_id else None
    return {
        "client_id": client.client_id,
        "name": client.name,
        "agency": agency.code if agency else None,
        "scopes": client.scopes,
        "is_active": client.is_active,
        "created_at": client.created_at,
        "secret_rotated_at": client.secret_rotated_at,
        "disabled_at": client.disabled_at,
    }


@bp.route("")
class Clients(MethodView):
    @bp.response(200, ClientSchema(many=True))
    @errors(bp, 401, 403, 404)
    @bp.doc(operationId="listClients", security=SECURITY)
    def get(self) -> list[dict[str, Any]]:
        """Integration clients / Danh sách ứng dụng tích hợp"""
        actor, session = require_user(), get_session()
        return [client_dict(session, c) for c in clients.list_clients(session, actor)]

    @bp.arguments(NewClientSchema)
    @bp.response(201, ClientCredentialsSchema)
    @errors(bp, 400, 401, 403, 404, 422)
    @bp.doc(operationId="createClient", security=SECURITY)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Register a client; its secret is in this answer only / Đăng ký ứng dụng"""
        actor, session = require_user(), get_session()
        client, secret = clients.register_client(
            session, actor, name=data["name"], agency_code=data["agency"], scopes=data["scopes"]
        )
        session.commit()
        return {**client_dict(session, client), "client_secret": secret}


@bp.route("/<client_id>")
class ClientItem(MethodView):
    @bp.response(200, ClientSchema)
    @errors(bp, 401, 403, 404)
    @bp.doc(operationId="getClient", security=SECURITY)
    def get(self, client_id: str) -> dict[str, Any]:
        """One client / Một ứng dụng tích hợp"""
        actor, session = require_user(), get_session()
        return client_dict(session, clients.get_client(session, actor, client_id))

    @bp.arguments(ClientActiveSchema)
    @bp.response(200, ClientSchema)
    @errors(bp, 401, 403, 404, 422)
    @bp.doc(operationId="setClientActive", security=SECURITY)
    def patch(self, data: dict[str, Any], client_id: str) -> dict[str, Any]:
        """Disable (its tokens stop at once) or enable a client / Khóa, mở khóa"""
        actor, session = require_user(), get_session()
        client = clients.set_active(
            session, actor, clients.get_client(session, actor, client_id), data["is_active"]
        )
        session.commit()
        return client_dict(session, client)


@bp.route("/<client_id>/secret")
class ClientSecret(MethodView):
    @bp.response(200, SecretSchema)
    @errors(bp, 401, 403, 404)
    @bp.doc(operationId="rotateClientSecret", security=SECURITY)
    def post(self, client_id: str) -> dict[str, Any]:
        """A new secret; the old one and its tokens stop working / Đổi khóa bí mật"""
        actor, session = require_user(), get_session()
        client = clients.get_client(session, actor, client_id)
        secret = clients.rotate_secret(session, actor, client)
        session.commit()
        return {"client_id": client.client_id, "client_secret": secret}


@bp.route("/<client_id>/audit")
class ClientAudit(MethodView):
    @bp.response(200, AuditEventSchema(many=True))
    @errors(bp, 401, 403, 404)
    @bp.doc(operationId="listClientAuditEvents", security=SECURITY)
    def get(self, client_id: str) -> list[Any]:
        """Who did what to the client, and when / Nhật ký quản trị ứng dụng"""
        actor, session = require_user(), get_session()
        return clients.audit_log(session, actor, clients.get_client(session, actor, client_id))
