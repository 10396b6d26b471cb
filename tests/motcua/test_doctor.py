"""`motcua doctor` says what is missing and what to do, and exits non-zero when something is.
(With everything in place it exits 0: tests/motcua/test_make_run.py.)"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from motcua import doctor
from tests.conftest import BACKENDS, fresh_database


def _doctor(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MOTCUA_") and k not in ("DATABASE_URL", "REDIS_URL")
    }
    environment.update(MOTCUA_INSTANCE=str(tmp_path / "instance"), **env)
    return subprocess.run(
        [sys.executable, "-m", "motcua.cli", "doctor"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _line(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if name in line)


def test_a_fresh_instance_is_told_to_migrate_and_make_keys(tmp_path: Path) -> None:
    done = _doctor(tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert _line(done.stdout, "database").startswith("LỖI")
    assert "→ motcua db upgrade" in done.stdout
    assert _line(done.stdout, "signing keys").startswith("LỖI")
    assert "`motcua demo`" in done.stdout
    assert _line(done.stdout, "file store").startswith("OK")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_migrated_database_passes_its_check(backend: str, tmp_path: Path) -> None:
    url = fresh_database(backend, "doctor", tmp_path)
    assert _line(_doctor(tmp_path, DATABASE_URL=url).stdout, "database").startswith("OK")


def test_unreachable_services_and_an_unwritable_store_are_named(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("")
    done = _doctor(
        tmp_path,
        REDIS_URL="redis://127.0.0.1:9/0",
        DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:9/none",
        MOTCUA_STORAGE=str(tmp_path / "not-a-folder" / "files"),
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    for name in ("Redis", "database", "file store"):
        assert _line(done.stdout, name).startswith("LỖI"), done.stdout
    assert "unset REDIS_URL" in done.stdout


def test_fonts_without_vietnamese_glyphs_are_refused(tmp_path: Path) -> None:
    from fontTools.ttLib import TTFont

    source = doctor.FONT_DIR / doctor.FONTS["serif"][0]
    with TTFont(str(source)) as font:
        for table in font["cmap"].tables:  # a Latin-only copy: no horn letters
            table.cmap = {c: g for c, g in table.cmap.items() if c < 0x180}
        for candidates in doctor.FONTS.values():
            target = tmp_path / candidates[0]
            target.parent.mkdir(parents=True, exist_ok=True)
            font.save(str(target))
    finding = doctor.fonts(tmp_path)
    assert not finding.ok
    assert "thiếu / lacks Ơ" in finding.detail or "lacks Đ" in finding.detail
    assert "fonts-liberation2" in finding.fix
    assert doctor.fonts().ok
