"""The outbox: work committed with the change, dispatched after commit, run once."""

import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dossiers.inbox import Message
from dossiers.outbox import (
    HANDLERS,
    JobContext,
    OutboxMessage,
    due_ids,
    enqueue,
    handler,
    run_message,
)
from motcua.database import get_db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
calls: list[dict[str, Any]] = []
peer = {"up": True}  # the remote system the flaky job talks to


@handler("test_flaky")
def _flaky(session: Session, payload: dict[str, Any], ctx: JobContext) -> None:
    calls.append(payload)
    if payload.get("fail") and not peer["up"]:
        raise RuntimeError("peer unavailable")


def _notify(db: Session, user_id: int, key: str) -> OutboxMessage:
    return enqueue(
        db,
        "notify",
        {"user_id": user_id, "subject": "Hồ sơ đã tiếp nhận", "body": "Nội dung"},
        key=key,
    )


def _citizen(factory: sessionmaker[Session]) -> int:
    from tests import factories as f

    with factory() as db:
        user = f.user(db)
        db.commit()
        return user.id


def test_enqueue_with_the_same_key_is_a_no_op(session: Session) -> None:
    assert "notify" in HANDLERS
    first = enqueue(session, "test_flaky", {"n": 1}, key="once")
    assert enqueue(session, "test_flaky", {"n": 2}, key="once") is first


def test_a_job_run_twice_writes_one_message(committing: sessionmaker[Session]) -> None:
    user_id = _citizen(committing)
    with committing() as db:
        message = _notify(db, user_id, "k1")
        message_id, payload = message.id, dict(message.payload)
        db.commit()
    # A worker that died after running the handler but before marking the row done: the
    # handler's work is committed, the row still pending. The next worker runs it again and
    # the handler itself must not write a second message.
    with committing() as db:
        HANDLERS["notify"](db, payload, JobContext(message_id=message_id))
        db.commit()
    assert run_message(committing, message_id, JobContext())
    assert run_message(committing, message_id, JobContext())  # already done: nothing more
    with committing() as db:
        assert db.get(OutboxMessage, message_id).state == "done"
        assert len(db.scalars(select(Message).where(Message.user_id == user_id)).all()) == 1


def test_a_failing_job_is_retried_with_backoff(committing: sessionmaker[Session]) -> None:
    calls.clear()
    peer["up"] = False
    with committing() as db:
        message_id = enqueue(db, "test_flaky", {"fail": True}).id
        db.commit()
    assert not run_message(committing, message_id, JobContext())
    with committing() as db:
        row = db.get(OutboxMessage, message_id)
        assert row.state == "pending"
        assert row.attempts == 1
        assert "peer unavailable" in row.last_error
        assert row.run_after > row.created_at
        assert message_id not in due_ids(db)  # waits for its backoff
    peer["up"] = True  # the peer is back
    assert run_message(committing, message_id, JobContext())
    assert len(calls) == 2


def test_app_runs_jobs_inline_after_commit_and_not_after_rollback(app: Any) -> None:
    db = get_db(app)
    user_id = _citizen(db.factory)
    with db.factory() as session:
        _notify(session, user_id, "rolled-back")
        session.rollback()
    with db.factory() as session:
        _notify(session, user_id, "committed")
        session.commit()  # the inline dispatcher runs the job now
    with db.factory() as session:
        # (The account's confirmation code was delivered to the inbox too: not this job's.)
        messages = session.scalars(
            select(Message).where(
                Message.user_id == user_id, Message.subject == "Hồ sơ đã tiếp nhận"
            )
        ).all()
        states = dict(
            session.execute(
                select(OutboxMessage.key, OutboxMessage.state).where(OutboxMessage.job == "notify")
            ).all()
        )
    assert len(messages) == 1
    assert states == {"committed": "done"}


def test_with_redis_an_rq_worker_runs_the_job(app_factory: Any, tmp_path: Any) -> None:
    redis = Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except Exception as error:  # noqa: BLE001
        pytest.fail(f"Redis is required for the tests ({REDIS_URL}): {error}")
    redis.flushdb()
    app = app_factory(REDIS_URL=REDIS_URL)
    db = get_db(app)
    user_id = _citizen(db.factory)
    queued_before = redis.llen("rq:queue:motcua")  # the account's confirmation code
    with db.factory() as session:
        message_id = _notify(session, user_id, "via-rq").id
        session.commit()
    with db.factory() as session:
        assert session.get(OutboxMessage, message_id).state == "pending"
    assert redis.llen("rq:queue:motcua") == queued_before + 1

    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "REDIS_URL": REDIS_URL,
        "MOTCUA_STORAGE": app.config["MOTCUA_STORAGE"],
        "SECRET_KEY": "test-secret",
    }
    worker = subprocess.run(
        [sys.executable, "-m", "motcua.cli", "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr
    with db.factory() as session:
        assert session.get(OutboxMessage, message_id).state == "done"
        assert session.scalar(
            select(Message.id).where(Message.user_id == user_id, Message.outbox_id == message_id)
        )
    redis.flushdb()


def test_redis_down_delays_work_but_loses_none(app_factory: Any) -> None:
    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    db = get_db(app)
    user_id = _citizen(db.factory)
    with db.factory() as session:
        message_id = _notify(session, user_id, "redis-down").id
        session.commit()  # dispatch fails quietly; the row stays
    with db.factory() as session:
        row = session.get(OutboxMessage, message_id)
        assert row.state == "pending"
    # Redis is back (here: the inline dispatcher): the sweeper finds the row and runs it.
    from motcua.jobs import InlineDispatcher, sweep

    app.extensions["motcua.dispatcher"] = InlineDispatcher(app)
    with db.factory() as session:
        session.get(OutboxMessage, message_id).created_at -= timedelta(minutes=5)
        session.commit()
    assert sweep(app) == 1
    with db.factory() as session:
        assert session.get(OutboxMessage, message_id).state == "done"
