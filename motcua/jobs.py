"""Running outbox rows: inline after commit without Redis, through RQ workers with it."""

import logging
import threading
import time
from datetime import datetime
from typing import Any

from flask import Flask

from dossiers import inbox  # noqa: F401 - registers the notify handler
from dossiers.files import FileStore
from dossiers.outbox import JobContext, due_ids, run_message

log = logging.getLogger(__name__)
QUEUE = "motcua"
_worker_app: Flask | None = None


def _context(app: Flask) -> JobContext:
    return JobContext(settings=dict(app.config), store=FileStore(app.config["MOTCUA_STORAGE"]))


class InlineDispatcher:
    """No Redis: run each job in this process right after the commit that wrote it."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def dispatch(self, ids: list[int]) -> None:
        from motcua.database import get_db

        db = get_db(self.app)
        for message_id in ids:
            run_message(db.factory, message_id, _context(self.app))


class RQDispatcher:
    """Redis configured: hand the ids to RQ; a Redis outage leaves the rows for the sweeper."""

    def __init__(self, app: Flask) -> None:
        from redis import Redis
        from rq import Queue

        self.queue = Queue(QUEUE, connection=Redis.from_url(app.config["REDIS_URL"]))

    def dispatch(self, ids: list[int]) -> None:
        from redis.exceptions import RedisError
        from rq import Retry
        from rq.exceptions import DuplicateJobError

        for message_id in ids:
            try:
                # One job id per row, enqueued unique: the sweeper re-sending a row that is
                # still queued adds nothing. result_ttl=0 drops a finished job at once, so a
                # row that failed and waits for its backoff can be queued again. Retry makes
                # RQ re-run a job whose worker died (DESIGN "Known traps").
                self.queue.enqueue(
                    run_outbox,
                    message_id,
                    job_id=f"outbox-{message_id}",
                    unique=True,
                    result_ttl=0,
                    failure_ttl=86400,
                    retry=Retry(max=5, interval=[10, 30, 60, 300, 900]),
                )
            except DuplicateJobError:
                pass
            except RedisError:
                log.warning("Redis unavailable; outbox #%s left for the sweeper", message_id)


def make_dispatcher(app: Flask) -> Any:
    return RQDispatcher(app) if app.config.get("REDIS_URL") else InlineDispatcher(app)


def run_outbox(message_id: int) -> bool:
    """The RQ job: run one outbox row (idempotent)."""
    from motcua import create_app
    from motcua.database import get_db

    global _worker_app
    if _worker_app is None:
        _worker_app = create_app()
    return run_message(get_db(_worker_app).factory, message_id, _context(_worker_app))


def sweep(app: Flask, limit: int = 100, now: datetime | None = None) -> int:
    """Dispatch pending rows left behind (Redis was down, a process died) or waiting for a
    retry (webhooks). Returns how many; ``now`` lets a test step past a backoff."""
    from motcua.database import get_db

    db = get_db(app)
    with db.factory() as session:
        ids = due_ids(session, limit=limit, now=now)
    if ids:
        app.extensions["motcua.dispatcher"].dispatch(ids)
    return len(ids)


def collect_files(app: Flask) -> int:
    """Remove stored files no committed row names (uploads whose transaction rolled back)."""
    from dossiers.files import collect_orphans
    from motcua.database import get_db

    with get_db(app).factory() as session:
        return collect_orphans(session, FileStore(app.config["MOTCUA_STORAGE"]))


def check_deadlines(app: Flask) -> int:
    """Prepare apology letters for dossiers about to miss their promise (one open each)."""
    from dossiers.apologies import sweep as prepare_apologies
    from motcua.database import get_db

    with get_db(app).factory() as session:
        prepared = prepare_apologies(session)
        session.commit()
    return len(prepared)


def start_sweeper(app: Flask, every: float = 30.0) -> threading.Thread:
    def loop() -> None:
        last_collect = last_deadlines = 0.0
        while True:
            try:
                sweep(app)
                if time.monotonic() - last_collect > 3600:
                    collect_files(app)
                    last_collect = time.monotonic()
                if time.monotonic() - last_deadlines > 900:
                    check_deadlines(app)
                    last_deadlines = time.monotonic()
            except Exception:  # noqa: BLE001 - the sweeper must outlive a bad moment
                log.exception("outbox sweep failed")
            time.sleep(every)

    thread = threading.Thread(target=loop, name="outbox-sweeper", daemon=True)
    thread.start()
    return thread
