"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is a real server (TEST_DATABASE_URL, default 127.0.0.1:5432, trust auth): a test
that cannot reach it fails; nothing is skipped. Each test runs in an outer transaction that is
rolled back (warehouse style); tests that need real commits use ``committing``.
"""

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from dossiers.db import make_engine, make_sessionmaker
from dossiers.files import FileStore
from dossiers.models import Base
from motcua import migrate

PG_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/motcua_test"
)
BACKENDS = ["sqlite", "postgresql"]


def _fresh_postgres(name: str, template: str | None = None) -> str:
    url = make_url(PG_URL).set(database=name)
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    except Exception as error:  # noqa: BLE001
        pytest.fail(f"PostgreSQL is required for the tests ({PG_URL}): {error}")
    finally:
        admin.dispose()
    return url.render_as_string(hide_password=False)


_TEMPLATES: dict[str, str] = {}  # backend → a database migrated once per test run


def _sqlite_template() -> Path:
    """A SQLite file migrated to head once; every test's database is a copy of it."""
    if "sqlite" not in _TEMPLATES:
        folder = Path(tempfile.mkdtemp(prefix="motcua-template-"))
        atexit.register(shutil.rmtree, folder, True)
        migrate.upgrade(f"sqlite:///{folder / 'template.sqlite'}")
        _TEMPLATES["sqlite"] = str(folder / "template.sqlite")
    return Path(_TEMPLATES["sqlite"])


def _postgres_template(worker: str) -> str:
    """A PostgreSQL database migrated to head once, which CREATE DATABASE … TEMPLATE copies."""
    if "postgresql" not in _TEMPLATES:
        name = f"{make_url(PG_URL).database}_template_{worker}"
        migrate.upgrade(_fresh_postgres(name))
        _TEMPLATES["postgresql"] = name
    return _TEMPLATES["postgresql"]


def fresh_database(backend: str, name: str, tmp: Path) -> str:
    """A migrated, empty database of the given backend; returns its URL.

    The migrations run from nothing once per backend and test run, into a template copied
    for each test: running them for every app fixture cost much of the suite's time."""
    if backend == "sqlite":
        path = tmp / (name + ".sqlite")
        shutil.copyfile(_sqlite_template(), path)
        return f"sqlite:///{path}"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return _fresh_postgres(
        f"{make_url(PG_URL).database}_{name}_{worker}", template=_postgres_template(worker)
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tier is everything under tests/e2e (``-m "not browser"`` leaves it out)."""
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """argon2's cheapest parameters (``profiles.CHEAPEST``, made for tests) in this process.

    Real parameters cost ~50 ms a hash and the suite makes thousands of accounts; what is
    tested is the accounts' behaviour, not argon2. Hashes made elsewhere (the demo, CLI
    subprocesses, the browser tests' server) keep the real cost and still verify here."""
    from argon2 import PasswordHasher, profiles

    from dossiers import accounts

    real = accounts._hasher
    accounts._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    yield
    accounts._hasher = real


@pytest.fixture(scope="session")
def session_tmp() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="motcua-tests-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, session_tmp: Path) -> Iterator[Engine]:
    url = fresh_database(request.param, "shared", session_tmp)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose every commit is a savepoint inside one transaction rolled back after."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    db = factory()
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def committing(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory that really commits; every table is emptied afterwards."""
    factory = make_sessionmaker(engine)
    yield factory
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "files")


@pytest.fixture
def app_factory(tmp_path: Path) -> Any:
    """Build an app on a fresh migrated SQLite database (or the given URL)."""
    from motcua import create_app

    def build(**overrides: Any) -> Any:
        overrides.setdefault("DATABASE_URL", fresh_database("sqlite", "app", tmp_path))
        overrides.setdefault("MOTCUA_STORAGE", str(tmp_path / "files"))
        overrides.setdefault("SECRET_KEY", "test-secret")
        overrides.setdefault("REDIS_URL", None)
        overrides.setdefault("TESTING", True)
        return create_app(overrides)

    return build


@pytest.fixture
def app(app_factory: Any) -> Any:
    return app_factory()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()
