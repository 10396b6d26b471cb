"""Accounts, tokens, the inbox and the public lookup through the JSON API."""

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from dossiers.accounts import (
    AccountKind,
    ApiToken,
    Registration,
    confirm_account,
    issue_token,
    list_tokens,
    register,
    request_password_reset,
    reset_password,
    revoke_token,
)
from dossiers.accounts import User as UserRow
from dossiers.errors import InvalidInput, TooManyAttempts
from dossiers.inbox import mark_read, messages_for
from motcua import limits
from motcua.api import require_user
from motcua.auth import token_lifetime
from motcua.clock import now
from motcua.database import get_session
from portal.lookup import public_view

bp = Blueprint(
    "account_api",
    __name__,
    url_prefix="/api/v1",
    description="Accounts, inbox and lookup / Tài khoản, hộp thư, tra cứu",
)
SECURITY = [{"bearerAuth": []}]
PASSWORD = validate.Length(1, 1024)


class RegisterSchema(Schema):
    kind = fields.String(load_default="person", validate=validate.OneOf(["person", "organisation"]))
    full_name = fields.String(required=True, validate=validate.Length(1, 200))
    id_number = fields.String(required=True, validate=validate.Length(1, 20))
    representative = fields.String(load_default=None, validate=validate.Length(max=200))
    phone = fields.String(required=True, validate=validate.Length(1, 20))
    email = fields.String(required=True, validate=validate.Length(1, 200))
    password = fields.String(required=True, validate=PASSWORD, load_only=True)


class LoginSchema(Schema):
    login = fields.String(required=True, validate=validate.Length(1, 200))
    password = fields.String(required=True, validate=PASSWORD, load_only=True)
    name = fields.String(load_default="api", validate=validate.Length(1, 120))
    days = fields.Integer(
        load_default=None,
        validate=validate.Range(1, 3650),
        metadata={"description": "lifetime; default MOTCUA_TOKEN_DAYS (90)"},
    )


class CodeSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 12))


class ForgotSchema(Schema):
    identifier = fields.String(required=True, validate=validate.Length(1, 200))


class ResetSchema(ForgotSchema):
    code = fields.String(required=True, validate=validate.Length(1, 12))
    password = fields.String(required=True, validate=PASSWORD, load_only=True)


class LookupArgs(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 60))
    secret = fields.String(required=True, validate=validate.Length(4, 4))


REGISTERED = (
    "Đã nhận đăng ký; mã xác nhận được gửi tới thư điện tử và hộp thư. Nếu số giấy "
    "tờ hoặc thư điện tử đã có tài khoản, chủ tài khoản nhận được thư báo thay cho mã.",
    "Registration received; a confirmation code goes to the e-mail and inbox. If the "
    "number or e-mail already had an account, its owner is told instead.",
)


@bp.route("/accounts")
class Accounts(MethodView):
    @bp.arguments(RegisterSchema)
    @bp.response(202)
    @bp.doc(security=[])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Register a citizen or organisation; a confirmation code is sent.

        The same answer whether or not the number or e-mail already has an account."""
        if limits.over_limit("register", 10):
            raise TooManyAttempts(
                "Đã có nhiều yêu cầu đăng ký; vui lòng đợi", "Too many registrations; please wait"
            )
        session = get_session()
        register(session, Registration(kind=AccountKind(data.pop("kind")), **data))
        session.commit()
        return {"message": REGISTERED[0], "message_en": REGISTERED[1]}


def token_dict(row: ApiToken) -> dict[str, Any]:
    """What may be shown of a token after its creation: never the secret."""
    return {
        "id": row.id,
        "name": row.name,
        "login": row.user.login,
        "created_at": row.created_at.isoformat(),
        "expires_at": row.expires_at.isoformat(),
        "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
        "state": row.state(now()),
    }


@bp.route("/tokens")
class Tokens(MethodView):
    @bp.arguments(LoginSchema)
    @bp.response(201)
    @bp.doc(security=[])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Log in: exchange a login and password for a bearer token (rate-limited)"""
        session = get_session()
        user = limits.checked_login(data["login"], data["password"])
        if user is None:
            raise InvalidInput(
                "Tên đăng nhập hoặc mật khẩu không đúng",
                "Wrong login or password",
                code="wrong_credentials",
            )
        token = issue_token(session, user, data["name"], token_lifetime(data["days"]), now())
        session.commit()
        return {
            "token": token,
            "login": user.login,
            "confirmed": user.confirmed_at is not None,
            "expires_at": (now() + token_lifetime(data["days"])).isoformat(),
        }

    @bp.response(200)
    @bp.doc(security=SECURITY)
    def get(self) -> list[dict[str, Any]]:
        """My API tokens (never their secrets) / Token của tôi"""
        return [token_dict(row) for row in list_tokens(get_session(), require_user())]


@bp.route("/tokens/<id:token_id>")
class TokenItem(MethodView):
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def delete(self, token_id: int) -> dict[str, Any]:
        """Revoke one of my tokens (idempotent) / Thu hồi token"""
        session = get_session()
        row = revoke_token(session, require_user(), token_id, now())
        session.commit()
        return token_dict(row)


def _user() -> UserRow:
    actor = require_user()
    user = get_session().get(UserRow, actor.user_id)
    assert user is not None
    return user


@bp.route("/accounts/me/confirm")
class Confirm(MethodView):
    @bp.arguments(CodeSchema)
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Confirm the account with the code that was sent"""
        session, user = get_session(), _user()
        try:
            confirm_account(session, user, data["code"])
        finally:
            session.commit()  # a failed try counts
        return {"login": user.login, "confirmed": True}


@bp.route("/accounts/password-reset")
class PasswordReset(MethodView):
    @bp.arguments(ForgotSchema)
    @bp.response(202)
    @bp.doc(security=[])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Ask for a reset code (same answer whether or not the account exists)"""
        if not limits.over_limit("forgot", 10):
            session = get_session()
            request_password_reset(session, data["identifier"])
            session.commit()
        return {"message": "Nếu tài khoản tồn tại, mã đã được gửi (hiệu lực 10 phút)"}


@bp.route("/accounts/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    @bp.arguments(ResetSchema)
    @bp.response(200)
    @bp.doc(security=[])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Set a new password with the reset code (single use, 10 minutes)"""
        session = get_session()
        try:
            user = reset_password(session, data["identifier"], data["code"], data["password"])
        finally:
            session.commit()
        return {"login": user.login}


@bp.route("/inbox")
class Inbox(MethodView):
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def get(self) -> list[dict[str, Any]]:
        """Messages the system sent me / Hộp thư"""
        actor = require_user()
        return [
            {
                "id": m.id,
                "subject": m.subject,
                "body": m.body,
                "dossier_id": m.dossier_id,
                "created_at": m.created_at.isoformat(),
                "read": m.read_at is not None,
            }
            for m in messages_for(get_session(), actor.user_id or 0)
        ]


@bp.route("/inbox/<id:message_id>/read")
class ReadMessage(MethodView):
    @bp.response(204)
    @bp.doc(security=SECURITY)
    def post(self, message_id: int) -> None:
        """Mark a message read"""
        session = get_session()
        mark_read(session, require_user(), message_id)
        session.commit()


@bp.route("/lookup")
class Lookup(MethodView):
    @bp.arguments(LookupArgs, location="query")
    @bp.response(200)
    @bp.doc(security=[])
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Public lookup: dossier code + last 4 ID digits or the receipt's lookup code"""
        if limits.over_limit("lookup", limits.LOOKUPS):
            abort(429)
        result = public_view(args["code"], args["secret"])
        if result is None:  # unknown and mismatched look the same
            abort(404)
        return result
