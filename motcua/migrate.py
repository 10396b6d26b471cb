"""Alembic driven from the ``motcua db`` commands, on the app's configured database."""

from alembic import command
from alembic.config import Config

from motcua.config import ROOT


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # Revision files start with their date (STYLE.md).
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def check(url: str) -> None:
    """Raise when the models and the migrations disagree."""
    command.check(alembic_config(url))


def revision(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)


def is_current(url: str) -> bool:
    """Whether the database is at the newest revision (False for an empty one)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from dossiers.db import make_engine

    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads()) == heads
    finally:
        engine.dispose()


def upgrade_if_behind(url: str) -> bool:
    """Migrate to the newest revision when needed; whether it did."""
    if is_current(url):
        return False
    upgrade(url)
    return True
