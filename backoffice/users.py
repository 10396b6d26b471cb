"""Administration of staff accounts: search, create, grant and withdraw roles per agency,
disable, send a password reset. The same use cases as the API (dossiers/staff.py)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from dossiers import staff
from dossiers.accounts import User
from dossiers.actors import Actor
from dossiers.agencies import Agency
from dossiers.errors import DomainError, NotFound
from dossiers.lifecycle import Role
from motcua.auth import current_actor
from motcua.database import get_session

bp = Blueprint("users_admin", __name__, url_prefix="/backoffice/admin/users")
ROLE_LABELS = {
    Role.RECEPTION: "Tiếp nhận và trả kết quả",
    Role.OFFICER: "Chuyên viên xử lý",
    Role.LEADER: "Lãnh đạo phê duyệt",
    Role.SUPERVISOR: "Giám sát, thống kê",
    Role.ADMIN: "Quản trị hệ thống",
}


def _admin() -> Actor:
    actor = current_actor()
    if not actor.has(Role.ADMIN):
        abort(403)
    return actor


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> BaseResponse | tuple[str, int]:
    actor, db = _admin(), get_session()
    status = 200
    if request.method == "POST":
        try:
            user = staff.create_staff(
                db,
                actor,
                staff.NewStaff(
                    login=request.form.get("login", ""),
                    full_name=request.form.get("full_name", ""),
                    email=request.form.get("email", ""),
                    phone=request.form.get("phone") or None,
                    title=request.form.get("title") or None,
                ),
            )
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
            status = 422
        else:
            db.commit()
            flash(
                _(
                    "Đã tạo tài khoản %(login)s; mã đặt mật khẩu đã gửi tới %(email)s.",
                    login=user.login,
                    email=user.email or "",
                ),
                "info",
            )
            return redirect(url_for("users_admin.user", login=user.login))
    query = request.args.get("q", "")
    return render_template(
        "backoffice/users.html",
        users=staff.search_users(db, actor, query),
        q=query,
        form=request.form,
    ), status


def _user(login: str) -> tuple[Actor, User]:
    actor = _admin()
    try:
        return actor, staff.get_staff(get_session(), actor, login)
    except NotFound:
        abort(404)


@bp.get("/<login>")
@login_required
def user(login: str) -> str:
    actor, row = _user(login)
    db = get_session()
    agencies = {a.id: a for a in db.scalars(select(Agency))}
    return render_template(
        "backoffice/user.html",
        user=row,
        agencies=agencies,
        roles=ROLE_LABELS,
        history=staff.history(db, actor, row),
    )


def _act(login: str, action: str) -> BaseResponse:
    actor, row = _user(login)
    db = get_session()
    try:
        if action == "grant":
            staff.grant_role(
                db, actor, row, request.form.get("role", ""), request.form.get("agency") or None
            )
        elif action == "withdraw":
            staff.withdraw_role(
                db, actor, row, request.form.get("role", ""), request.form.get("agency") or None
            )
        elif action == "active":
            staff.set_active(db, actor, row, request.form.get("active") == "1")
        else:
            staff.send_password_reset(db, actor, row)
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
    else:
        db.commit()
        flash(_("Đã lưu."), "info")
    return redirect(url_for("users_admin.user", login=login))


@bp.post("/<login>/grants")
@login_required
def grant(login: str) -> BaseResponse:
    return _act(login, "grant")


@bp.post("/<login>/grants/withdraw")
@login_required
def withdraw(login: str) -> BaseResponse:
    return _act(login, "withdraw")


@bp.post("/<login>/active")
@login_required
def active(login: str) -> BaseResponse:
    return _act(login, "active")


@bp.post("/<login>/reset")
@login_required
def reset(login: str) -> BaseResponse:
    return _act(login, "reset")
