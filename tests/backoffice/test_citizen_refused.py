"""A citizen gets 404 on every back-office route, pages and staff API alike, their own dossier
included: the back office does not exist for them. The sweep reads the URL map, so a route
added later is covered without touching this file."""

from typing import Any

from backoffice import PUBLIC
from tests.web import bearer, build_world, csrf_token, login

SAMPLE = {"day": "2026-01-02", "action": "note", "code": "1.000001", "year": 2026}


def _backoffice_routes(app: Any) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of every route a back-office blueprint registered."""
    routes = []
    for rule in app.url_map.iter_rules():
        blueprint = app.blueprints.get(rule.endpoint.rpartition(".")[0])
        if blueprint is None or not blueprint.import_name.startswith("backoffice"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) not in PUBLIC:
                routes.append((rule.endpoint, method, rule.rule))
    return routes


def test_a_citizen_gets_404_on_every_back_office_route(app: Any) -> None:
    world = build_world(app)
    client = app.test_client()
    own = client.post(
        "/api/v1/dossiers",
        headers=bearer(world["alice"]),
        json={"procedure": world["procedure"], "applicant": {"name": "Alice"}},
    ).get_json()
    assert login(client, "alice").status_code == 302
    token = csrf_token(client.get("/my/dossiers").get_data(as_text=True))
    routes = _backoffice_routes(app)
    assert len(routes) > 60
    assert {r for _, _, r in routes if r.startswith("/api/")}  # staff API routes too
    answers = {}
    with app.test_request_context():
        from flask import url_for

        for endpoint, method, rule in routes:
            arguments = {
                name: own["id"] if name == "dossier_id" else SAMPLE.get(name, 1)
                for name in app.url_map._rules_by_endpoint[endpoint][0].arguments
            }
            url = url_for(endpoint, **arguments)
            by_cookie = client.open(
                url, method=method, data={"csrf_token": token}, headers={"X-CSRFToken": token}
            )
            answers[f"{method} {rule}"] = by_cookie.status_code
            if rule.startswith("/api/"):  # integrations come with a token
                by_token = app.test_client().open(
                    url, method=method, json={}, headers=bearer(world["alice"])
                )
                answers[f"{method} {rule} (token)"] = by_token.status_code
    assert {k: v for k, v in answers.items() if v != 404} == {}


def test_staff_still_reach_the_back_office(app: Any) -> None:
    build_world(app)
    client = app.test_client()
    login(client, "clerk")
    assert client.get("/backoffice/").status_code == 200
    assert client.get("/backoffice/desk/").status_code == 200
    assert client.get("/api/v1/calendar/2026").status_code == 200  # public, for anyone
