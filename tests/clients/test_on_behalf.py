"""A client submits dossiers on an applicant's behalf through the citizen portal's use cases;
the desk sees them in its queue, the applicant in their account; retries are idempotent."""

import copy
from typing import Any

from sqlalchemy import func, select

from dossiers.accounts import AccountKind, Registration, User, register
from dossiers.clients.models import ClientSubmission
from dossiers.events import Event
from dossiers.records import Dossier
from motcua.database import get_db
from tests import factories as f
from tests.integrations import (
    Checked,
    client_world,
    on_behalf_body,
    register_client,
    token,
)
from tests.web import bearer, login

SUBMIT, READ = "dossiers:submit-on-behalf", "dossiers:read"
URL = "/api/v1/integrations/dossiers"


def _count(app: Any, model: Any) -> int:
    with get_db(app).factory() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def test_a_dossier_submitted_for_an_account_holder_reaches_the_desk_and_their_account(
    backend_app: Any,
) -> None:
    http = Checked(backend_app)
    world = client_world(backend_app)
    creds = register_client(http, world, SUBMIT, READ)
    auth = token(http, creds)
    answer = http.post(URL, headers=auth, json=on_behalf_body(world))
    body = answer.get_json()
    assert answer.status_code == 201, body
    assert body["status"] == "submitted"
    assert body["national_status"] == 1
    assert body["code"].startswith(world["centre"] + "-")
    assert (body["channel"], body["intake_channel"]) == ("national_portal", "online")
    assert body["submitted_at"].endswith("+07:00")
    assert [c["state"] for c in body["components"]] == ["attached", "paper", "pending"]

    # The applicant sees it in their account, like a dossier they filed themselves.
    mine = http.get("/api/v1/dossiers", headers=bearer(world["lan"])).get_json()
    assert [d["code"] for d in mine] == [body["code"]]
    # The desk sees it in its queue like any online dossier.
    clerk = backend_app.test_client()
    login(clerk, world["clerk"])
    assert body["code"] in clerk.get("/backoffice/desk/").get_data(as_text=True)
    # The log names the client, and the dossier records it and its channel.
    with get_db(backend_app).factory() as db:
        dossier = db.get(Dossier, body["id"])
        assert dossier.applicant_user_id == world["lan_id"]
        events = db.scalars(
            select(Event).where(Event.dossier_id == dossier.id).order_by(Event.seq)
        ).all()
        assert [(e.kind, e.actor_name) for e in events] == [
            ("created", "Cổng DVC quốc gia"),
            ("submitted", "Cổng DVC quốc gia"),
        ]
        assert {e.payload["client_id"] for e in events} == {
            db.scalar(select(ClientSubmission.client_pk))
        }
        assert db.scalar(select(ClientSubmission.channel)) == "national_portal"
    # The client reads it back.
    assert http.get(f"{URL}/{body['id']}", headers=auth).get_json()["code"] == body["code"]
    assert [d["id"] for d in http.get(URL, headers=auth).get_json()] == [body["id"]]


def test_an_applicant_without_an_account_gets_a_record_nobody_can_log_in_with(
    backend_app: Any,
) -> None:
    http = Checked(backend_app)
    world = client_world(backend_app)
    auth = token(http, register_client(http, world, SUBMIT))
    first = http.post(
        URL,
        headers=auth,
        json=on_behalf_body(world, cccd="001099001234", channel="post", marker="a"),
    )
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["intake_channel"] == "post"
    second = http.post(
        URL,
        headers=auth,
        json=on_behalf_body(world, cccd="001099001234", channel="kiosk", marker="b"),
    )
    assert second.status_code == 201
    with get_db(backend_app).factory() as db:
        owners = {db.get(Dossier, a.get_json()["id"]).applicant_user_id for a in (first, second)}
        assert len(owners) == 1
        record = db.get(User, owners.pop())
        assert (record.login, record.is_active) == ("applicant:001099001234", False)
    assert "Đăng xuất" not in login(
        backend_app.test_client(), "applicant:001099001234", "!"
    ).get_data(as_text=True)
    # The applicant can still open an account with their CCCD afterwards.
    with get_db(backend_app).factory() as db:
        account = register(
            db,
            Registration(
                kind=AccountKind.PERSON,
                full_name="Trần Văn Bình",
                id_number="001099001234",
                phone="0912345678",
                email="binh@example.vn",
                password="a long enough password",
            ),
        )
        db.commit()
        assert account.login == "001099001234"


def test_an_idempotency_key_makes_a_retry_return_the_first_dossier(backend_app: Any) -> None:
    http = Checked(backend_app)
    world = client_world(backend_app)
    auth = token(http, register_client(http, world, SUBMIT))
    body = on_behalf_body(world)
    keyed = {**auth, "Idempotency-Key": "portal-2026-000123"}
    first = http.post(URL, headers=keyed, json=body)
    again = http.post(URL, headers=keyed, json=copy.deepcopy(body))
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert _count(backend_app, Dossier) == 1
    changed = on_behalf_body(world, marker="other file")
    reused = http.post(URL, headers=keyed, json=changed)
    assert reused.status_code == 422
    assert reused.get_json()["code"] == "idempotency_key_reused"
    assert http.post(URL, headers=auth, json=changed).status_code == 201  # no key: a new one
    assert _count(backend_app, Dossier) == 2


def test_bad_identifiers_and_missing_components_create_nothing(backend_app: Any) -> None:
    http = Checked(backend_app)
    world = client_world(backend_app)
    auth = token(http, register_client(http, world, SUBMIT))
    bad = http.post(URL, headers=auth, json=on_behalf_body(world, cccd="12345"))
    assert (bad.status_code, bad.get_json()["code"]) == (400, "invalid_cccd")
    incomplete = on_behalf_body(world)
    incomplete["components"] = incomplete["components"][:1]
    refused = http.post(URL, headers=auth, json=incomplete)
    assert (refused.status_code, refused.get_json()["code"]) == (400, "incomplete")
    assert "message_en" in refused.get_json()
    tax = on_behalf_body(world)
    tax["applicant"] = {
        "id_type": "tax_code",
        "id_number": "0312345678",
        "name": "Công ty TNHH Thử",
        "representative": "Lê Văn An",
    }
    unknown_channel = {**on_behalf_body(world), "channel": "fax"}
    assert http.post(URL, headers=auth, json=unknown_channel).status_code == 422
    assert _count(backend_app, Dossier) == 0
    assert _count(backend_app, ClientSubmission) == 0
    organisation = http.post(URL, headers=auth, json=tax)
    assert organisation.status_code == 201, organisation.get_json()
    with get_db(backend_app).factory() as db:
        owner = db.get(User, db.get(Dossier, organisation.get_json()["id"]).applicant_user_id)
        assert owner.kind == AccountKind.ORGANISATION


def test_a_client_reads_only_what_it_submitted_unless_its_scope_covers_its_agency(
    backend_app: Any,
) -> None:
    http = Checked(backend_app)
    world = client_world(backend_app)
    portal = register_client(http, world, SUBMIT, READ)
    kiosk = register_client(http, world, SUBMIT, READ, name="Ki-ốt")
    dashboard = register_client(
        http, world, "dossiers:read-agency", agency=world["centre"], name="Bảng điều hành tỉnh"
    )
    submit_only = register_client(http, world, SUBMIT, name="Bưu điện")
    mine = http.post(URL, headers=token(http, portal), json=on_behalf_body(world)).get_json()
    theirs = http.post(
        URL, headers=token(http, kiosk), json=on_behalf_body(world, marker="k")
    ).get_json()
    with get_db(backend_app).factory() as db:  # a dossier filed by a citizen on the portal
        owner = db.scalar(select(User).where(User.login == "alice"))
        citizens = f.draft(db, owner, f.procedure(db, f.agency(db)))
        db.commit()
    portal_auth = token(http, portal)
    assert [d["id"] for d in http.get(URL, headers=portal_auth).get_json()] == [mine["id"]]
    hidden = http.get(f"{URL}/{theirs['id']}", headers=portal_auth)
    assert (hidden.status_code, hidden.get_json()["code"]) == (404, "not_found")
    seen = {d["id"] for d in http.get(URL, headers=token(http, dashboard)).get_json()}
    assert seen == {mine["id"], theirs["id"]}  # the centre's, not the other agency's draft
    assert citizens.id not in seen
    denied = http.get(URL, headers=token(http, submit_only))
    assert (denied.status_code, denied.get_json()["code"]) == (403, "insufficient_scope")
    assert http.get(URL).status_code == 401
    assert (
        http.post(
            URL,
            headers=bearer(world["alice"]),  # a citizen's token is not a client's
            json=on_behalf_body(world),
        ).status_code
        == 404
    )
    assert _count(backend_app, Dossier) == 3


def test_simultaneous_retries_with_one_key_create_one_dossier(backend_app: Any) -> None:
    import threading

    http = Checked(backend_app)
    world = client_world(backend_app)
    auth = {**token(http, register_client(http, world, SUBMIT)), "Idempotency-Key": "same"}
    body = on_behalf_body(world)
    start, answers = threading.Barrier(4), []

    def send() -> None:
        start.wait()
        answer = backend_app.test_client().post(URL, headers=auth, json=copy.deepcopy(body))
        answers.append((answer.status_code, (answer.get_json() or {}).get("id")))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {status for status, _ in answers} <= {201, 409}, answers
    assert len({i for status, i in answers if status == 201}) == 1, answers
    assert _count(backend_app, Dossier) == 1
