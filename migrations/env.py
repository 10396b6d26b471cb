"""Alembic environment: the URL comes from the caller (``motcua db …``) or DATABASE_URL."""

import os

from alembic import context

from dossiers.db import make_engine
from dossiers.models import Base
from payments import models as _payment_models  # noqa: F401 - the ledger's tables

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("DATABASE_URL is not set")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _migrate(conn)
    finally:  # `db check` ends by raising: its connection must close all the same
        engine.dispose()


def _migrate(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs batch mode for ALTER
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
