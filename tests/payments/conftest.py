"""A live Motcua on the test database (SQLite and PostgreSQL) and the sandbox gateway in a
separate process, delivering its IPNs to the live app over HTTP."""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from dossiers.lifecycle import Role
from dossiers.records import Dossier, DossierFile
from motcua.payments_app import gateway
from payments.ledger import start_online_payment
from tests import factories as f

# The separate sandbox's terminal and secret: a real gateway URL with the public sandbox
# secret refuses to start, so the live app is configured as a real installation would be.
TMN_CODE = "MOTCUA01"
SECRET = "pay-tests-secret-not-the-public-one"  # noqa: S105 - the test sandbox's own


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Live:
    url: str
    sandbox: str
    app: Any

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 - the sandbox on loopback
            self.sandbox + "/_control" + path,
            method="POST",
            data=json.dumps(body or {}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return json.loads(response.read())

    @contextmanager
    def ipn_mode(self, mode: str, **more: str) -> Iterator[None]:
        """Inside the block the sandbox holds ("manual") or drops ("drop") its IPNs (and
        ``signing``/``querydr`` as given: see the sandbox's /_control/mode)."""
        self.control("/mode", {"ipn": mode, **more})
        try:
            yield
        finally:
            self.control("/mode", {"ipn": "auto"})

    def order(self, ref: str) -> Any:
        with urllib.request.urlopen(  # noqa: S310
            f"{self.sandbox}/_control/orders/{ref}",
            timeout=10,
        ) as response:
            return json.loads(response.read())

    def ipn(self, params: dict[str, str]) -> dict[str, str]:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(  # noqa: S310
            f"{self.url}/payments/vnpay/ipn?{query}",
            timeout=60,
        ) as response:
            answer: dict[str, str] = json.loads(response.read())
            return answer

    def pay_at_gateway(self, pay_url: str, outcome: str) -> str:
        """Open the gateway's page and press a button, as the payer would; return the
        return URL the gateway redirects to (not followed)."""
        with urllib.request.urlopen(pay_url, timeout=10) as response:  # noqa: S310
            page = response.read().decode()
        assert "Thanh toán" in page
        ref = urllib.parse.parse_qs(urllib.parse.urlsplit(pay_url).query)["vnp_TxnRef"][0]
        parts = urllib.parse.urlsplit(self.sandbox)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        conn.request(
            "POST",
            "/paymentv2/decide",
            body=urllib.parse.urlencode({"vnp_TxnRef": ref, "outcome": outcome}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response_ = conn.getresponse()
        assert response_.status == 302
        location = response_.getheader("Location") or ""
        conn.close()
        return location

    def get(self, url: str) -> tuple[str, dict[str, str]]:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
            return response.read().decode(), dict(response.headers)


@pytest.fixture(scope="module")
def live(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from motcua import create_app

    tmp = tmp_path_factory.mktemp("pay")
    app_port, sandbox_port = free_port(), free_port()
    app_url, sandbox_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{sandbox_port}"
    app = create_app(
        {
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "MOTCUA_STORAGE": str(tmp / "files"),
            "SECRET_KEY": "pay-tests",
            "REDIS_URL": None,
            "MOTCUA_BASE_URL": app_url,
            "VNPAY_PAY_URL": sandbox_url + "/paymentv2/vpcpay.html",
            "VNPAY_API_URL": sandbox_url + "/merchant_webapi/api/transaction",
            "VNPAY_TMN_CODE": TMN_CODE,
            "VNPAY_HASH_SECRET": SECRET,
        }
    )
    server = make_server("127.0.0.1", app_port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    log = (tmp / "sandbox.log").open("w")
    sandbox = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "motcua.sandbox_gateway",
            "--port",
            str(sandbox_port),
            "--ipn-url",
            app_url + "/payments/vnpay/ipn",
            "--backoff",
            "0.2",
            "--tmn-code",
            TMN_CODE,
            "--hash-secret",
            SECRET,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", sandbox_port), timeout=1):
                break
        except OSError:
            if sandbox.poll() is not None or time.monotonic() > deadline:
                pytest.fail("sandbox did not start: " + Path(log.name).read_text())
            time.sleep(0.1)
    yield Live(app_url, sandbox_url, app)
    sandbox.terminate()
    sandbox.wait(timeout=10)
    log.close()
    server.shutdown()
    from motcua.database import get_db

    get_db(app).engine.dispose()


@dataclass
class World:
    citizen: Any
    clerk: Any
    dossier_id: int
    version_code: str


def build_world(
    factory: sessionmaker[Session], *, at_submission: bool = True, amount: int = 75000
) -> World:
    with factory() as db:
        agency = f.agency(db)
        version = f.procedure(
            db,
            agency,
            online_level="toan_trinh",
            payment="at_submission" if at_submission else None,
            fees=[{"kind": "Lệ phí", "amount_vnd": amount, "channel": "all"}],
            components=[{"name": "Tờ khai", "requirement": "optional"}],
        )
        citizen = f.user(db)
        clerk = f.user(db, Role.RECEPTION, agency)
        dossier = f.draft(db, citizen, version)
        db.commit()
        return World(citizen.actor(), clerk.actor(), dossier.id, version.code)


def start_payment(live: Live, factory: sessionmaker[Session], world: World) -> tuple[int, str, str]:
    """The citizen starts paying online: (payment id, txn_ref, the gateway URL)."""
    with factory() as db:
        dossier = db.get(Dossier, world.dossier_id)
        assert dossier is not None
        started = start_online_payment(
            db,
            world.citizen,
            dossier,
            gateway(live.app),
            return_url=live.url + "/payments/vnpay/return",
            client_ip="127.0.0.1",
        )
        db.commit()
        return started.payment.id, started.payment.txn_ref, started.url


def receipt_count(db: Session, dossier_id: int) -> int:
    return int(
        db.scalar(
            select(func.count())
            .select_from(DossierFile)
            .where(DossierFile.dossier_id == dossier_id, DossierFile.filename.like("bien-lai-%"))
        )
        or 0
    )
