"""``motcua sign``, ``copy``, ``sign-attachment`` and ``verify``: exit codes and JSON."""

import json
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from dossiers.files import FileStore
from dossiers.signing.keys import Keyring
from motcua.cli import cli
from motcua.database import get_db
from tests.signing.conftest import AGENCY, LEADER, PASS
from tests.signing.world import approved_world


@pytest.fixture
def app(app_factory: Any, pki_dir: Path) -> Any:
    app = app_factory(MOTCUA_PKI_DIR=str(pki_dir), MOTCUA_KEY_PASSPHRASE=PASS)
    with get_db(app).factory() as db:
        approved_world(db, FileStore(app.config["MOTCUA_STORAGE"]), Keyring(pki_dir, PASS))
        db.commit()
    return app


def run(app: Any, *args: str) -> Any:
    return app.test_cli_runner().invoke(cli, list(args), catch_exceptions=False)


def test_sign_then_verify_then_tamper(app: Any, letter: bytes, tmp_path: Path) -> None:
    source, out = tmp_path / "qd.pdf", tmp_path / "qd-ky.pdf"
    source.write_bytes(letter)
    signed = run(app, "sign", str(source), "--signer", LEADER[0], "--out", str(out))
    assert signed.exit_code == 0, signed.output
    checked = run(app, "verify", "--json", str(out))
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.output)
    assert set(report) >= {"file", "valid", "issued_here", "cancelled", "signatures", "problems"}
    assert report["valid"]
    assert report["issued_here"]
    assert [s["signer"] for s in report["signatures"]] == [LEADER[1], AGENCY[1]]
    data = bytearray(out.read_bytes())
    data[data.index(b"stream\n", 200) + 20] ^= 1
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(data))
    tampered = run(app, "verify", str(bad))
    assert tampered.exit_code == 1
    assert "KHÔNG HỢP LỆ" in tampered.output
    garbage = tmp_path / "x.pdf"
    garbage.write_bytes(b"not a pdf")
    assert run(app, "verify", str(garbage)).exit_code == 2
    assert run(app, "verify", str(tmp_path / "missing.pdf")).exit_code == 2


def test_sign_exits_2_when_it_cannot_place_the_signature(app: Any, tmp_path: Path) -> None:
    doc = pikepdf.new()
    doc.add_blank_page()
    source = tmp_path / "blank.pdf"
    doc.save(source)
    result = run(app, "sign", str(source), "--signer", LEADER[0], "--out", str(tmp_path / "o.pdf"))
    assert result.exit_code == 2
    assert "--page" in result.output
    boxed = run(
        app,
        "sign",
        str(source),
        "--signer",
        LEADER[0],
        "--out",
        str(tmp_path / "o.pdf"),
        "--page",
        "1",
        "--box",
        "300,300,480,380",
    )
    assert boxed.exit_code == 0, boxed.output


def test_copy_and_attachment_are_registered_and_valid(app: Any, tmp_path: Path) -> None:
    doc = pikepdf.new()
    doc.add_blank_page()
    source = tmp_path / "giay.pdf"
    doc.save(source)
    for args in (
        ["copy", str(source), "--form", "SAO Y", "--agency", AGENCY[0]],
        ["sign-attachment", str(source), "--agency", AGENCY[0], "--number", "12/QĐ-UBND"],
    ):
        out = tmp_path / f"{args[0]}.pdf"
        assert run(app, *args, "--out", str(out)).exit_code == 0
        report = json.loads(run(app, "verify", "--json", str(out)).output)
        assert report["valid"]
        assert report["issued_here"]


def test_demo_creates_the_pki_and_prints_its_trust_root(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tests.conftest import fresh_database

    env = {
        "DATABASE_URL": fresh_database("sqlite", "demo", tmp_path),
        "MOTCUA_STORAGE": str(tmp_path / "files"),
        "SECRET_KEY": "t",
        "REDIS_URL": "",
    }
    output = CliRunner().invoke(cli, ["demo", "--json"], env=env, catch_exceptions=False).output
    root = Path(json.loads(output)["trust_root"])
    assert root == tmp_path / "pki" / "root.pem"
    assert root.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert (tmp_path / "pki" / "users" / "lanhdao.tc.p12").exists()
    assert (tmp_path / "pki" / "agencies" / "000.00.11.H20.p12").exists()
