"""Webhooks end to end: a client token only, an on-behalf submission, the desk accepting it,
and a receiver on loopback that fails, times out, then accepts. Every event reaches it once,
in order, signed; the log shows every attempt; a re-send goes out again."""

import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import select

from dossiers.db import utcnow
from dossiers.webhooks.models import WebhookDelivery
from motcua.database import get_db
from motcua.jobs import sweep
from tests.integrations import Checked, client_world, on_behalf_body, register_client, token
from tests.web import bearer, csrf_token, login
from tests.webhooks.receiver import Receiver, receiver

KINDS = ["created", "submitted", "accepted"]
LATER = timedelta(days=1)  # past any backoff: the sweeper runs what is due by then


def _subscribe(http: Any, auth: dict[str, str], hook: Receiver, kinds: list[str]) -> int:
    answer = http.post(
        "/api/v1/integrations/webhooks", headers=auth, json={"url": hook.url, "kinds": kinds}
    )
    assert answer.status_code == 201, answer.get_json()
    hook.secret = answer.get_json()["secret"]
    return int(answer.get_json()["id"])


def _accept_at_the_desk(app: Any, world: dict[str, Any], dossier_id: int) -> None:
    clerk = app.test_client()
    login(clerk, world["clerk"])
    page = clerk.get(f"/backoffice/desk/dossiers/{dossier_id}").get_data(as_text=True)
    assert (
        clerk.post(
            f"/backoffice/desk/dossiers/{dossier_id}/accept", data={"csrf_token": csrf_token(page)}
        ).status_code
        == 302
    )


def _journey(app: Any, hook: Receiver, run_jobs: Any) -> tuple[dict[str, Any], int, Any, Any]:
    """Token grant → subscribe → on-behalf submission → the desk accepts, with the receiver
    failing then timing out in between; returns the dossier, the subscription, the client."""
    http = Checked(app)
    world = client_world(app)
    creds = register_client(
        http,
        world,
        "dossiers:submit-on-behalf",
        "dossiers:read",
        "webhooks",
        agency=world["centre"],
    )
    auth = token(http, creds)
    subscription = _subscribe(http, auth, hook, KINDS)
    answer = http.post("/api/v1/integrations/dossiers", headers=auth, json=on_behalf_body(world))
    assert answer.status_code == 201, answer.get_json()
    dossier = answer.get_json()
    run_jobs(app, None)  # first attempt: 500
    run_jobs(app, utcnow() + LATER)  # the retry: times out
    _accept_at_the_desk(app, world, dossier["id"])
    run_jobs(app, None)
    run_jobs(app, utcnow() + 2 * LATER)  # the next retry goes through, then what waited
    run_jobs(app, utcnow() + 3 * LATER)
    return dossier, subscription, (http, auth), world


def _inline(app: Any, now: Any) -> None:
    if now is not None:
        sweep(app, now=now)


def _check(hook: Receiver, dossier: dict[str, Any]) -> None:
    assert [r["answer"] for r in hook.seen[:2]] == ["fail", "slow"]
    through: set[int] = set()
    for request in hook.seen:  # nothing is sent before every earlier event went through
        seq = request["body"]["event"]["seq"]
        assert set(range(1, seq)) <= through, f"event {seq} sent before its predecessors"
        if request["answer"] == "accepted":
            through.add(seq)
    accepted = hook.accepted
    assert [r["body"]["event"]["kind"] for r in accepted] == KINDS  # once each, in order
    assert all(r["signed"] for r in hook.seen)
    assert [r["body"]["event"]["seq"] for r in accepted] == [1, 2, 3]
    assert {r["body"]["dossier"]["id"] for r in accepted} == {dossier["id"]}
    assert accepted[-1]["body"]["dossier"]["status"] == "received"
    assert accepted[-1]["body"]["event"]["at"].endswith("+07:00")
    assert len({r["delivery"] for r in accepted}) == 3


def test_every_event_reaches_the_client_once_in_order_despite_failures(backend_app: Any) -> None:
    backend_app.config["MOTCUA_WEBHOOK_TIMEOUT"] = 0.5
    with receiver(["fail", "slow"]) as hook:
        dossier, subscription, (http, auth), world = _journey(backend_app, hook, _inline)
        _check(hook, dossier)

        log = http.get(
            f"/api/v1/integrations/webhooks/{subscription}/deliveries", headers=auth
        ).get_json()
        first = next(d for d in log if d["kind"] == "created")
        assert [d["state"] for d in log] == ["delivered"] * 3
        assert first["attempts"] == 3
        assert first["last_status_code"] == 200
        assert [(a["ok"], a["status_code"]) for a in first["log"]] == [
            (False, 500),
            (False, None),
            (True, 200),
        ]
        assert "timed out" in first["log"][1]["error"]
        assert [d["attempts"] for d in log if d["kind"] != "created"] == [1, 1]

        assert http.checked == 5  # answers validated against the OpenAPI document
        resent = http.post(
            f"/api/v1/integrations/webhooks/deliveries/{first['id']}/resend", headers=auth
        )
        assert resent.status_code == 202
        assert [r["body"]["event"]["kind"] for r in hook.accepted] == [*KINDS, "created"]
        assert hook.accepted[-1]["delivery"] == str(first["id"])

        # Staff read the same log on the client's page and send one again from there.
        admin = backend_app.test_client()
        login(admin, world["admin"])
        clients = http.get("/api/v1/clients", headers=bearer(world["admin_token"])).get_json()
        page = admin.get(f"/backoffice/admin/clients/{clients[0]['client_id']}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "500" in html
        assert "timed out" in html
        assert (
            admin.post(
                f"/backoffice/admin/clients/deliveries/{log[0]['id']}/resend",
                data={"csrf_token": csrf_token(html)},
            ).status_code
            == 302
        )
        assert hook.accepted[-1]["delivery"] == str(log[0]["id"])
        assert len(hook.accepted) == 5
        audit = http.get(
            f"/api/v1/clients/{clients[0]['client_id']}/audit", headers=bearer(world["admin_token"])
        ).get_json()
        assert [(e["action"], e["details"].get("delivery")) for e in audit] == [
            ("registered", None),
            ("webhook_resent", log[0]["id"]),
        ]


def test_with_rq_workers_every_event_reaches_the_client_once_in_order(app_factory: Any) -> None:
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    redis = Redis.from_url(redis_url)
    try:
        redis.ping()
    except Exception as error:  # noqa: BLE001
        pytest.fail(f"Redis is required for the tests ({redis_url}): {error}")
    redis.flushdb()
    app = app_factory(REDIS_URL=redis_url, MOTCUA_WEBHOOK_ALLOW_LOOPBACK=True)
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "REDIS_URL": redis_url,
        "MOTCUA_STORAGE": app.config["MOTCUA_STORAGE"],
        "SECRET_KEY": "test-secret",
        "MOTCUA_WEBHOOK_TIMEOUT": "0.5",
        "MOTCUA_WEBHOOK_ALLOW_LOOPBACK": "1",
    }

    def workers(app_: Any, now: Any) -> None:
        if now is not None:
            sweep(app_, now=now)  # hands the due rows to RQ
        done = subprocess.run(
            [sys.executable, "-m", "motcua.cli", "worker", "--burst"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr

    try:
        with receiver(["fail", "slow"]) as hook:
            dossier, _, _, _ = _journey(app, hook, workers)
            _check(hook, dossier)
    finally:
        redis.flushdb()


def test_a_client_gets_no_event_of_a_dossier_it_may_not_see(backend_app: Any) -> None:
    http = Checked(backend_app)
    world = client_world(backend_app)
    submitter = register_client(http, world, "dossiers:submit-on-behalf")
    other = register_client(http, world, "webhooks", name="Ứng dụng khác")
    with receiver([]) as hook:
        _subscribe(http, token(http, other), hook, ["*"])
        answer = http.post(
            "/api/v1/integrations/dossiers",
            headers=token(http, submitter),
            json=on_behalf_body(world),
        )
        assert answer.status_code == 201
        sweep(backend_app, now=utcnow() + LATER)
        assert hook.seen == []
    with get_db(backend_app).factory() as db:
        assert db.scalars(select(WebhookDelivery)).all() == []


def test_an_event_that_rolls_back_is_never_announced(backend_app: Any) -> None:
    http = Checked(backend_app)
    world = client_world(backend_app)
    creds = register_client(http, world, "dossiers:submit-on-behalf", "webhooks")
    auth = token(http, creds)
    with receiver([]) as hook:
        _subscribe(http, auth, hook, ["*"])
        incomplete = on_behalf_body(world)
        incomplete["components"] = []  # `created` is applied, then the submission fails
        assert (
            http.post("/api/v1/integrations/dossiers", headers=auth, json=incomplete).status_code
            == 400
        )
        sweep(backend_app, now=utcnow() + LATER)
        assert hook.seen == []
    with get_db(backend_app).factory() as db:
        assert db.scalars(select(WebhookDelivery)).all() == []


def test_webhooks_never_call_loopback_unless_allowed(app_factory: Any) -> None:
    app = app_factory()  # MOTCUA_WEBHOOK_ALLOW_LOOPBACK unset
    http = Checked(app)
    world = client_world(app)
    auth = token(http, register_client(http, world, "dossiers:submit-on-behalf", "webhooks"))
    with receiver([]) as hook:
        subscription = _subscribe(http, auth, hook, ["submitted"])
        assert (
            http.post(
                "/api/v1/integrations/dossiers", headers=auth, json=on_behalf_body(world)
            ).status_code
            == 201
        )
        assert hook.seen == []
    log = http.get(
        f"/api/v1/integrations/webhooks/{subscription}/deliveries", headers=auth
    ).get_json()
    assert [(d["state"], d["attempts"]) for d in log] == [("pending", 1)]
    assert log[0]["log"][0]["error"] == "address not allowed: 127.0.0.1"
