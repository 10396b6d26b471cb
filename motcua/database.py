"""One database session per request (or CLI command, or job); outbox dispatch after commit."""

from typing import Any, Protocol

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from dossiers.db import make_engine, make_sessionmaker
from dossiers.outbox import take_new_ids


class Dispatcher(Protocol):
    def dispatch(self, ids: list[int]) -> None: ...


class Database:
    def __init__(
        self, url: str, dispatcher: Dispatcher | None = None, **engine_options: Any
    ) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_options)
        self.factory: sessionmaker[Session] = make_sessionmaker(self.engine)
        self.dispatcher = dispatcher

        # Outbox rows go to the dispatcher only once the transaction that wrote them has
        # committed; the dispatcher opens sessions of its own.
        @event.listens_for(self.factory, "after_commit")
        def _dispatch(session: Session) -> None:
            ids = take_new_ids(session)
            if ids and self.dispatcher is not None:
                self.dispatcher.dispatch(ids)

        @event.listens_for(self.factory, "after_soft_rollback")
        def _forget(session: Session, previous: Any) -> None:
            if previous.parent is None:  # the whole transaction, not a savepoint
                take_new_ids(session)


def init_app(app: Flask, dispatcher: Dispatcher) -> Database:
    db = Database(app.config["DATABASE_URL"], dispatcher)
    app.extensions["motcua.db"] = db

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()

    return db


def get_db(app: Flask | None = None) -> Database:
    db: Database = (app or current_app).extensions["motcua.db"]
    return db


def get_session() -> Session:
    """The request's session; the view (or command) that changes things commits it."""
    if "db_session" not in g:
        g.db_session = get_db().factory()
    session: Session = g.db_session
    return session
