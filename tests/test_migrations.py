"""Models and migrations agree on both databases, and the migrations run down and up."""

from pathlib import Path

import pytest

from motcua import migrate
from tests.conftest import BACKENDS, fresh_database


@pytest.mark.parametrize("backend", BACKENDS)
def test_models_and_migrations_agree(backend: str, tmp_path: Path) -> None:
    url = fresh_database(backend, "migrations", tmp_path)
    migrate.check(url)  # raises when autogenerate would find a difference


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_go_down_and_up_again(backend: str, tmp_path: Path) -> None:
    url = fresh_database(backend, "roundtrip", tmp_path)
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    migrate.check(url)
