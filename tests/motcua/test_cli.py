"""The `motcua` command, invoked as operators and scripts do."""

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, select

from dossiers.db import make_engine
from dossiers.models import Base
from motcua.cli import cli
from tests.conftest import BACKENDS, fresh_database

DEMO_CATALOGUE = Path(__file__).resolve().parents[2] / "motcua" / "demo" / "catalogue.yaml"


@pytest.fixture
def run(tmp_path: Path) -> Any:
    env = {
        "DATABASE_URL": fresh_database("sqlite", "cli", tmp_path),
        "MOTCUA_STORAGE": str(tmp_path / "files"),
        "SECRET_KEY": "test",
        "REDIS_URL": "",
    }

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return invoke


def test_calendar_due_over_tet(run: Any) -> None:
    result = run("calendar", "due", "--from", "2026-02-13T09:00+07:00", "--days", "5")
    assert result.exit_code == 0
    assert result.output.strip() == "2026-02-27T17:00:00+07:00"


def test_calendar_due_with_a_cut_off_hour(run: Any) -> None:
    result = run(
        "calendar", "due", "--from", "2026-03-06T15:30+07:00", "--days", "0", "--cut-off", "15:00"
    )
    assert result.output.strip() == "2026-03-09T17:00:00+07:00"  # Friday after 15:00: Monday


def test_calendar_due_refuses_a_time_without_offset(run: Any) -> None:
    result = run("calendar", "due", "--from", "2026-02-13T09:00", "--days", "5")
    assert result.exit_code == 2
    assert "+07:00" in result.output


def test_calendar_holidays_lists_the_year_and_overrides(run: Any) -> None:
    assert run("calendar", "set", "2026-12-31", "--off", "--reason", "QĐ thử").exit_code == 0
    listing = json.loads(run("calendar", "holidays", "2026", "--json").output)
    days = {d["day"]: d for d in listing}
    assert days["2026-04-27"]["working"] is False  # Giỗ Tổ observed on Monday
    assert days["2026-12-31"] == {
        "day": "2026-12-31",
        "working": False,
        "reason": "QĐ thử",
        "source": "override",
    }
    assert run("calendar", "unset", "2026-12-31").exit_code == 0
    assert run("calendar", "unset", "2026-12-31").exit_code == 1


def test_demo_loads_once_and_prints_its_accounts(run: Any) -> None:
    first = json.loads(run("demo", "--json").output)
    second = json.loads(run("demo", "--json").output)
    assert first["users"] == second["users"]
    assert first["agencies"] == second["agencies"]
    roles = {u["role"] for u in first["users"]}
    assert roles == {"citizen", "reception", "officer", "leader", "supervisor", "admin"}
    codes = {a["code"] for a in first["agencies"]}
    assert all(u["agency"] in codes for u in first["users"] if u["role"] != "citizen")
    assert first["procedures"] >= 12
    assert set(first["users"][0]) == {"login", "password", "role", "agency", "full_name"}
    listing = run("procedures", "list", "-q", "khai sinh").output
    assert "1.001193" in listing


def test_procedures_import_reports_and_refuses_bad_files(run: Any, tmp_path: Path) -> None:
    run("demo")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"procedures": [{"code": "1.1", "name": "X"}]}))
    result = run("procedures", "import", str(bad))
    assert result.exit_code == 1
    assert "procedures[1].field" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("procedures: [unclosed")
    assert run("procedures", "import", str(broken)).exit_code == 1
    demo_file = Path(__file__).resolve().parents[2] / "motcua" / "demo" / "catalogue.yaml"
    again = run("procedures", "import", str(demo_file))
    assert again.exit_code == 0
    assert "không đổi: 15" in again.output


def test_tokens_are_issued_for_existing_users(run: Any) -> None:
    run("demo")
    token = run("tokens", "create", "congdan").output.strip()
    assert token.startswith("mc_")
    assert len(token) > 30
    assert run("tokens", "create", "nobody").exit_code == 1


def test_db_check_says_models_and_migrations_agree(run: Any) -> None:
    result = run("db", "check")
    assert result.exit_code == 0
    assert "agree" in result.output


def test_files_gc_runs(run: Any) -> None:
    result = run("files", "gc")
    assert result.exit_code == 0
    assert result.output.strip() == "0"


def test_calendar_due_refuses_a_bad_cut_off_and_huge_values(run: Any) -> None:
    bad = run(
        "calendar", "due", "--from", "2026-02-13T09:00+07:00", "--days", "1", "--cut-off", "25:00"
    )
    assert bad.exit_code == 2
    huge = run("calendar", "due", "--from", "2026-02-13T09:00+07:00", "--calendar-days", "99999999")
    assert huge.exit_code == 2


def test_importer_refuses_malformed_agencies_and_huge_limits(run: Any, tmp_path: Path) -> None:
    run("demo")
    for changes in ({"agencies": ["A"]}, {"time_limit": {"value": 10**20, "unit": "working_days"}}):
        entry = {
            "code": "9.000001",
            "name": "Thử",
            "field": "Thử",
            "time_limit": {"value": 1, "unit": "working_days"},
        } | changes
        path = tmp_path / "c.yaml"
        path.write_text(yaml.safe_dump({"procedures": [entry]}, allow_unicode=True))
        result = run("procedures", "import", str(path))
        assert result.exit_code == 1
        assert "procedures[1]" in result.output


def test_tokens_are_listed_without_secrets_and_revoked(run: Any) -> None:
    run("demo")
    first = run("tokens", "create", "congdan", "--name", "kế toán", "--days", "7").output.strip()
    run("tokens", "create", "congdan", "--name", "thống kê")
    listing = run("tokens", "list", "--user", "congdan", "--json")
    rows = json.loads(listing.output)
    assert [r["name"] for r in rows] == ["thống kê", "kế toán"]
    assert first not in listing.output
    assert "mc_" not in listing.output
    assert {r["state"] for r in rows} == {"active"}
    assert run("tokens", "revoke", str(rows[1]["id"])).exit_code == 0
    states = {
        r["name"]: r["state"]
        for r in json.loads(run("tokens", "list", "--json").output)
        if r["login"] == "congdan"
    }
    assert states == {"thống kê": "active", "kế toán": "revoked"}
    assert run("tokens", "revoke", "--user", "congdan").exit_code == 0
    assert "active" not in run("tokens", "list", "--user", "congdan").output
    assert run("tokens", "revoke", "999999").exit_code == 1


# --- on both databases ----------------------------------------------------------------------
# SQLite does not enforce VARCHAR lengths; PostgreSQL does, so real data must load there too.


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database(request.param, "cli", tmp_path)


def _runner(database: str, tmp_path: Path) -> Any:
    env = {
        "DATABASE_URL": database,
        "MOTCUA_STORAGE": str(tmp_path / "files"),
        "MOTCUA_PKI_DIR": str(tmp_path / "pki"),
        "SECRET_KEY": "test",
        "REDIS_URL": "",
    }

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return invoke


def _row_counts(database: str) -> dict[str, int]:
    engine = make_engine(database)
    try:
        with engine.connect() as conn:
            return {
                table.name: conn.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_demo_loads_on_both_databases_and_twice_changes_nothing(
    database: str, tmp_path: Path
) -> None:
    run = _runner(database, tmp_path)
    first = run("demo", "--json")
    assert first.exit_code == 0, first.output
    counts = _row_counts(database)
    assert counts["procedure_versions"] == json.loads(first.output)["procedures"] == 15
    assert counts["dossiers"] > 0
    again = run("demo", "--json")
    assert again.exit_code == 0, again.output
    assert _row_counts(database) == counts
    longest = max(
        yaml.safe_load(DEMO_CATALOGUE.read_text())["procedures"], key=lambda p: len(p["name"])
    )
    assert (longest["code"], len(longest["name"])) == ("1.013831", 569)
    assert longest["name"] in run("procedures", "list").output


def test_a_catalogue_with_long_free_text_imports_on_both_databases(
    database: str, tmp_path: Path
) -> None:
    """1.013831's published name has 569 characters; fields, fees, steps and decisions in
    real catalogues are as long."""
    run = _runner(database, tmp_path)
    real = next(
        p
        for p in yaml.safe_load(DEMO_CATALOGUE.read_text())["procedures"]
        if p["code"] == "1.013831"
    )
    long_text = "Thủ tục hành chính lĩnh vực đất đai, tài nguyên và môi trường; " * 12
    entry = {
        "code": "1.013831",
        "name": real["name"],
        "field": long_text,
        "level": "province",
        "online_level": "mot_phan",
        "valid_from": "2025-07-01",
        "time_limit": {"value": 10, "unit": "working_days"},
        "publishing_decision": long_text,
        "fees": [{"kind": long_text, "amount_vnd": 25000, "per": long_text}],
        "components": [{"name": long_text, "requirement": "required", "originals": 1}],
    }
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump({"procedures": [entry]}, allow_unicode=True))
    result = run("procedures", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "Mới: 1;" in result.output
    assert real["name"] in run("procedures", "list").output
    again = run("procedures", "import", str(path))
    assert "không đổi: 1" in again.output


def test_agencies_import_twice_changes_nothing_the_second_time(
    database: str, tmp_path: Path
) -> None:
    run = _runner(database, tmp_path)
    province = {
        "agencies": [
            {
                "code": "000.00.00.H58",
                "name": "UBND tỉnh Tiền Giang",
                "kind": "peoples_committee",
                "valid_from": "2008-01-01",
                "valid_to": "2025-07-01",
                "successor": "000.00.00.H60",
                "address": "Số 23, đường 30/4, phường Mỹ Tho " * 8,
            },
            {
                "code": "000.00.00.H60",
                "name": "UBND tỉnh Đồng Tháp",
                "kind": "peoples_committee",
                "valid_from": "2025-07-01",
            },
        ]
    }
    path = tmp_path / "agencies.json"
    path.write_text(json.dumps(province, ensure_ascii=False), encoding="utf-8")
    preview = run("agencies", "import", str(path), "--dry-run")
    assert preview.exit_code == 0, preview.output
    assert "Sẽ / would: mới / created: 2;" in preview.output
    assert run("agencies", "list", "--json").output.strip() == "[]"
    first = run("agencies", "import", str(path))
    assert first.exit_code == 0, first.output
    assert "closed 2025-07-01 → 000.00.00.H60" in first.output
    counts = _row_counts(database)
    again = run("agencies", "import", str(path))
    assert again.output.strip() == "Không có thay đổi / nothing to change"
    assert _row_counts(database) == counts
    listed = json.loads(run("agencies", "list", "--json").output)
    assert [a["valid_to"] for a in listed] == ["2025-07-01", None]


def test_agencies_import_names_the_bad_entry(run: Any, tmp_path: Path) -> None:
    path = tmp_path / "agencies.yaml"
    path.write_text(
        "agencies:\n  - {code: 000.00.00.H58, name: UBND, kind: tinh, valid_from: 2008-01-01}\n",
        encoding="utf-8",
    )
    result = run("agencies", "import", str(path))
    assert result.exit_code == 1
    assert "agencies[1].kind: loại 'tinh' không hợp lệ" in result.output
    assert "agencies[1].kind: invalid kind 'tinh'" in result.output
