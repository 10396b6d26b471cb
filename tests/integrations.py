"""Helpers for integration-client tests: an app on SQLite or PostgreSQL, an administrator's
token, clients registered and tokens obtained through the HTTP API, as an integrator would."""

import base64
import re
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from dossiers.accounts import get_user, issue_token
from motcua.database import get_db
from tests import factories as f
from tests import samples
from tests.conftest import BACKENDS, fresh_database
from tests.web import bearer, build_world

APPLICANT_CCCD = "079123456789"


@pytest.fixture(params=BACKENDS)
def backend_app(request: pytest.FixtureRequest, app_factory: Any, tmp_path: Path) -> Any:
    """The app on a fresh migrated database of each backend."""
    url = fresh_database(request.param, "clients", tmp_path)
    app = app_factory(DATABASE_URL=url, MOTCUA_WEBHOOK_ALLOW_LOOPBACK=True)
    yield app
    get_db(app).engine.dispose()


def client_world(app: Any) -> dict[str, Any]:
    """build_world plus an administrator's token and a citizen (Lan) with a CCCD account."""
    world = build_world(app)
    with get_db(app).factory() as db:
        world["admin_token"] = issue_token(db, get_user(db, world["admin"]), "admin")
        lan = f.user(db, login="lan", id_number=APPLICANT_CCCD)
        world["lan"] = issue_token(db, lan, "t")
        world["lan_id"] = lan.id
        db.commit()
    return world


def register_client(
    http: Any,
    world: dict[str, Any],
    *scopes: str,
    agency: str | None = None,
    name: str = "Cổng DVC quốc gia",
) -> dict[str, Any]:
    answer = http.post(
        "/api/v1/clients",
        headers=bearer(world["admin_token"]),
        json={"name": name, "agency": agency, "scopes": list(scopes)},
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def basic(creds: dict[str, Any]) -> dict[str, str]:
    raw = f"{creds['client_id']}:{creds['client_secret']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def grant(http: Any, creds: dict[str, Any], scope: str | None = None) -> Any:
    form = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
    return http.post("/api/v1/oauth/token", headers=basic(creds), data=form)


def token(http: Any, creds: dict[str, Any], scope: str | None = None) -> dict[str, str]:
    answer = grant(http, creds, scope)
    assert answer.status_code == 200, answer.get_json()
    return bearer(answer.get_json()["access_token"])


def on_behalf_body(
    world: dict[str, Any],
    *,
    cccd: str = APPLICANT_CCCD,
    channel: str = "national_portal",
    marker: str = "",
) -> dict[str, Any]:
    pdf = base64.b64encode(samples.pdf(marker=marker)).decode()
    return {
        "procedure": world["procedure"],
        "channel": channel,
        "applicant": {
            "id_type": "cccd",
            "id_number": cccd,
            "name": "Nguyễn Thị Lan",
            "phone": "0903123456",
        },
        "components": [
            {"position": 1, "files": [{"filename": "don.pdf", "content": pdf}]},
            {"position": 2, "state": "paper"},
        ],
    }


OURS = ("/api/v1/clients", "/api/v1/integrations", "/api/v1/oauth")


def _resolve(node: Any, spec: dict[str, Any]) -> Any:
    """The schema with its local $refs inlined (ours have no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return _resolve(target, spec)
        return {k: _resolve(v, spec) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, spec) for v in node]
    return node


class Checked:
    """A test client whose answers from the integration API are validated against the
    operation's declared response in /api/v1/openapi.json: the document cannot drift."""

    def __init__(self, app: Any) -> None:
        self.http = app.test_client()
        self.spec = self.http.get("/api/v1/openapi.json").get_json()
        self.routes = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), item)
            for path, item in self.spec["paths"].items()
            if path.startswith(OURS)
        ]
        self.checked = 0

    def open(self, method: str, url: str, **kwargs: Any) -> Any:
        response = getattr(self.http, method)(url, **kwargs)
        path = url.split("?")[0]
        for pattern, item in self.routes:
            if pattern.match(path) and method in item:
                self._validate(item[method], response, f"{method.upper()} {path}")
        return response

    def _validate(self, operation: dict[str, Any], response: Any, where: str) -> None:
        declared = operation["responses"].get(str(response.status_code))
        assert declared is not None, f"{where}: undeclared status {response.status_code}"
        declared = _resolve(declared, self.spec)
        content = declared.get("content", {}).get("application/json")
        if content is not None:
            OAS30Validator(
                content["schema"], format_checker=OAS30Validator.FORMAT_CHECKER
            ).validate(response.get_json())
            self.checked += 1

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.open("get", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.open("post", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Any:
        return self.open("patch", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.open("delete", url, **kwargs)
