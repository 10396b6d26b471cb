"""Administering staff accounts: create, grant and withdraw roles per agency, disable, reset.

Administrators only; every change is an audit event (dossiers/audit.py). No password ever
passes through an administrator: a new account gets an unusable random one and, like a reset,
a one-time code sent to the member of staff, who sets their own on the reset page.
"""

import secrets
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dossiers import audit, identity
from dossiers.accounts import (
    AccountKind,
    CodePurpose,
    RoleGrant,
    User,
    create_user,
    end_sessions,
    get_user,
    issue_code,
    revoke_all_tokens,
)
from dossiers.actors import Actor
from dossiers.agencies import Agency, get_by_code
from dossiers.errors import InvalidInput
from dossiers.lifecycle import Role

STAFF_ROLES = (Role.RECEPTION, Role.OFFICER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN)
# Roles that act for one agency (QĐ 31 Đ15: the desk, processing, approval are per agency).
AGENCY_ROLES = frozenset({Role.RECEPTION, Role.OFFICER, Role.LEADER})


@dataclass
class NewStaff:
    login: str
    full_name: str
    email: str
    phone: str | None = None
    title: str | None = None


def search_users(session: Session, actor: Actor, query: str = "", limit: int = 200) -> list[User]:
    actor.require(Role.ADMIN)
    stmt = select(User).order_by(User.login).limit(limit)
    words = query.strip().lower()
    if words:
        like = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                User.login.like(like, escape="\\"),
                User.full_name.ilike(like, escape="\\"),
                User.email.like(like, escape="\\"),
            )
        )
    return list(session.scalars(stmt))


def get_staff(session: Session, actor: Actor, login: str) -> User:
    actor.require(Role.ADMIN)
    return get_user(session, login)


def create_staff(session: Session, actor: Actor, data: NewStaff) -> User:
    """A staff account without roles yet; the person sets their password with the code sent."""
    actor.require(Role.ADMIN)
    full_name = data.full_name.strip()
    if not full_name or len(full_name) > 200:
        raise InvalidInput(
            "Cần họ và tên (tối đa 200 ký tự)",
            "A full name is required (at most 200 characters)",
            code="name_required",
        )
    if not data.email.strip():
        raise InvalidInput(
            "Cần thư điện tử để gửi mã đặt mật khẩu",
            "An e-mail address is required to send the password code",
            code="email_required",
        )
    user = create_user(
        session,
        login=data.login,
        full_name=full_name,
        password=secrets.token_urlsafe(32),
        kind=AccountKind.STAFF,
        grants=[],
        email=identity.email(data.email),
        phone=data.phone or None,
        title=data.title or None,
    )
    user.grants.clear()  # create_user gives the citizen role by default; roles come by grant
    session.flush()
    issue_code(session, user, CodePurpose.ADMIN_RESET)
    audit.record(
        session, actor, "users:create", user.login, full_name=user.full_name, email=user.email
    )
    return user


def _grant_target(
    session: Session, role: Role | str, agency_code: str | None
) -> tuple[Role, Agency | None]:
    try:
        chosen = Role(role)
    except ValueError:
        chosen = Role.CITIZEN
    if chosen not in STAFF_ROLES:
        raise InvalidInput(
            f"Vai trò không hợp lệ: {role}", f"Invalid role: {role}", code="invalid_role"
        )
    agency = get_by_code(session, agency_code) if agency_code else None
    if chosen in AGENCY_ROLES and agency is None:
        raise InvalidInput(
            "Vai trò này cần một cơ quan", "This role needs an agency", code="agency_required"
        )
    return chosen, agency


def grant_role(
    session: Session, actor: Actor, user: User, role: Role | str, agency_code: str | None
) -> RoleGrant:
    actor.require(Role.ADMIN)
    if user.kind != AccountKind.STAFF:
        raise InvalidInput(
            "Chỉ cấp vai trò cho tài khoản cán bộ",
            "Roles are granted to staff accounts only",
            code="not_staff",
        )
    chosen, agency = _grant_target(session, role, agency_code)
    agency_id = agency.id if agency else None
    for grant in user.grants:
        if grant.role == chosen and grant.agency_id == agency_id:
            return grant  # granting twice changes nothing
    grant = RoleGrant(role=chosen, agency_id=agency_id)
    user.grants.append(grant)
    session.flush()
    audit.record(
        session,
        actor,
        "users:grant",
        user.login,
        role=chosen.value,
        agency=agency.code if agency else None,
    )
    return grant


def withdraw_role(
    session: Session, actor: Actor, user: User, role: Role | str, agency_code: str | None
) -> None:
    actor.require(Role.ADMIN)
    chosen, agency = _grant_target(session, role, agency_code)
    agency_id = agency.id if agency else None
    if user.id == actor.user_id and chosen == Role.ADMIN:
        raise InvalidInput(
            "Không tự rút quyền quản trị của mình",
            "You cannot withdraw your own administrator role",
            code="own_admin_role",
        )
    for grant in list(user.grants):
        if grant.role == chosen and grant.agency_id == agency_id:
            user.grants.remove(grant)
            session.flush()
            audit.record(
                session,
                actor,
                "users:withdraw",
                user.login,
                role=chosen.value,
                agency=agency.code if agency else None,
            )


def set_active(session: Session, actor: Actor, user: User, active: bool) -> None:
    """Disable (every session and API token ends at once) or enable an account."""
    actor.require(Role.ADMIN)
    if user.id == actor.user_id and not active:
        raise InvalidInput(
            "Không tự khóa tài khoản của mình", "You cannot disable yourself", code="own_account"
        )
    if user.is_active == active:
        return
    user.is_active = active
    if not active:
        end_sessions(session, user)
        revoke_all_tokens(session, user)
    session.flush()
    audit.record(session, actor, "users:enable" if active else "users:disable", user.login)


def send_password_reset(session: Session, actor: Actor, user: User) -> None:
    """Send the member of staff a one-time code for the reset page; their sessions end."""
    actor.require(Role.ADMIN)
    if user.kind != AccountKind.STAFF or not user.is_active:
        raise InvalidInput(
            "Chỉ đặt lại mật khẩu cho tài khoản cán bộ đang hoạt động",
            "Only an active staff account's password can be reset this way",
            code="not_staff",
        )
    if not user.email:
        raise InvalidInput(
            "Tài khoản chưa có thư điện tử để nhận mã",
            "The account has no e-mail address to receive the code",
            code="email_required",
        )
    issue_code(session, user, CodePurpose.ADMIN_RESET)
    end_sessions(session, user)
    audit.record(session, actor, "users:reset", user.login)


def history(session: Session, actor: Actor, user: User) -> list[audit.AdminEvent]:
    actor.require(Role.ADMIN)
    return list(
        session.scalars(
            select(audit.AdminEvent)
            .where(
                audit.AdminEvent.subject == user.login, audit.AdminEvent.action.startswith("users:")
            )
            .order_by(audit.AdminEvent.id.desc())
        )
    )
