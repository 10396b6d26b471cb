"""Administration through the API: the same use cases as the admin pages and the CLI."""

from datetime import date
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from backoffice.admin_schemas import (
    AdminAgencySchema,
    AdminUserSchema,
    AgenciesFileSchema,
    AgencyPlanSchema,
    DryRunSchema,
    GrantSchema,
    NewStaffSchema,
    UserActiveSchema,
    UserQuerySchema,
)
from backoffice.integration_schemas import errors
from dossiers import staff
from dossiers.accounts import User
from dossiers.agencies import Agency, parent_on
from dossiers.agency_import import (
    import_agencies,
    list_agencies,
    plan_agencies,
    plan_as_dict,
)
from dossiers.calendar import today_in_vietnam
from motcua.api import require_user
from motcua.database import get_session

bp = Blueprint(
    "admin_api",
    __name__,
    url_prefix="/api/v1/admin",
    description="Administration (administrators) / Quản trị hệ thống",
)
SECURITY = [{"bearerAuth": []}]


def agency_dict(session: Any, agency: Agency, today: date) -> dict[str, Any]:
    parent = parent_on(session, agency, today)
    successor = session.get(Agency, agency.successor_id) if agency.successor_id else None
    return {
        "code": agency.code,
        "name": agency.name,
        "kind": agency.kind,
        "parent": parent.code if parent else None,
        "valid_from": agency.valid_from,
        "valid_to": agency.valid_to,
        "successor": successor.code if successor else None,
    }


@bp.route("/agencies")
class Agencies(MethodView):
    @bp.response(200, AdminAgencySchema(many=True))
    @errors(bp, 401, 403, 404)
    @bp.doc(operationId="adminListAgencies", security=SECURITY)
    def get(self) -> list[dict[str, Any]]:
        """Every agency, closed ones included / Danh sách cơ quan"""
        actor, session, today = require_user(), get_session(), today_in_vietnam()
        return [agency_dict(session, a, today) for a in list_agencies(session, actor)]


@bp.route("/agencies/import")
class AgenciesImport(MethodView):
    @bp.arguments(DryRunSchema, location="query")
    @bp.arguments(AgenciesFileSchema)
    @bp.response(200, AgencyPlanSchema)
    @errors(bp, 400, 401, 403, 404, 422)
    @bp.doc(operationId="importAgencies", security=SECURITY)
    def post(self, query: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        """Import agencies (dated, idempotent, closures with successors); ``dry_run`` previews
        / Nhập danh sách cơ quan"""
        actor, session = require_user(), get_session()
        if query["dry_run"]:
            plan = plan_agencies(session, actor, data)
        else:
            plan = import_agencies(session, actor, data)
            session.commit()
        return {"applied": not query["dry_run"], **plan_as_dict(plan)}


def user_dict(session: Any, user: User) -> dict[str, Any]:
    agencies = {g.agency_id: session.get(Agency, g.agency_id) for g in user.grants if g.agency_id}
    return {
        "login": user.login,
        "full_name": user.full_name,
        "email": user.email,
        "kind": user.kind,
        "is_active": user.is_active,
        "grants": [
            {"role": g.role, "agency": agencies[g.agency_id].code if g.agency_id else None}
            for g in user.grants
        ],
    }


@bp.route("/users")
class Users(MethodView):
    @bp.arguments(UserQuerySchema, location="query")
    @bp.response(200, AdminUserSchema(many=True))
    @errors(bp, 401, 403, 404, 422)
    @bp.doc(operationId="adminListUsers", security=SECURITY)
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Accounts, searched by login, name or e-mail / Tìm tài khoản"""
        actor, session = require_user(), get_session()
        return [user_dict(session, u) for u in staff.search_users(session, actor, query["q"])]

    @bp.arguments(NewStaffSchema)
    @bp.response(201, AdminUserSchema)
    @errors(bp, 400, 401, 403, 404, 422)
    @bp.doc(operationId="createStaffUser", security=SECURITY)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a staff account; a one-time code to set the password goes to its e-mail
        / Tạo tài khoản cán bộ"""
        actor, session = require_user(), get_session()
        user = staff.create_staff(session, actor, staff.NewStaff(**data))
        session.commit()
        return user_dict(session, user)


@bp.route("/users/<login>")
class UserItem(MethodView):
    @bp.response(200, AdminUserSchema)
    @errors(bp, 401, 403, 404)
    @bp.doc(operationId="adminGetUser", security=SECURITY)
    def get(self, login: str) -> dict[str, Any]:
        """One account / Một tài khoản"""
        actor, session = require_user(), get_session()
        return user_dict(session, staff.get_staff(session, actor, login))

    @bp.arguments(UserActiveSchema)
    @bp.response(200, AdminUserSchema)
    @errors(bp, 400, 401, 403, 404, 422)
    @bp.doc(operationId="setUserActive", security=SECURITY)
    def patch(self, data: dict[str, Any], login: str) -> dict[str, Any]:
        """Disable (sessions and tokens end at once) or enable / Khóa, mở khóa tài khoản"""
        actor, session = require_user(), get_session()
        user = staff.get_staff(session, actor, login)
        staff.set_active(session, actor, user, data["is_active"])
        session.commit()
        return user_dict(session, user)


@bp.route("/users/<login>/grants")
class UserGrants(MethodView):
    @bp.arguments(GrantSchema)
    @bp.response(200, AdminUserSchema)
    @errors(bp, 400, 401, 403, 404, 422)
    @bp.doc(operationId="grantRole", security=SECURITY)
    def post(self, data: dict[str, Any], login: str) -> dict[str, Any]:
        """Grant a role, per agency for the desk, officers and leaders / Cấp vai trò"""
        actor, session = require_user(), get_session()
        user = staff.get_staff(session, actor, login)
        staff.grant_role(session, actor, user, data["role"], data["agency"])
        session.commit()
        return user_dict(session, user)


@bp.route("/users/<login>/grants/withdraw")
class UserGrantWithdraw(MethodView):
    @bp.arguments(GrantSchema)
    @bp.response(200, AdminUserSchema)
    @errors(bp, 400, 401, 403, 404, 422)
    @bp.doc(operationId="withdrawRole", security=SECURITY)
    def post(self, data: dict[str, Any], login: str) -> dict[str, Any]:
        """Withdraw a role / Rút vai trò"""
        actor, session = require_user(), get_session()
        user = staff.get_staff(session, actor, login)
        staff.withdraw_role(session, actor, user, data["role"], data["agency"])
        session.commit()
        return user_dict(session, user)


@bp.route("/users/<login>/password-reset")
class UserPasswordReset(MethodView):
    @bp.response(200, AdminUserSchema)
    @errors(bp, 400, 401, 403, 404)
    @bp.doc(operationId="sendPasswordReset", security=SECURITY)
    def post(self, login: str) -> dict[str, Any]:
        """Send the member of staff a one-time code for the reset page; no password passes
        through the administrator / Gửi mã đặt lại mật khẩu"""
        actor, session = require_user(), get_session()
        user = staff.get_staff(session, actor, login)
        staff.send_password_reset(session, actor, user)
        session.commit()
        return user_dict(session, user)
