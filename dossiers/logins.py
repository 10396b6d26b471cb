"""Logging in under rate limits that slow guessing down without locking the owner out.

Two counters, each with growing delays rather than a hard lock (throttle.Backoff):
- per account, a few free tries, then waits that double up to one minute. Someone guessing
  from many addresses gets one try a minute at most; the owner, from anywhere, waits at most a
  minute, however long the guessing goes on;
- per address, more free tries (an office behind one NAT), then waits that double up to an
  hour: one machine guessing many accounts slows to a crawl, and only its own address does.
Each try is counted *before* the password is checked, in one atomic statement committed on
its own, so twenty simultaneous guesses get exactly the free tries checked. A try that succeeds
is given back.
"""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from dossiers import throttle
from dossiers.accounts import User, authenticate
from dossiers.db import utcnow
from dossiers.errors import TooManyAttempts

ACCOUNT = throttle.Backoff(
    free=5, first=timedelta(seconds=2), longest=timedelta(minutes=1), forget=timedelta(minutes=15)
)
ADDRESS = throttle.Backoff(
    free=30, first=timedelta(seconds=2), longest=timedelta(hours=1), forget=timedelta(hours=1)
)


def _keys(login: str, address: str) -> list[tuple[str, throttle.Backoff]]:
    # The attacker's own address first: a refused try then costs the account nothing.
    return [
        (f"login:address:{address}", ADDRESS),
        (f"login:account:{login.strip().lower()}", ACCOUNT),
    ]


class LoginDelayed(TooManyAttempts):
    """Not yet: ``wait`` says how long until the next try is allowed."""

    def __init__(self, wait: timedelta) -> None:
        seconds = max(1, int(wait.total_seconds() + 0.999))
        if seconds < 120:
            vi, en = f"{seconds} giây", f"{seconds} seconds"
        else:
            vi, en = f"{(seconds + 59) // 60} phút", f"{(seconds + 59) // 60} minutes"
        super().__init__(
            f"Đăng nhập sai nhiều lần; vui lòng thử lại sau {vi}",
            f"Too many failed attempts; try again in {en}",
        )
        self.wait = timedelta(seconds=seconds)


def log_in(
    session: Session,
    counters: sessionmaker[Session],
    login: str,
    password: str,
    address: str,
    now: datetime | None = None,
) -> User | None:
    """The account for ``login`` and ``password``, None when they do not match.

    ``counters`` opens sessions of their own for the counts, committed at once: every server
    sees a try the moment it starts, and the caller's transaction is never committed early.
    Raises TooManyAttempts, with how long to wait, when a counter says not yet.
    """
    now = now or utcnow()
    claimed: list[tuple[str, throttle.Backoff]] = []
    with counters() as counts:
        for key, backoff in _keys(login, address):
            wait = throttle.claim(counts, key, backoff, now)
            counts.commit()
            if wait:
                raise LoginDelayed(wait)
            claimed.append((key, backoff))
    user = authenticate(session, login, password)
    if user is not None:  # the refund rides with the caller's transaction, which logs in
        for key, backoff in claimed:
            throttle.release(session, key, backoff, now)
    return user
