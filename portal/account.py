"""Accounts (NĐ 45/2020 Art. 7–8): register, confirm, log in and out, reset, the inbox."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from dossiers.accounts import (
    AccountKind,
    CodePurpose,
    Registration,
    confirm_account,
    end_sessions,
    issue_code,
    issue_token,
    list_tokens,
    register,
    request_password_reset,
    reset_password,
    revoke_token,
)
from dossiers.errors import DomainError, TooManyAttempts
from dossiers.inbox import mark_read, messages_for
from motcua import limits
from motcua.auth import current_actor, start_session, token_lifetime
from motcua.clock import now
from motcua.database import get_session
from motcua.navigation import start_page
from portal.forms import CodeForm, ForgotForm, LoginForm, RegisterForm, ResetForm, TokenForm

bp = Blueprint("account", __name__)
REGISTERED = (
    "Đã nhận đăng ký. Hãy đăng nhập bằng số giấy tờ và mật khẩu vừa đặt, rồi nhập mã "
    "xác nhận đã gửi tới thư điện tử và hộp thư của bạn. Nếu số giấy tờ hoặc thư điện "
    "tử này đã có tài khoản, chủ tài khoản nhận được thư báo thay cho mã. / "
    "Registration received. Log in with your ID number and the password you chose, "
    "then enter the confirmation code sent to your e-mail and inbox. If this number or "
    "e-mail already had an account, its owner is told instead."
)


def _safe_next(target: str | None, default: str) -> str:
    if target and target.startswith("/") and not urlsplit(target).netloc and "//" not in target:
        return target
    return default


def _field_error(form: RegisterForm | ResetForm, error: DomainError) -> None:
    """Attach a domain error to the field it is about, so it is announced next to it."""
    fields = {
        "invalid_cccd": "id_number",
        "invalid_tax_code": "id_number",
        "invalid_phone": "phone",
        "invalid_email": "email",
        "name_required": "full_name",
        "representative_required": "representative",
        "wrong_code": "code",
        "code_expired": "code",
        "invalid_code": "code",
    }
    name = fields.get(error.code, "password")
    field = getattr(form, name, None) or form.password
    field.errors = [*field.errors, error.message]


@bp.route("/register", methods=["GET", "POST"])
def register_view() -> str | Response:
    form = RegisterForm()
    if form.validate_on_submit():
        if limits.over_limit("register", 10):
            flash(
                "Đã có nhiều yêu cầu đăng ký; vui lòng đợi. / Too many registrations; please wait.",
                "error",
            )
            return render_template("portal/register.html", form=form), 429  # type: ignore[return-value]
        db = get_session()
        try:
            # A new account and a number or e-mail that already has one get the same answer
            # (no one is logged in here, so not even the cookie differs): no account oracle.
            register(
                db,
                Registration(
                    kind=AccountKind(form.kind.data),
                    full_name=form.full_name.data or "",
                    id_number=form.id_number.data or "",
                    phone=form.phone.data or "",
                    email=form.email.data or "",
                    password=form.password.data or "",
                    representative=form.representative.data,
                ),
            )
            db.commit()
        except DomainError as error:
            db.rollback()
            _field_error(form, error)
        else:
            session.clear()
            flash(REGISTERED, "info")
            return redirect(url_for("account.login", next=url_for("account.confirm")))
    return render_template("portal/register.html", form=form)


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
def confirm() -> str | Response:
    form = CodeForm()
    user = current_user.user
    if user.confirmed_at is not None:
        return redirect(url_for("my.dossiers"))
    if form.validate_on_submit():
        db = get_session()
        try:
            confirm_account(db, db.merge(user), form.code.data or "")
            db.commit()
            flash("Tài khoản đã được xác nhận. / Account confirmed.", "info")
            return redirect(url_for("my.dossiers"))
        except DomainError as error:
            db.commit()  # the failed try is counted
            form.code.errors = [error.message]
    return render_template("portal/confirm.html", form=form)


@bp.post("/confirm/resend")
@login_required
def resend_code() -> Response:
    db = get_session()
    if limits.over_limit("resend", 5):
        flash("Đã gửi nhiều mã; vui lòng đợi. / Too many codes requested.", "error")
    else:
        issue_code(db, db.merge(current_user.user), CodePurpose.CONFIRM)
        db.commit()
        flash("Đã gửi mã mới. / A new code was sent.", "info")
    return redirect(url_for("account.confirm"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            user = limits.checked_login(form.login.data or "", form.password.data or "")
        except TooManyAttempts as error:
            flash(f"{error.message}. / {error.message_en}.", "error")
            return render_template("portal/login.html", form=form), 429  # type: ignore[return-value]
        if user is None:
            flash("Tên đăng nhập hoặc mật khẩu không đúng. / Wrong login or password.", "error")
        else:
            db.commit()
            start_session(user)
            actor = current_actor()
            default = start_page(actor) if actor.is_staff else url_for("my.dossiers")
            return redirect(_safe_next(request.args.get("next"), default))
    return render_template("portal/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:  # every session of the account ends, on every device
        db = get_session()
        end_sessions(db, current_user.user)
        db.commit()
    logout_user()
    session.clear()
    flash("Đã đăng xuất. / Logged out.", "info")
    return redirect(url_for("portal.home"))


@bp.route("/forgot", methods=["GET", "POST"])
def forgot() -> str | Response:
    form = ForgotForm()
    if form.validate_on_submit():
        if not limits.over_limit("forgot", 10):
            db = get_session()
            request_password_reset(db, form.identifier.data or "")
            db.commit()
        # The same answer whether or not the account exists.
        flash(
            "Nếu tài khoản tồn tại, mã đặt lại mật khẩu đã được gửi (hiệu lực 10 phút). / "
            "If the account exists, a reset code was sent (valid 10 minutes).",
            "info",
        )
        return redirect(url_for("account.reset", identifier=form.identifier.data))
    return render_template("portal/forgot.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
def reset() -> str | Response:
    form = ResetForm()
    if request.method == "GET" and request.args.get("identifier"):
        form.identifier.data = request.args["identifier"]
    if form.validate_on_submit():
        db = get_session()
        try:
            reset_password(
                db, form.identifier.data or "", form.code.data or "", form.password.data or ""
            )
            db.commit()
            flash("Đã đặt lại mật khẩu; hãy đăng nhập. / Password reset; please log in.", "info")
            return redirect(url_for("account.login"))
        except DomainError as error:
            db.commit()  # the failed try is counted
            _field_error(form, error)
    return render_template("portal/reset.html", form=form)


@bp.get("/inbox")
@login_required
def inbox() -> str:
    db = get_session()
    messages = messages_for(db, current_user.user.id)
    return render_template("portal/inbox.html", messages=messages)


@bp.post("/inbox/<id:message_id>/read")
@login_required
def read(message_id: int) -> Response:
    db = get_session()
    mark_read(db, current_actor(), message_id)
    db.commit()
    return redirect(url_for("account.inbox"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> str:
    """The holder's API tokens: create one (its secret shown on this answer only), see when
    each was used and ends, revoke it."""
    db, actor = get_session(), current_actor()
    form, secret = TokenForm(), None
    if form.validate_on_submit():
        secret = issue_token(
            db, current_user.user, form.name.data or "", token_lifetime(form.days.data), now()
        )
        db.commit()
        form = TokenForm(formdata=None)
    return render_template(
        "portal/tokens.html", form=form, secret=secret, now=now(), tokens=list_tokens(db, actor)
    )


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response:
    db = get_session()
    revoke_token(db, current_actor(), token_id, now())
    db.commit()
    flash("Đã thu hồi token. / Token revoked.", "info")
    return redirect(url_for("account.tokens"))
