"""Integration clients: registered by an administrator, tokens by the client-credentials grant
(RFC 6749 §4.4), disabled and rotated with immediate effect, every change audited."""

from typing import Any

from click.testing import CliRunner
from openapi_spec_validator import validate

from motcua.cli import cli
from tests.integrations import Checked, basic, client_world, grant, register_client, token
from tests.web import bearer, csrf_token, login

SUBMIT, READ, HOOKS = "dossiers:submit-on-behalf", "dossiers:read", "webhooks"


def test_a_client_gets_short_lived_tokens_by_basic_or_post_and_may_narrow_them(
    backend_app: Any,
) -> None:
    http = Checked(backend_app)
    world = client_world(backend_app)
    creds = register_client(http, world, SUBMIT, READ, HOOKS, agency=world["centre"])
    assert creds["client_id"].startswith("mcc_")
    assert creds["client_secret"].startswith("mcs_")
    assert creds["scopes"] == sorted([SUBMIT, READ, HOOKS])
    assert creds["created_at"].endswith("+07:00")

    by_basic = grant(http, creds)
    assert by_basic.status_code == 200, by_basic.get_json()
    assert by_basic.headers["Cache-Control"] == "no-store"
    body = by_basic.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert set(body["scope"].split()) == {SUBMIT, READ, HOOKS}

    by_post = http.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
            "scope": READ,
        },
    )
    assert by_post.status_code == 200, by_post.get_json()
    assert by_post.get_json()["scope"] == READ
    narrowed = bearer(by_post.get_json()["access_token"])
    assert http.get("/api/v1/integrations/dossiers", headers=narrowed).status_code == 200
    refused = http.post(
        "/api/v1/integrations/webhooks",
        headers=narrowed,
        json={"url": "http://127.0.0.1:9/x", "kinds": ["accepted"]},
    )
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "insufficient_scope"


def test_token_errors_follow_rfc_6749_and_carry_our_error_fields(backend_app: Any) -> None:
    http = Checked(backend_app)
    world = client_world(backend_app)
    creds = register_client(http, world, READ)
    cases = [
        (grant(http, {**creds, "client_secret": "mcs_wrong"}), 401, "invalid_client"),
        (
            http.post(
                "/api/v1/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": creds["client_id"],
                    "client_secret": "nope",
                },
            ),
            401,
            "invalid_client",
        ),
        (grant(http, creds, scope=HOOKS), 400, "invalid_scope"),  # not granted to it
        (grant(http, creds, scope="admin:everything"), 400, "invalid_scope"),
        (
            http.post("/api/v1/oauth/token", headers=basic(creds), data={"grant_type": "password"}),
            400,
            "unsupported_grant_type",
        ),
        (  # refused before the view (a NUL byte in the form): still an RFC body
            http.post(
                "/api/v1/oauth/token",
                headers=basic(creds),
                data={"grant_type": "client_credentials", "scope": "\x00"},
            ),
            400,
            "invalid_request",
        ),
    ]
    for answer, status, error in cases:
        body = answer.get_json()
        assert (answer.status_code, body["error"]) == (status, error), body
        assert body["code"] == error
        assert body["message"]
        assert body["message_en"]
    assert "Basic" in cases[0][0].headers["WWW-Authenticate"]  # RFC 6749 §5.2


def test_disabling_or_rotating_stops_tokens_at_once_and_is_audited(backend_app: Any) -> None:
    http = Checked(backend_app)
    world = client_world(backend_app)
    admin = bearer(world["admin_token"])
    creds = register_client(http, world, READ)
    first = token(http, creds)
    assert http.get("/api/v1/integrations/dossiers", headers=first).status_code == 200

    rotated = http.post(f"/api/v1/clients/{creds['client_id']}/secret", headers=admin)
    assert rotated.status_code == 200
    new_secret = rotated.get_json()["client_secret"]
    assert new_secret != creds["client_secret"]
    assert http.get("/api/v1/integrations/dossiers", headers=first).status_code == 401
    assert grant(http, creds).status_code == 401  # the old secret
    second = token(http, {**creds, "client_secret": new_secret})
    assert http.get("/api/v1/integrations/dossiers", headers=second).status_code == 200

    disabled = http.patch(
        f"/api/v1/clients/{creds['client_id']}", headers=admin, json={"is_active": False}
    )
    assert disabled.status_code == 200
    assert disabled.get_json()["is_active"] is False
    assert http.get("/api/v1/integrations/dossiers", headers=second).status_code == 401
    assert (
        grant(http, {**creds, "client_secret": new_secret}).get_json()["error"] == "invalid_client"
    )
    listed = http.get("/api/v1/clients", headers=admin).get_json()
    assert [(c["client_id"], c["is_active"]) for c in listed] == [(creds["client_id"], False)]

    audit = http.get(f"/api/v1/clients/{creds['client_id']}/audit", headers=admin).get_json()
    assert [e["action"] for e in audit] == ["registered", "secret_rotated", "disabled"]
    assert {e["actor_name"] for e in audit} == {"Nguyễn Văn " + audit[0]["actor_name"][11:]}
    assert all(e["actor_user_id"] and e["at"].endswith("+07:00") for e in audit)


def test_only_administrators_manage_clients(backend_app: Any) -> None:
    http = Checked(backend_app)
    world = client_world(backend_app)
    citizen = bearer(world["alice"])
    # A citizen gets 404 on administrators' routes, as everywhere in the back office.
    assert http.get("/api/v1/clients", headers=citizen).status_code == 404
    assert (
        http.post(
            "/api/v1/clients", headers=citizen, json={"name": "x", "scopes": [READ]}
        ).status_code
        == 404
    )
    assert http.get("/api/v1/clients").status_code == 401
    creds = register_client(http, world, READ)
    # A client's own token does not make it an administrator.
    assert http.get("/api/v1/clients", headers=token(http, creds)).status_code == 401


def test_every_new_operation_is_documented_with_an_id_typed_answers_and_security(app: Any) -> None:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    validate(spec)
    ours = {
        path: item
        for path, item in spec["paths"].items()
        if path.startswith(("/api/v1/clients", "/api/v1/integrations", "/api/v1/oauth"))
    }
    assert len(ours) == 11
    for path, item in ours.items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            where = f"{method.upper()} {path}"
            assert operation.get("operationId"), where
            assert "security" in operation, where
            ok = [s for s in operation["responses"] if s.startswith("2")]
            assert ok, where
            assert all("schema" in str(operation["responses"][s]) for s in ok), where
            for status, answer in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert "Error" in str(answer), where
    schemes = spec["components"]["securitySchemes"]
    assert (
        schemes["clientCredentials"]["flows"]["clientCredentials"]["tokenUrl"]
        == "/api/v1/oauth/token"
    )


def test_the_cli_registers_lists_rotates_and_disables_clients(app: Any) -> None:
    env = {
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SECRET_KEY": "test",
        "REDIS_URL": "",
        "MOTCUA_STORAGE": app.config["MOTCUA_STORAGE"],
    }

    class Runner:
        def invoke(self, args: list[str]) -> Any:
            return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)

    runner = Runner()
    created = runner.invoke(
        args=["clients", "create", "Ki-ốt phường", "--scope", SUBMIT, "--scope", HOOKS]
    )
    assert created.exit_code == 0, created.output
    client_id = created.output.split("client_id: ")[1].split()[0]
    secret = created.output.split("client_secret: ")[1].split()[0]
    http = Checked(app)
    assert grant(http, {"client_id": client_id, "client_secret": secret}).status_code == 200
    rotated = runner.invoke(args=["clients", "rotate-secret", client_id])
    assert rotated.exit_code == 0
    assert grant(http, {"client_id": client_id, "client_secret": secret}).status_code == 401
    assert runner.invoke(args=["clients", "disable", client_id]).exit_code == 0
    listed = runner.invoke(args=["clients", "list"]).output
    assert client_id in listed
    assert "disabled" in listed
    unknown = runner.invoke(args=["clients", "disable", "mcc_nope"])
    assert unknown.exit_code == 1
    assert "not found" in unknown.output


def test_an_administrator_registers_a_client_on_the_page(app: Any) -> None:
    world = client_world(app)
    admin = app.test_client()
    login(admin, world["admin"])
    page = admin.get("/backoffice/admin/clients/").get_data(as_text=True)
    created = admin.post(
        "/backoffice/admin/clients/",
        data={"csrf_token": csrf_token(page), "name": "Bưu điện tỉnh", "scopes": [SUBMIT, HOOKS]},
    )
    html = created.get_data(as_text=True)
    assert created.status_code == 200
    assert "mcs_" in html
    assert "Bưu điện tỉnh" in html
    client_id = html.split('id="client-id">')[1].split("<")[0]
    detail = admin.get(f"/backoffice/admin/clients/{client_id}").get_data(as_text=True)
    assert "registered" in detail
    citizen = app.test_client()
    login(citizen, "alice")
    assert citizen.get("/backoffice/admin/clients/").status_code in (403, 404)
