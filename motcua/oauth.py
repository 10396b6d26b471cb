"""The OAuth 2 token endpoint for integration clients (client-credentials grant, RFC 6749 §4.4).

Authlib does the protocol: client authentication (client_secret_basic and client_secret_post),
the grant type, scope checks and the error bodies of RFC 6749 §5.2, which we extend with our
own ``code``/``message``/``message_en`` so one error schema holds across the API. The domain
(dossiers/clients) keeps the clients, checks secrets and stores token hashes. A client's bearer
token becomes its ``Actor`` for the request, before any view runs.
"""

import json
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from flask import Flask, Response, abort, current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from dossiers.clients.models import IntegrationClient
from dossiers.clients.operations import (
    TOKEN_PREFIX,
    active_client,
    actor_for_token,
    allowed_scopes,
    check_secret,
    new_token,
    save_token,
)
from dossiers.clients.scopes import SCOPES
from motcua.database import get_session

TOKEN_PATH = "/api/v1/oauth/token"  # noqa: S105 - a path, not a secret
DEFAULT_TTL = 900  # seconds: short-lived; a client asks again, it costs one request

_MESSAGES = {
    "invalid_client": (
        "Xác thực ứng dụng thất bại (sai mã ứng dụng hoặc khóa bí mật, hoặc ứng dụng đã bị khóa)",
        "Client authentication failed",
    ),
    "invalid_scope": (
        "Phạm vi yêu cầu không hợp lệ hoặc không được cấp cho ứng dụng",
        "The requested scope is invalid or not granted to the client",
    ),
    "unsupported_grant_type": (
        "Chỉ hỗ trợ grant_type=client_credentials",
        "Only grant_type=client_credentials is supported",
    ),
    "unauthorized_client": (
        "Ứng dụng không được dùng loại cấp quyền này",
        "The client may not use this grant type",
    ),
    "invalid_request": ("Yêu cầu cấp token không hợp lệ", "Invalid token request"),
}


class _Client(ClientMixin):  # type: ignore[misc]
    """Authlib's view of an integration client."""

    def __init__(self, row: IntegrationClient) -> None:
        self.row = row

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        scopes = allowed_scopes(self.row, scope)
        return None if scopes is None else " ".join(scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return check_secret(self.row, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class _ClientCredentials(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def _query_client(client_id: str) -> _Client | None:
    row = active_client(get_session(), client_id)
    return _Client(row) if row is not None else None


def _save_token(token: dict[str, Any], oauth_request: Any) -> None:
    save_token(
        get_session(),
        oauth_request.client.row,
        token["access_token"],
        (token.get("scope") or "").split(),
        int(token["expires_in"]),
    )


class TokenSchema(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"example": DEFAULT_TTL})
    scope = fields.String(metadata={"example": "dossiers:submit-on-behalf webhooks"})


class OAuthErrorSchema(Schema):
    """RFC 6749 §5.2, with the API's own error fields beside it."""

    error = fields.String(required=True, metadata={"example": "invalid_client"})
    error_description = fields.String()
    code = fields.String(required=True)
    message = fields.String(required=True)
    message_en = fields.String(required=True)


bp = Blueprint(
    "oauth",
    __name__,
    url_prefix="/api/v1/oauth",
    description="OAuth 2 tokens for integration clients / Cấp token cho ứng dụng",
)

_FORM = {
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["grant_type"],
                "properties": {
                    "grant_type": {"type": "string", "enum": ["client_credentials"]},
                    "scope": {
                        "type": "string",
                        "description": "space-separated; default: all the client's scopes",
                        "example": "dossiers:submit-on-behalf",
                    },
                    "client_id": {"type": "string", "description": "client_secret_post only"},
                    "client_secret": {"type": "string", "description": "client_secret_post only"},
                },
            }
        }
    },
    "required": True,
}


@bp.route("/token")
class Token(MethodView):
    @bp.response(200, TokenSchema)
    @bp.alt_response(
        400,
        schema=OAuthErrorSchema,
        description="invalid_request, invalid_scope, "
        "unsupported_grant_type, invalid_client (client_secret_post)",
    )
    @bp.alt_response(401, schema=OAuthErrorSchema, description="invalid_client (HTTP Basic)")
    @bp.doc(operationId="createOAuthToken", requestBody=_FORM, security=[{"clientBasic": []}, {}])
    def post(self) -> Response:
        """Get an access token (client credentials) / Lấy token truy cập"""
        server: AuthorizationServer = current_app.extensions["motcua.oauth"]
        response: Response = server.create_token_response()
        if response.status_code == 200:
            get_session().commit()
            return response
        get_session().rollback()
        body = json.loads(response.get_data(as_text=True) or "{}")
        vi, en = _MESSAGES.get(body.get("error", ""), _MESSAGES["invalid_request"])
        body.update(
            code=body.get("error", "invalid_request"),
            message=vi,
            message_en=body.get("error_description") or en,
        )
        response.set_data(json.dumps(body, ensure_ascii=False))
        return response


@bp.errorhandler(400)
def _bad_request(_error: Exception) -> tuple[Response, int]:
    """A request refused before the token view (a NUL byte, a broken form): still an RFC 6749
    §5.2 error body, so a client library reads it as one."""
    vi, en = _MESSAGES["invalid_request"]
    body = {"error": "invalid_request", "code": "invalid_request", "message": vi, "message_en": en}
    return Response(json.dumps(body, ensure_ascii=False), 400, content_type="application/json"), 400


def _client_bearer() -> None:
    """A client's token: its actor for this request (people's tokens are motcua.auth's)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer " + TOKEN_PREFIX):
        actor = actor_for_token(get_session(), header[7:].strip())
        if actor is None:
            abort(401)
        g.actor = actor


def init_app(app: Flask) -> None:
    from motcua.api import api, register

    ttl = int(app.config.get("MOTCUA_CLIENT_TOKEN_TTL") or DEFAULT_TTL)
    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {"client_credentials": ttl})
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", list(SCOPES))
    app.config.setdefault("OAUTH2_ACCESS_TOKEN_GENERATOR", lambda **_: new_token())
    server = AuthorizationServer(app, query_client=_query_client, save_token=_save_token)
    server.register_grant(_ClientCredentials)
    app.extensions["motcua.oauth"] = server
    app.before_request(_client_bearer)
    register(bp)
    api.spec.components.security_scheme(
        "clientBasic",
        {
            "type": "http",
            "scheme": "basic",
            "description": "client_id and client_secret (client_secret_basic) "
            "for the token endpoint",
        },
    )
    api.spec.components.security_scheme(
        "clientCredentials",
        {
            "type": "oauth2",
            "description": "Integration clients (OAuth 2 client credentials)",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": TOKEN_PATH,
                    "scopes": {k: v[1] for k, v in SCOPES.items()},
                }
            },
        },
    )
