"""Payments fail closed, through the app factory, the HTTP routes and the CLI, on SQLite and
PostgreSQL: a real gateway with the public sandbox secret refuses to start; the sandbox and its
/_control endpoints exist only in the demo mode and never on https; without a gateway nothing
can be paid online; the return URL comes from MOTCUA_BASE_URL, never from the Host header."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, select

from dossiers.accounts import issue_token
from motcua.database import get_db
from payments.models import Payment, SecurityEvent
from payments.settings import SANDBOX_SECRET
from tests import factories as f
from tests.web import bearer, csrf_token

REAL = {
    "VNPAY_PAY_URL": "https://pay.vnpay.vn/vpcpay.html",
    "VNPAY_API_URL": "http://127.0.0.1:9/merchant_webapi/api/transaction",  # never reached
    "VNPAY_TMN_CODE": "REAL0001",
}
BASE = "https://dichvucong.example.gov.vn"


@pytest.fixture
def on_engine(engine: Engine, committing: Any, app_factory: Any) -> Any:
    """``app_factory`` on the parametrised database (SQLite and PostgreSQL); emptied after."""
    url = engine.url.render_as_string(hide_password=False)
    return lambda **overrides: app_factory(DATABASE_URL=url, **overrides)


def _citizen_with_a_fee(app: Any) -> tuple[int, str]:
    """A citizen's toàn trình draft whose fee is paid at submission: (dossier id, token)."""
    with get_db(app).factory() as db:
        agency = f.agency(db)
        version = f.procedure(
            db,
            agency,
            online_level="toan_trinh",
            payment="at_submission",
            fees=[{"kind": "Lệ phí", "amount_vnd": 75000, "channel": "all"}],
            components=[{"name": "Tờ khai", "requirement": "optional"}],
        )
        citizen = f.user(db, login="nguoinop")
        dossier = f.draft(db, citizen, version)
        token = issue_token(db, citizen, "t")
        db.commit()
        return dossier.id, token


@pytest.mark.parametrize("secret", [None, SANDBOX_SECRET])
def test_a_real_gateway_without_its_own_secret_refuses_to_start(
    app_factory: Any, secret: str | None
) -> None:
    from motcua.config import ConfigError

    overrides = {**REAL, **({"VNPAY_HASH_SECRET": secret} if secret else {})}
    with pytest.raises(ConfigError) as error:
        app_factory(**overrides)
    assert "VNPAY_HASH_SECRET" in str(error.value)
    assert "\n" not in str(error.value)


def test_the_cli_says_so_in_one_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        **REAL,
        "VNPAY_HASH_SECRET": SANDBOX_SECRET,
        "SECRET_KEY": "x",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite'}",
        "MOTCUA_STORAGE": str(tmp_path / "files"),
        "REDIS_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "-m", "motcua.cli", "payments", "reconcile"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "VNPAY_HASH_SECRET" in result.stderr


def _sandbox_mounted(app: Any) -> bool:
    client = app.test_client()
    control = client.post("/sandbox-gateway/_control/mode", json={"ipn": "auto"})
    page = client.get("/sandbox-gateway/paymentv2/vpcpay.html?vnp_TxnRef=X")
    return (control.status_code, page.status_code) == (200, 400)  # the sandbox's own answers


def test_the_sandbox_is_mounted_only_in_the_demo_mode(app_factory: Any) -> None:
    assert not _sandbox_mounted(app_factory())
    assert not _sandbox_mounted(
        app_factory(**REAL, VNPAY_HASH_SECRET="issued-by-vnpay", MOTCUA_DEMO=True)
    )
    assert _sandbox_mounted(app_factory(MOTCUA_DEMO=True))


def test_the_demo_mode_refuses_an_https_base_url(app_factory: Any) -> None:
    from motcua.config import ConfigError

    with pytest.raises(ConfigError) as error:
        app_factory(MOTCUA_DEMO=True, MOTCUA_BASE_URL=BASE)
    assert "MOTCUA_DEMO" in str(error.value)


def test_without_a_gateway_nothing_is_paid_online(on_engine: Any) -> None:
    app = on_engine()
    dossier_id, token = _citizen_with_a_fee(app)
    client = app.test_client()
    answer = client.post(f"/api/v1/dossiers/{dossier_id}/payments", headers=bearer(token))
    assert answer.status_code == 503
    assert answer.json["code"] == "payments_unavailable"
    assert client.get("/payments/vnpay/ipn?vnp_TxnRef=X").json["RspCode"] == "99"
    with get_db(app).factory() as db:
        assert db.scalars(select(Payment)).all() == []
        assert db.scalars(select(SecurityEvent)).all() == []


def _return_url(pay_url: str) -> str:
    assert pay_url.startswith(REAL["VNPAY_PAY_URL"] + "?")
    return parse_qs(urlsplit(pay_url).query)["vnp_ReturnUrl"][0]


def test_the_return_url_comes_from_the_base_url_never_the_host_header(on_engine: Any) -> None:
    app = on_engine(**REAL, VNPAY_HASH_SECRET="issued-by-vnpay", MOTCUA_BASE_URL=BASE)
    dossier_id, token = _citizen_with_a_fee(app)
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    client = app.test_client()
    answer = client.post(
        f"/api/v1/dossiers/{dossier_id}/payments", headers={**bearer(token), **forged}
    )
    assert answer.status_code == 201
    assert _return_url(answer.json["pay_url"]) == BASE + "/payments/vnpay/return"

    # The page does the same (the same pending order is reused), the whole visit forged.
    browser = app.test_client()
    form = browser.get("/login", headers=forged).get_data(as_text=True)
    browser.post(
        "/login",
        headers=forged,
        data={"login": "nguoinop", "password": f.PASSWORD, "csrf_token": csrf_token(form)},
    )
    page = browser.get(f"/my/dossiers/{dossier_id}/pay", headers=forged)
    sent = browser.post(
        f"/my/dossiers/{dossier_id}/pay",
        headers=forged,
        data={"csrf_token": csrf_token(page.get_data(as_text=True))},
    )
    assert sent.status_code == 302
    assert _return_url(sent.headers["Location"]) == BASE + "/payments/vnpay/return"


def test_reconcile_reports_an_unreachable_gateway_without_a_traceback(on_engine: Any) -> None:
    from motcua.cli import cli

    app = on_engine(**REAL, VNPAY_HASH_SECRET="issued-by-vnpay")  # querydr: a closed port
    dossier_id, token = _citizen_with_a_fee(app)
    started = app.test_client().post(
        f"/api/v1/dossiers/{dossier_id}/payments", headers=bearer(token)
    )
    ref = started.json["payment"]["txn_ref"]
    result = app.test_cli_runner().invoke(cli, ["payments", "reconcile", "--older-than", "0"])
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if ref in line]
    assert lines
    assert all("no verdict" in line and "unreachable" in line for line in lines)
    with get_db(app).factory() as db:
        assert db.scalar(select(Payment.state).where(Payment.txn_ref == ref)) == "pending"
