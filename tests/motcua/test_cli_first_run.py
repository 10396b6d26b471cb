"""Every `motcua` command on a fresh (empty) or unmigrated database answers in one line, never
with a traceback; the default SQLite database under the instance folder migrates itself."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from motcua import migrate
from motcua.cli import cli
from motcua.cli_base import NOT_MIGRATED
from tests import samples
from tests.conftest import BACKENDS, PG_URL, _fresh_postgres

FIRST_REVISION = "ea7adba16778"  # the initial schema: later tables and columns are missing
# Arguments that get each command past its own checks to the database. Commands that serve,
# open a shell or write migration files are run elsewhere (or not at all).
ARGS: dict[str, list[str]] = {
    "agencies import": ["{tmp}/agencies.yaml"],
    "agencies list": [],
    "calendar due": ["--from", "2026-02-13T09:00+07:00", "--days", "5"],
    "calendar holidays": ["2026"],
    "calendar set": ["2026-12-31", "--off", "--reason", "QĐ thử"],
    "calendar unset": ["2026-12-31"],
    "control-sheet": ["000.00.01.H20-261201-0001", "--out", "{tmp}/phieu.pdf"],
    "copy": ["{pdf}", "--agency", "000.00.01.H20", "--out", "{tmp}/sao.pdf"],
    "deadlines check": [],
    "demo": [],
    "scan-check": ["{pdf}"],
    "exchange export-edxml": ["000.00.01.H20-261201-0001"],
    "exchange log": [],
    "exchange peers add": [
        "peer",
        "--url",
        "http://127.0.0.1:9",
        "--agency",
        "000.00.01.H20",
        "--cert",
        "{pdf}",
    ],
    "exchange peers list": [],
    "exchange peers new-token": ["peer"],
    "exchange peers set": ["peer", "--active"],
    "exchange retry": ["--all"],
    "files gc": [],
    "outbox sweep": [],
    "payments finance": ["--from", "2026-11-01", "--to", "2026-11-30"],
    "payments reconcile": [],
    "procedures import": ["{tmp}/catalogue.yaml"],
    "procedures list": [],
    "register": [
        "--agency",
        "000.00.01.H20",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--out",
        "{tmp}/so.pdf",
    ],
    "sign": ["{pdf}", "--signer", "lanhdao.tc", "--out", "{tmp}/kq.pdf"],
    "sign-attachment": [
        "{pdf}",
        "--agency",
        "000.00.01.H20",
        "--number",
        "1/QĐ-UBND",
        "--out",
        "{tmp}/pl.pdf",
    ],
    "tokens create": ["congdan"],
    "users create": ["newcomer", "--name", "Người Mới", "--password", "mat-khau-dai-2026"],
    "verify": ["{pdf}"],
    "worker": ["--burst"],
}
NOT_RUN = {"run", "shell", "routes", "sandbox-gateway", "db revision", "db upgrade", "db downgrade"}


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[str]:
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append(" ".join((*path, name)))
    return found


COMMANDS = [c for c in _commands(cli) if c not in NOT_RUN]


def test_the_argument_table_names_real_commands() -> None:
    assert set(ARGS) | NOT_RUN <= set(_commands(cli))


def _empty_database(backend: str, name: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / (name + '.sqlite')}"
    from sqlalchemy.engine import make_url

    return _fresh_postgres(f"{make_url(PG_URL).database}_{name}")


@pytest.fixture(
    scope="module",
    params=[(b, s) for b in BACKENDS for s in ("fresh", "behind")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    backend, state = request.param
    url = _empty_database(backend, f"firstrun_{state}", tmp_path_factory.mktemp(state))
    if state == "behind":
        migrate.upgrade(url, FIRST_REVISION)
    return url


@pytest.fixture
def invoke(database: str, tmp_path: Path) -> Any:
    (tmp_path / "catalogue.yaml").write_text("procedures: []\n", encoding="utf-8")
    (tmp_path / "agencies.yaml").write_text("agencies: []\n", encoding="utf-8")
    (tmp_path / "doc.pdf").write_bytes(samples.pdf())
    env = {
        "DATABASE_URL": database,
        "MOTCUA_INSTANCE": str(tmp_path / "instance"),
        "MOTCUA_STORAGE": str(tmp_path / "files"),
        "SECRET_KEY": "test",
        "REDIS_URL": "",
    }

    def run(command: str) -> Any:
        args = [a.format(tmp=tmp_path, pdf=tmp_path / "doc.pdf") for a in ARGS.get(command, [])]
        return CliRunner().invoke(cli, [*command.split(), *args], env=env)

    return run


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_answers_an_unmigrated_database_in_one_line(
    invoke: Any, command: str
) -> None:
    result = invoke(command)
    assert result.exception is None or isinstance(result.exception, SystemExit), "".join(
        __import__("traceback").format_exception(result.exception)
    )
    assert "Traceback" not in result.output
    if NOT_MIGRATED in result.output:
        assert result.exit_code == 1
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_a_command_needing_the_tables_says_to_migrate(invoke: Any) -> None:
    result = invoke("procedures list")
    assert result.exit_code == 1
    assert result.output.startswith(NOT_MIGRATED)


def _motcua(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "motcua.cli", *args],
        env=env,
        text=True,
        capture_output=True,
        check=False,
        timeout=120,
    )


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none",
        "MOTCUA_INSTANCE": str(tmp_path),
        "SECRET_KEY": "t",
        "REDIS_URL": "",
    }
    done = _motcua("procedures", "list", env=env)
    assert done.returncode == 1
    assert done.stderr.startswith("Lỗi: không kết nối được cơ sở dữ liệu")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_serving_an_unmigrated_database_is_refused_in_one_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}",
        "MOTCUA_INSTANCE": str(tmp_path),
        "SECRET_KEY": "t",
        "REDIS_URL": "",
    }
    done = _motcua("run", "--port", "9", env=env)
    assert done.returncode == 1
    assert done.stderr.strip() == NOT_MIGRATED


def test_the_default_sqlite_database_migrates_itself(tmp_path: Path) -> None:
    """A newcomer's first command, before any `motcua db upgrade`: DATABASE_URL unset."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(MOTCUA_INSTANCE=str(tmp_path / "instance"), REDIS_URL="")
    done = _motcua("procedures", "list", env=env)
    assert done.returncode == 0, done.stderr
    assert "migrated the default SQLite database" in done.stderr
    assert migrate.is_current(f"sqlite:///{tmp_path / 'instance' / 'motcua.sqlite'}")
    again = _motcua("procedures", "list", env=env)
    assert again.returncode == 0
    assert again.stderr == ""
