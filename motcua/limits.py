"""Rate limits kept in the database, so every app server sees the same counts.

The counters use a session of their own, committed at once: a count never waits for, nor
commits, the request's own transaction.
"""

from datetime import timedelta

from flask import request

from dossiers import logins, throttle
from dossiers.accounts import User
from motcua.clock import now
from motcua.database import get_db, get_session

WINDOW = timedelta(minutes=15)
LOOKUPS = 20  # public lookups per address per window


def client_address() -> str:
    # Behind a proxy, ProxyFix (MOTCUA_PROXY_COUNT) has already set remote_addr.
    return request.remote_addr or "unknown"


def _sqlite_lock_released() -> None:
    """On SQLite every transaction holds the write lock (BEGIN IMMEDIATE), so a counter's own
    connection would wait for the request's. Limits are checked before a view changes
    anything and the auth step ends its reads (motcua.auth), so this finds nothing to do
    unless some read came first; it then ends that read-only transaction."""
    request_session = get_session()
    if request_session.get_bind().dialect.name == "sqlite" and request_session.in_transaction():
        request_session.commit()


def checked_login(login: str, password: str) -> User | None:
    """Authenticate under the per-account and per-address limits (pages and API alike)."""
    _sqlite_lock_released()
    return logins.log_in(get_session(), get_db().factory, login, password, client_address(), now())


def over_limit(name: str, limit: int) -> bool:
    """Count one request of ``name`` from this address; True when over ``limit``."""
    _sqlite_lock_released()
    with get_db().factory() as counts:
        count = throttle.hit(counts, f"{name}:address:{client_address()}", WINDOW, now())
        counts.commit()
    return count > limit
