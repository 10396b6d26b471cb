"""`motcua` starts light: `--help` and `scan-check` import neither Flask nor the app, nor any
heavy library (scripts and the hostile-file checks run them hundreds of times; the times are
in bench/bench_cli_startup.py). `python -m motcua.cli` is the same command."""

import json
import os
import subprocess
import sys
from pathlib import Path

from motcua import cli_signing
from tests import samples

HEAVY = (
    "flask",
    "sqlalchemy",
    "pyhanko",
    "pyhanko_certvalidator",
    "weasyprint",
    "pikepdf",
    "openpyxl",
    "cryptography",
    "rq",
    "redis",
    "fontTools",
    "uharfbuzz",
    "PIL",
    "alembic",
    "holidays",
    "yaml",
    "motcua.database",
    "dossiers.models",
)
# Run the command's entry point, then list what it imported; SystemExit is how click ends.
PROBE = """
import json, sys
sys.argv = ["motcua", *sys.argv[1:]]
from motcua.cli import cli
try:
    cli()
except SystemExit:
    pass
json.dump(sorted(sys.modules), sys.stderr)
"""


def _imported(*args: str, env: dict[str, str] | None = None) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(
        {m.split(".")[0] for m in modules if m.split(".")[0] in HEAVY}
        | {m for m in modules if m in HEAVY}
    )


def test_help_imports_no_heavy_module() -> None:
    assert _heavy(_imported("--help")) == []


def test_scan_check_imports_only_pikepdf(tmp_path: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(samples.pdf())
    env = {**os.environ, "MOTCUA_INSTANCE": str(tmp_path)}
    assert _heavy(_imported("scan-check", str(pdf), env=env)) == ["pikepdf"]


def _command_names(*launcher: str) -> list[str]:
    done = subprocess.run(
        [*launcher, "--help"], capture_output=True, text=True, check=True, timeout=120
    )
    listing = done.stdout.split("Commands:")[1]
    return [line.split()[0] for line in listing.splitlines() if line.startswith("  ")]


def test_python_m_motcua_cli_lists_every_command() -> None:
    script = Path(sys.executable).parent / "motcua"
    via_module = _command_names(sys.executable, "-m", "motcua.cli")
    assert via_module == _command_names(str(script))
    assert {
        "sign",
        "copy",
        "verify",
        "deadlines",
        "register",
        "control-sheet",
        "payments",
        "exchange",
        "doctor",
        "run",
    } <= set(via_module)


def test_the_copy_forms_offered_are_those_the_copy_accepts() -> None:
    from dossiers.signing import copy

    assert cli_signing.COPY_FORMS == copy.COPY_FORMS
