"""Database-backed rate-limit counters (shared by every app server)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from dossiers.throttle import clear, count, hit

WINDOW = timedelta(minutes=15)
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_hits_count_within_the_window_and_restart_after_it(session: Session) -> None:
    assert [hit(session, "login:x", WINDOW, T0 + timedelta(minutes=i)) for i in range(3)] \
        == [1, 2, 3]
    assert count(session, "login:x", WINDOW, T0 + timedelta(minutes=5)) == 3
    assert count(session, "login:x", WINDOW, T0 + timedelta(minutes=16)) == 0
    assert hit(session, "login:x", WINDOW, T0 + timedelta(minutes=16)) == 1


def test_keys_are_independent_and_can_be_cleared(session: Session) -> None:
    hit(session, "a", WINDOW, T0)
    hit(session, "b", WINDOW, T0)
    hit(session, "b", WINDOW, T0)
    clear(session, "b")
    assert (count(session, "a", WINDOW, T0), count(session, "b", WINDOW, T0)) == (1, 0)
