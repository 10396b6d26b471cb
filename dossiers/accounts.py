"""User accounts, role grants per agency, API tokens and password hashing."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from dossiers import identity
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
    full_name: Mapped[str] = mapped_column(Text)
    kind: Mapped[AccountKind] = mapped_column(String(20), default=AccountKind.PERSON)
    email: Mapped[str | None] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(20), index=True)  # CCCD or tax code
    title: Mapped[str | None] = mapped_column(Text)  # chức vụ, for signers
    representative: Mapped[str | None] = mapped_column(Text)  # organisations
    confirmed_at: Mapped[datetime | None]  # e-mail or phone confirmed with a one-time code
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


# --- Citizen and organisation accounts (NĐ 45/2020 Art. 7–8) --------------------------------

MAX_PASSWORD = 1024  # argon2 hashes the whole password (no 72-byte truncation); bound the work
CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 5


class CodePurpose(StrEnum):
    CONFIRM = "confirm"  # confirm the e-mail or phone given at registration
    RESET = "reset"  # reset a forgotten password


class OneTimeCode(Base):
    """A 6-digit code, stored hashed, single use, short-lived, with a bounded number of tries."""

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[CodePurpose] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)


@dataclass
class Registration:
    kind: AccountKind
    full_name: str  # a person's name, or the organisation's name
    id_number: str  # CCCD for a person, tax code for an organisation
    phone: str
    email: str
    password: str
    representative: str | None = None  # organisations: the person acting for it


def register(session: Session, data: Registration) -> User:
    """Create an unconfirmed applicant account and send its confirmation code."""
    if data.kind == AccountKind.STAFF:
        raise InvalidInput("Không thể tự đăng ký tài khoản cán bộ",
                           "Staff accounts are not self-registered")
    if not data.full_name.strip():
        raise InvalidInput("Cần nhập họ tên (hoặc tên tổ chức)", "A name is required",
                           code="name_required")
    if data.kind == AccountKind.ORGANISATION:
        number = identity.tax_code(data.id_number)
        if not (data.representative or "").strip():
            raise InvalidInput("Tổ chức cần có người đại diện", "An organisation needs a "
                               "representative", code="representative_required")
    else:
        number = identity.citizen_id(data.id_number)
    if len(data.password) > MAX_PASSWORD:
        raise InvalidInput("Mật khẩu quá dài", "The password is too long")
    email, phone = identity.email(data.email), identity.phone(data.phone)
    taken = session.scalar(select(User.id).where(
        (User.login == number) | (User.id_number == number) | (User.email == email)))
    if taken is not None:
        raise InvalidInput("Số giấy tờ hoặc thư điện tử này đã có tài khoản",
                           "An account already exists for this number or e-mail",
                           code="account_exists")
    user = create_user(session, login=number, full_name=data.full_name, password=data.password,
                       kind=data.kind, email=email, phone=phone, id_number=number,
                       representative=(data.representative or "").strip() or None)
    issue_code(session, user, CodePurpose.CONFIRM)
    return user


def _code_digest(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{code}".encode()).hexdigest()


def issue_code(session: Session, user: User, purpose: CodePurpose) -> str:
    """A new code replaces any earlier unused one; it is delivered through the outbox."""
    from dossiers.outbox import enqueue

    now = utcnow()
    for old in session.scalars(select(OneTimeCode).where(
            OneTimeCode.user_id == user.id, OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None))):
        old.used_at = now
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(OneTimeCode(user_id=user.id, purpose=purpose, created_at=now,
                            code_hash=_code_digest(user.id, code), expires_at=now + CODE_TTL))
    session.flush()
    enqueue(session, "deliver_code", {"user_id": user.id, "purpose": purpose, "code": code})
    return code


def _use_code(session: Session, user: User, purpose: CodePurpose, code: str,
              at: datetime | None = None) -> None:
    now = at or utcnow()
    row = session.scalar(select(OneTimeCode).where(
        OneTimeCode.user_id == user.id, OneTimeCode.purpose == purpose,
        OneTimeCode.used_at.is_(None)).order_by(OneTimeCode.id.desc()))
    if row is None or row.expires_at <= now or row.attempts >= CODE_ATTEMPTS:
        raise InvalidInput("Mã xác nhận đã hết hạn hoặc không còn hiệu lực; hãy yêu cầu mã mới",
                           "The code has expired or is no longer valid; ask for a new one",
                           code="code_expired")
    row.attempts += 1
    if not hmac.compare_digest(row.code_hash, _code_digest(user.id, code.strip())):
        session.flush()  # the failed try counts even though the caller reports an error
        raise InvalidInput("Mã xác nhận không đúng", "Wrong code", code="wrong_code")
    row.used_at = now
    session.flush()


def confirm_account(session: Session, user: User, code: str) -> None:
    _use_code(session, user, CodePurpose.CONFIRM, code)
    user.confirmed_at = utcnow()
    session.flush()


def request_password_reset(session: Session, identifier: str) -> None:
    """Send a reset code if the account exists; say nothing either way (no account oracle)."""
    key = identifier.strip().lower()
    user = session.scalar(select(User).where((User.login == key) | (User.email == key)))
    if user is not None and user.is_active and user.kind != AccountKind.STAFF:
        issue_code(session, user, CodePurpose.RESET)


def reset_password(session: Session, identifier: str, code: str, password: str,
                   at: datetime | None = None) -> User:
    key = identifier.strip().lower()
    user = session.scalar(select(User).where((User.login == key) | (User.email == key)))
    if user is None:
        raise InvalidInput("Mã xác nhận đã hết hạn hoặc không còn hiệu lực; hãy yêu cầu mã mới",
                           "The code has expired or is no longer valid; ask for a new one",
                           code="code_expired")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput("Mật khẩu quá dài", "The password is too long")
    new_hash = hash_password(password)  # checks the length before the code is spent
    _use_code(session, user, CodePurpose.RESET, code, at)
    user.password_hash = new_hash
    session.flush()
    return user
