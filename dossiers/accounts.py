"""User accounts, role grants per agency, sessions, API tokens and password hashing."""

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

from dossiers import identity, passwords
from dossiers.actors import Actor
from dossiers.db import Base, utcnow
from dossiers.errors import InvalidInput, NotFound
from dossiers.lifecycle import Role

_hasher = PasswordHasher()
MIN_PASSWORD = passwords.MIN_LENGTH
TOKEN_LIFETIME = timedelta(days=90)  # MOTCUA_TOKEN_DAYS overrides it for new tokens


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
    # Every login session carries the generation it began in; logging out or resetting the
    # password moves it on, so every cookie signed before stops working on every server.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def actor(self) -> Actor:
        return Actor(
            user_id=self.id,
            login=self.login,
            full_name=self.full_name,
            grants=frozenset((Role(g.role), g.agency_id) for g in self.grants),
        )


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
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    def state(self, now: datetime | None = None) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= (now or utcnow()) else "active"


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự",
            f"The password needs at least {MIN_PASSWORD} characters",
            code="weak_password",
        )
    return _hasher.hash(password)


def spend_hashing_time(password: str) -> None:
    """The work of a real hash, for answers that must take as long without an account."""
    _hasher.hash(password[: passwords.MAX_LENGTH])


def personal_details(user: User) -> list[str | None]:
    return [user.login, user.full_name, user.email, user.phone, user.id_number, user.representative]


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
        raise InvalidInput(
            f"Tên đăng nhập {login} đã được dùng", f"Login {login} is taken", code="login_taken"
        )
    passwords.check(password, [login, full_name, *details.values()])
    user = User(
        login=login,
        full_name=full_name.strip(),
        kind=kind,
        password_hash=hash_password(password),
        **details,
    )
    for role, agency_id in grants or [(Role.CITIZEN, None)]:
        user.grants.append(RoleGrant(role=role, agency_id=agency_id))
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, login: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.login == login.strip().lower()))
    if user is None:
        spend_hashing_time(password)  # same work as a real check: timing reveals no login
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


def end_sessions(session: Session, user: User) -> None:
    """End every login session of ``user``, on every device (logout, password reset)."""
    user.session_generation += 1
    session.flush()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session,
    user: User,
    name: str,
    lifetime: timedelta = TOKEN_LIFETIME,
    now: datetime | None = None,
) -> str:
    """Create a bearer token; the clear value is returned once and never stored."""
    if not timedelta(minutes=1) <= lifetime <= timedelta(days=3650):
        raise InvalidInput(
            "Thời hạn token từ 1 phút đến 10 năm",
            "A token lasts from one minute to ten years",
            code="invalid_lifetime",
        )
    now = now or utcnow()
    token = "mc_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            name=name.strip()[:120] or "api",
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token


def user_for_token(session: Session, token: str, now: datetime | None = None) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.state(now) != "active" or not row.user.is_active:
        return None
    row.last_used_at = now or utcnow()
    return row.user


def list_tokens(session: Session, actor: Actor, login: str | None = None) -> list[ApiToken]:
    """The actor's own tokens; the operator (CLI) lists anyone's, or all."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if actor.is_system:
        if login:
            query = query.where(ApiToken.user_id == get_user(session, login).id)
    else:
        query = query.where(ApiToken.user_id == actor.user_id)
    return list(session.scalars(query))


def revoke_token(
    session: Session, actor: Actor, token_id: int, now: datetime | None = None
) -> ApiToken:
    """Revoke one token: its holder or the operator (CLI) may (idempotent)."""
    row = session.get(ApiToken, token_id)
    if row is None or not (row.user_id == actor.user_id or actor.is_system):
        raise NotFound("Không tìm thấy token", "Token not found")  # another's: not an oracle
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
        session.flush()
    return row


def revoke_all_tokens(session: Session, user: User, now: datetime | None = None) -> int:
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = now or utcnow()
    session.flush()
    return len(rows)


# --- Citizen and organisation accounts (NĐ 45/2020 Art. 7–8) --------------------------------

CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 5


class CodePurpose(StrEnum):
    CONFIRM = "confirm"  # confirm the e-mail or phone given at registration
    RESET = "reset"  # reset a forgotten password
    # A reset an administrator started for a member of staff (dossiers/staff.py): staff cannot
    # ask for a reset themselves, so a known e-mail address is not enough to take an account.
    ADMIN_RESET = "admin_reset"


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


def register(session: Session, data: Registration) -> User | None:
    """Create an unconfirmed applicant account and send its confirmation code.

    When the number or e-mail already has an account, nothing is created and the owner is
    told instead; the caller answers exactly as for a new account (same page, same words,
    the same argon2 work), so registering is no way to learn who has an account here.
    Returns the new account, or None.
    """
    if data.kind == AccountKind.STAFF:
        raise InvalidInput(
            "Không thể tự đăng ký tài khoản cán bộ", "Staff accounts are not self-registered"
        )
    if not data.full_name.strip():
        raise InvalidInput(
            "Cần nhập họ tên (hoặc tên tổ chức)", "A name is required", code="name_required"
        )
    if data.kind == AccountKind.ORGANISATION:
        number = identity.tax_code(data.id_number)
        if not (data.representative or "").strip():
            raise InvalidInput(
                "Tổ chức cần có người đại diện",
                "An organisation needs a representative",
                code="representative_required",
            )
    else:
        number = identity.citizen_id(data.id_number)
    email, phone = identity.email(data.email), identity.phone(data.phone)
    representative = (data.representative or "").strip() or None
    passwords.check(data.password, [data.full_name, number, email, phone, representative])
    owners = session.scalars(
        select(User).where(
            (User.login == number) | (User.id_number == number) | (User.email == email)
        )
    ).all()
    if owners:
        spend_hashing_time(data.password)
        for owner in owners:
            _tell_owner_of_registration(session, owner)
        return None
    user = create_user(
        session,
        login=number,
        full_name=data.full_name,
        password=data.password,
        kind=data.kind,
        email=email,
        phone=phone,
        id_number=number,
        representative=representative,
    )
    issue_code(session, user, CodePurpose.CONFIRM)
    return user


def _tell_owner_of_registration(session: Session, owner: User) -> None:
    from dossiers.outbox import enqueue

    enqueue(
        session,
        "notify",
        {
            "user_id": owner.id,
            "subject": "Có người đăng ký tài khoản bằng thông tin của bạn",
            "body": (
                "Vừa có yêu cầu đăng ký tài khoản Motcua bằng số giấy tờ hoặc thư điện tử "
                "của tài khoản này, nên không có tài khoản mới nào được tạo. Nếu đó là bạn, "
                "hãy đăng nhập, hoặc dùng chức năng Quên mật khẩu. Nếu không phải bạn, hãy bỏ "
                "qua thư này.\n\nSomeone asked to register a Motcua account with the ID "
                "number or e-mail of this account, so no new account was made. If it was "
                "you, log in or reset your password; if not, ignore this message."
            ),
        },
    )


def _code_digest(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{code}".encode()).hexdigest()


def issue_code(session: Session, user: User, purpose: CodePurpose) -> OneTimeCode:
    """Prepare a code that replaces any earlier unused one, to be made and sent on delivery.

    The outbox row names the code's row, never the code: the ``deliver_code`` job draws the
    digits when it sends them, keeps only their hash, and puts them in the message alone, so
    no table ever holds a usable code in clear.
    """
    from dossiers.outbox import enqueue

    now = utcnow()
    for old in session.scalars(
        select(OneTimeCode).where(
            OneTimeCode.user_id == user.id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None),
        )
    ):
        old.used_at = now
    row = OneTimeCode(
        user_id=user.id, purpose=purpose, created_at=now, code_hash="", expires_at=now + CODE_TTL
    )
    session.add(row)
    session.flush()
    enqueue(session, "deliver_code", {"code_id": row.id})
    return row


def draw_code(session: Session, code_id: int) -> tuple[OneTimeCode, User, str] | None:
    """Make the digits of a prepared code (delivery time); None when it is no longer wanted.

    Run twice (a job retried after a crash), it draws new digits: the last message sent
    carries the code that works.
    """
    row = session.get(OneTimeCode, code_id)
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None:
        return None
    code = f"{secrets.randbelow(10**6):06d}"
    row.code_hash = _code_digest(user.id, code)
    session.flush()
    return row, user, code


def _live_code(
    session: Session,
    user: User,
    purpose: CodePurpose,
    code: str,
    errors: tuple[InvalidInput, InvalidInput],
    at: datetime | None = None,
) -> OneTimeCode:
    """The user's current code if ``code`` matches it; every try counts."""
    expired, wrong = errors
    now = at or utcnow()
    row = session.scalar(
        select(OneTimeCode)
        .where(
            OneTimeCode.user_id == user.id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None),
        )
        .order_by(OneTimeCode.id.desc())
    )
    if row is None or row.expires_at <= now or row.attempts >= CODE_ATTEMPTS:
        raise expired
    row.attempts += 1
    session.flush()  # the failed try counts even though the caller reports an error
    if not row.code_hash or not hmac.compare_digest(
        row.code_hash, _code_digest(user.id, code.strip())
    ):
        raise wrong
    return row


def _expired() -> InvalidInput:
    return InvalidInput(
        "Mã xác nhận đã hết hạn hoặc không còn hiệu lực; hãy yêu cầu mã mới",
        "The code has expired or is no longer valid; ask for a new one",
        code="code_expired",
    )


def _bad_reset_code() -> InvalidInput:
    # One answer for an unknown account, a wrong code and a spent one: no account oracle.
    return InvalidInput(
        "Mã xác nhận không đúng hoặc đã hết hạn; hãy kiểm tra lại hoặc yêu cầu mã mới",
        "The code is wrong or has expired; check it or ask for a new one",
        code="invalid_code",
    )


def confirm_account(session: Session, user: User, code: str) -> None:
    row = _live_code(
        session,
        user,
        CodePurpose.CONFIRM,
        code,
        (_expired(), InvalidInput("Mã xác nhận không đúng", "Wrong code", code="wrong_code")),
    )
    row.used_at = user.confirmed_at = utcnow()
    session.flush()


def _find(session: Session, identifier: str) -> User | None:
    key = identifier.strip().lower()
    return session.scalar(select(User).where((User.login == key) | (User.email == key)))


def request_password_reset(session: Session, identifier: str) -> None:
    """Send a reset code if the account exists; say nothing either way (no account oracle)."""
    user = _find(session, identifier)
    if user is not None and user.is_active and user.kind != AccountKind.STAFF:
        issue_code(session, user, CodePurpose.RESET)


def reset_password(
    session: Session, identifier: str, code: str, password: str, at: datetime | None = None
) -> User:
    """Set a new password with a reset code; every session and API token of the account ends.

    The answers do not tell an unknown account from a known one: the same error, after the
    same argon2 work. The password is checked against the account's own details only once
    the code has proved the caller is the owner, and a refusal then leaves the code usable.
    """
    passwords.check(password)  # before the code is spent, the same for every account
    user = _find(session, identifier)
    if user is None or not user.is_active:
        spend_hashing_time(password)
        raise _bad_reset_code()
    new_hash = hash_password(password)  # the same argon2 work as for an unknown account
    purpose = CodePurpose.ADMIN_RESET if user.kind == AccountKind.STAFF else CodePurpose.RESET
    row = _live_code(session, user, purpose, code, (_bad_reset_code(), _bad_reset_code()), at)
    passwords.check(password, personal_details(user))
    user.password_hash = new_hash
    row.used_at = utcnow()
    end_sessions(session, user)
    revoke_all_tokens(session, user)
    return user
