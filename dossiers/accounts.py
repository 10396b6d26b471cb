"""User accounts, role grants per agency, API tokens and password hashing."""

import hashlib
import secrets
from datetime import datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from dossiers.actors import Actor
from dossiers.db import Base, utcnow
from dossiers.errors import InvalidInput, NotFound
from dossiers.lifecycle import Role

_hasher = PasswordHasher()
MIN_PASSWORD = 12


class AccountKind(StrEnum):
    PERSON = "person"  # cá nhân
    ORGANISATION = "organisation"  # tổ chức, with a tax code and a representative
    STAFF = "staff"  # cán bộ, công chức


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(120), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AccountKind] = mapped_column(String(20), default=AccountKind.PERSON)
    email: Mapped[str | None] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(20), index=True)  # CCCD or tax code
    title: Mapped[str | None] = mapped_column(String(200))  # chức vụ, for signers
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin")

    def actor(self) -> Actor:
        return Actor(user_id=self.id, login=self.login, full_name=self.full_name,
                     grants=frozenset((Role(g.role), g.agency_id) for g in self.grants))


class RoleGrant(Base):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[Role] = mapped_column(String(20))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)

    user: Mapped[User] = relationship(back_populates="grants")


class ApiToken(Base):
    """A bearer token for an integration; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự",
                           f"The password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    *,
    login: str,
    full_name: str,
    password: str,
    kind: AccountKind = AccountKind.PERSON,
    grants: list[tuple[Role, int | None]] | None = None,
    **details: str | None,
) -> User:
    login = login.strip().lower()
    if not login:
        raise InvalidInput("Tên đăng nhập không được để trống", "The login cannot be empty")
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise InvalidInput(f"Tên đăng nhập {login} đã được dùng", f"Login {login} is taken",
                           code="login_taken")
    user = User(login=login, full_name=full_name.strip(), kind=kind,
                password_hash=hash_password(password), **details)
    for role, agency_id in grants or [(Role.CITIZEN, None)]:
        user.grants.append(RoleGrant(role=role, agency_id=agency_id))
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, login: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.login == login.strip().lower()))
    if user is None:
        _hasher.hash(password)  # same work as a real check, so timing does not reveal logins
        return None
    if not user.is_active or not check_password(user, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def get_user(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login.strip().lower()))
    if user is None:
        raise NotFound(f"Không tìm thấy tài khoản {login}", f"User {login} not found")
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, name: str) -> str:
    """Create a bearer token; the clear value is returned once and never stored."""
    token = "mc_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_hash=_digest(token)))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    row.last_used_at = utcnow()
    return row.user
