"""Rate limits kept in the database, so every app server sees the same counts."""

from datetime import timedelta

from flask import request

from dossiers import throttle
from dossiers.accounts import User, authenticate
from dossiers.errors import TooManyAttempts
from motcua.database import get_session

WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURES = 5  # failed logins per account per window
ADDRESS_ATTEMPTS = 30  # failed logins (any account) per address per window
LOOKUPS = 20  # public lookups per address per window


def client_address() -> str:
    # Behind a proxy, ProxyFix (MOTCUA_PROXY_COUNT) has already set remote_addr.
    return request.remote_addr or "unknown"


def checked_login(login: str, password: str) -> User | None:
    """Authenticate under the per-account and per-address limits (pages and API alike)."""
    if login_blocked(login):
        raise TooManyAttempts("Đăng nhập sai quá nhiều lần; vui lòng thử lại sau 15 phút",
                              "Too many failed attempts; try again in 15 minutes")
    user = authenticate(get_session(), login, password)
    if user is None:
        login_failed(login)
    else:
        login_succeeded(login)
    return user


def login_blocked(login: str) -> bool:
    session = get_session()
    return (throttle.count(session, f"login:account:{login.strip().lower()}", WINDOW)
            >= ACCOUNT_FAILURES
            or throttle.count(session, f"login:address:{client_address()}", WINDOW)
            >= ADDRESS_ATTEMPTS)


def login_failed(login: str) -> None:
    session = get_session()
    throttle.hit(session, f"login:account:{login.strip().lower()}", WINDOW)
    throttle.hit(session, f"login:address:{client_address()}", WINDOW)
    session.commit()


def login_succeeded(login: str) -> None:
    throttle.clear(get_session(), f"login:account:{login.strip().lower()}")


def over_limit(name: str, limit: int) -> bool:
    """Count one request of ``name`` from this address; True when over ``limit``."""
    session = get_session()
    count = throttle.hit(session, f"{name}:address:{client_address()}", WINDOW)
    session.commit()
    return count > limit
