"""Database-backed rate-limit counters (shared by every app server) and the login limits."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dossiers.errors import TooManyAttempts
from dossiers.logins import ACCOUNT, ADDRESS, LoginDelayed, log_in
from dossiers.throttle import Backoff, claim, clear, count, hit, release
from tests import factories as f

WINDOW = timedelta(minutes=15)
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_hits_count_within_the_window_and_restart_after_it(session: Session) -> None:
    assert [hit(session, "login:x", WINDOW, T0 + timedelta(minutes=i)) for i in range(3)] == [
        1,
        2,
        3,
    ]
    assert count(session, "login:x", WINDOW, T0 + timedelta(minutes=5)) == 3
    assert count(session, "login:x", WINDOW, T0 + timedelta(minutes=16)) == 0
    assert hit(session, "login:x", WINDOW, T0 + timedelta(minutes=16)) == 1


def test_keys_are_independent_and_can_be_cleared(session: Session) -> None:
    hit(session, "a", WINDOW, T0)
    hit(session, "b", WINDOW, T0)
    hit(session, "b", WINDOW, T0)
    clear(session, "b")
    assert (count(session, "a", WINDOW, T0), count(session, "b", WINDOW, T0)) == (1, 0)


BACKOFF = Backoff(
    free=3, first=timedelta(seconds=2), longest=timedelta(seconds=30), forget=timedelta(minutes=10)
)


def test_claims_are_free_then_wait_ever_longer_up_to_a_cap(session: Session) -> None:
    at, counted, waits = T0, 0, []
    while counted < 9:  # each try comes again as soon as it is told it may
        wait = claim(session, "k", BACKOFF, at)
        if wait:
            waits.append(wait.total_seconds())
            at += wait
        else:
            counted += 1
    assert waits == [2, 4, 8, 16, 30, 30]  # three free tries, then doubling up to the cap


def test_a_quiet_key_starts_again_and_a_success_is_given_back(session: Session) -> None:
    for _ in range(3):
        claim(session, "k", BACKOFF, T0)
    assert claim(session, "k", BACKOFF, T0) == timedelta(seconds=2)
    release(session, "k", BACKOFF, T0)  # the third try was the right password
    assert claim(session, "k", BACKOFF, T0) == timedelta(0)
    later = T0 + timedelta(seconds=2) + BACKOFF.forget
    assert [claim(session, "k", BACKOFF, later) for _ in range(4)][-1] == timedelta(seconds=2)


@pytest.mark.parametrize("guesses", [20])
def test_twenty_simultaneous_guesses_check_only_the_free_tries(
    committing: sessionmaker[Session], guesses: int
) -> None:
    with committing() as db:
        f.user(db, login="lan")
        db.commit()
    barrier = threading.Barrier(guesses)

    def guess(n: int) -> str:
        barrier.wait()
        with committing() as db:
            try:
                user = log_in(db, committing, "lan", f"sai mật khẩu {n}", "10.0.0.9", T0)
            except TooManyAttempts:
                return "refused"
            return "checked" if user is None else "logged in"

    with ThreadPoolExecutor(guesses) as pool:
        answers = list(pool.map(guess, range(guesses)))
    assert answers.count("checked") == ACCOUNT.free
    assert answers.count("refused") == guesses - ACCOUNT.free


def test_a_guesser_cannot_keep_the_owner_out_for_long(committing: sessionmaker[Session]) -> None:
    with committing() as db:
        f.user(db, login="lan")
        db.commit()

    def attempt(password: str, address: str, at: datetime) -> object:
        with committing() as db:  # one request, one session
            return log_in(db, committing, "lan", password, address, at)

    at = T0
    for n in range(60):  # guessing from many addresses, as fast as it is allowed
        try:
            attempt("sai mật khẩu", f"10.0.0.{n}", at)
        except TooManyAttempts:
            at += timedelta(seconds=20)
    # The owner, from home, is asked to wait at most the account's longest delay, then gets in.
    with pytest.raises(LoginDelayed) as error:
        attempt(f.PASSWORD, "203.0.113.5", at)
    assert "giây" in error.value.message
    assert error.value.wait <= ACCOUNT.longest == timedelta(minutes=1)
    assert attempt(f.PASSWORD, "203.0.113.5", at + error.value.wait) is not None


def test_one_address_guessing_many_accounts_is_slowed_down_for_long(
    committing: sessionmaker[Session],
) -> None:
    def attempt(login: str, address: str, at: datetime) -> object:
        with committing() as db:
            return log_in(db, committing, login, "sai mật khẩu", address, at)

    at, waits, n = T0, [], 0
    while len(waits) < 13:  # a new account each time: only the address counts
        n += 1
        try:
            attempt(f"nobody{n}", "10.6.6.6", at)
        except LoginDelayed as error:
            waits.append(error.wait.total_seconds())
            at += error.wait
    assert n == ADDRESS.free + 13 + 12  # the free tries, then one try after each wait
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600, 3600]
    assert attempt("someone", "10.7.7.7", at) is None  # another address is not slowed
