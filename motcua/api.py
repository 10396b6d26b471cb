"""The JSON API at /api/v1, with its OpenAPI 3 document at /api/v1/openapi.json.

flask-smorest was chosen over APIFlask and spectree: it works with a plain Flask app and plain
blueprints (APIFlask replaces the Flask class), builds the OpenAPI document from the same
marshmallow schemas that parse and validate requests, and is maintained by the marshmallow
team. Every error is JSON ``{code, message, message_en}`` with a 4xx status.
"""

from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from dossiers.actors import Actor
from dossiers.errors import DomainError, Unauthenticated
from motcua.auth import current_actor

API_PREFIX = "/api/v1"

_HTTP_MESSAGES = {
    400: ("Yêu cầu không hợp lệ", "Bad request"),
    401: ("Cần xác thực (token không hợp lệ hoặc đã bị thu hồi)", "Authentication required"),
    403: ("Không có quyền truy cập", "Forbidden"),
    404: ("Không tìm thấy", "Not found"),
    405: ("Phương thức không được hỗ trợ", "Method not allowed"),
    409: ("Xung đột dữ liệu", "Conflict"),
    413: ("Tệp quá lớn", "Payload too large"),
    415: ("Định dạng không được hỗ trợ", "Unsupported media type"),
    422: ("Dữ liệu không hợp lệ", "Invalid input"),
    429: ("Quá nhiều yêu cầu, vui lòng thử lại sau", "Too many requests"),
}


class ErrorSchema(Schema):
    """Every error the API answers, documented as it is sent (the DEFAULT_ERROR response of
    every operation and the 422 of every parsed argument refer to it)."""

    code = fields.String(
        required=True,
        metadata={"description": "stable code, e.g. not_found, invalid_input, conflict"},
    )
    message = fields.String(required=True, metadata={"description": "Vietnamese"})
    message_en = fields.String(required=True, metadata={"description": "English"})
    errors = fields.Dict(metadata={"description": "field errors by location and field"})


class Api(SmorestApi):  # type: ignore[misc]
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        # Our own handlers (below) answer JSON under /api and HTML pages elsewhere.
        pass


api = Api(spec_kwargs={"info": {"description": "Motcua: một cửa điện tử / one-stop shop API"}})


def _wants_json() -> bool:
    return (
        request.path.startswith(API_PREFIX) or request.accept_mimetypes.best == "application/json"
    )


def error_response(
    status: int, code: str, message: str, message_en: str, errors: Any = None
) -> tuple[Response, int] | tuple[str, int]:
    if _wants_json():
        body: dict[str, Any] = {"code": code, "message": message, "message_en": message_en}
        if errors:
            body["errors"] = errors
        return jsonify(body), status
    return render_template(
        "error.html", status=status, message=message, message_en=message_en
    ), status


def _http_error(error: HTTPException) -> Any:
    status = error.code or 500
    if status >= 500 and "db_session" in g:
        g.db_session.rollback()  # the page below must be able to read the session again
    vi, en = _HTTP_MESSAGES.get(status, ("Lỗi hệ thống", "Server error"))
    data = getattr(error, "data", None) or {}
    errors = data.get("messages")
    code = "invalid_input" if status == 422 else error.name.lower().replace(" ", "_")
    response = error_response(status, code, vi, en, errors)
    if status == 401 and _wants_json():
        response[0].headers["WWW-Authenticate"] = "Bearer"  # type: ignore[union-attr]
    return response


def _domain_error(error: DomainError) -> Any:
    return error_response(error.status, error.code, error.message, error.message_en)


def init_app(app: Flask) -> None:
    app.config.update(
        API_TITLE="Motcua API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        # Where a generated client sends its requests: this installation's public address.
        API_SPEC_OPTIONS={
            "servers": [
                {
                    "url": (app.config.get("MOTCUA_BASE_URL") or "http://127.0.0.1:5000").rstrip(
                        "/"
                    ),
                    "description": "Motcua",
                }
            ]
        },
    )
    api.init_app(app)
    from motcua.security import MAX_ID, BoundedIntConverter, IdConverter

    api.register_converter(
        IdConverter, lambda _converter: {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    )
    api.register_converter(
        BoundedIntConverter,
        lambda converter: {
            "type": "integer",
            "minimum": 0 if converter.min is None else converter.min,
            "maximum": converter.max,
        },
    )
    api.spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "Token từ lệnh `motcua tokens create LOGIN`",
        },
    )
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)


def register(blueprint: Blueprint) -> None:
    from motcua import csrf

    csrf.exempt(blueprint)  # checked in auth.current_actor for cookie sessions only
    api.register_blueprint(blueprint)


def require_user() -> Actor:
    actor = current_actor()
    if actor.user_id is None:
        raise Unauthenticated("Cần đăng nhập hoặc gửi token API", "Log in or send an API token")
    return actor
