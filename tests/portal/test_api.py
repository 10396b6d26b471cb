"""The /api/v1 operations of the portal, driven as an integration would."""

import io
from typing import Any

from openapi_spec_validator import validate

from tests import samples
from tests.web import bearer, build_world


def test_openapi_document_is_valid_and_lists_the_operations(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/procedures",
        "/api/v1/procedures/{code}",
        "/api/v1/dossiers",
        "/api/v1/dossiers/{dossier_id}/submit",
        "/api/v1/calendar/due",
    ):
        assert path in spec["paths"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_search_is_accent_insensitive(app: Any, client: Any) -> None:
    build_world(app)
    found = client.get("/api/v1/procedures?q=khai sinh").get_json()
    assert [p["code"] for p in found] == ["1.001193"]
    assert found[0]["online_level"] == "toan_trinh"
    assert found[0]["legacy_level"] == 4


def test_a_citizen_files_a_dossier_through_the_api(app: Any, client: Any) -> None:
    world = build_world(app)
    auth = bearer(world["alice"])
    draft = client.post(
        "/api/v1/dossiers",
        headers=auth,
        json={
            "procedure": world["procedure"],
            "applicant": {"name": "Nguyễn Thị Lan", "id_number": "079123456789"},
        },
    )
    assert draft.status_code == 201, draft.get_json()
    dossier = draft.get_json()
    assert dossier["status"] == "draft"
    assert dossier["code"] is None
    first, drawings, proxy = dossier["components"]

    early = client.post(f"/api/v1/dossiers/{dossier['id']}/submit", headers=auth)
    assert early.status_code == 400
    assert early.get_json()["code"] == "incomplete"
    assert "Còn thiếu thành phần bắt buộc" in early.get_json()["message"]

    upload = client.post(
        f"/api/v1/dossiers/{dossier['id']}/components/{first['id']}/files",
        headers=auth,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(samples.pdf()), "don.pdf")},
    )
    assert upload.status_code == 201, upload.get_json()
    mark = client.put(
        f"/api/v1/dossiers/{dossier['id']}/components/{drawings['id']}",
        headers=auth,
        json={"state": "paper"},
    )
    assert mark.status_code == 200

    submitted = client.post(f"/api/v1/dossiers/{dossier['id']}/submit", headers=auth)
    body = submitted.get_json()
    assert submitted.status_code == 200, body
    assert body["status"] == "submitted"
    assert body["national_status"] == 1
    assert body["code"].startswith(world["centre"] + "-")
    assert [e["kind"] for e in body["events"]] == ["created", "submitted"]

    again = client.post(f"/api/v1/dossiers/{dossier['id']}/submit", headers=auth)
    assert again.status_code == 409
    assert again.get_json()["code"] == "illegal_transition"
    assert (
        client.get(f"/api/v1/dossiers/{dossier['id']}", headers=auth).get_json()["code"]
        == body["code"]
    )  # a retried submit neither acts twice nor takes a new number


def test_another_citizen_gets_404_for_someone_elses_dossier(app: Any, client: Any) -> None:
    world = build_world(app)
    created = client.post(
        "/api/v1/dossiers",
        headers=bearer(world["alice"]),
        json={"procedure": world["procedure"], "applicant": {"name": "Alice"}},
    ).get_json()
    intruder = bearer(world["bob"])
    component = created["components"][0]["id"]
    for method, url in [
        ("get", f"/api/v1/dossiers/{created['id']}"),
        ("post", f"/api/v1/dossiers/{created['id']}/submit"),
        ("put", f"/api/v1/dossiers/{created['id']}/components/{component}"),
    ]:
        kwargs = {"json": {"state": "paper"}} if method == "put" else {}
        response = getattr(client, method)(url, headers=intruder, **kwargs)
        assert response.status_code == 404, url
        assert response.get_json()["code"] == "not_found"


def test_errors_are_json_with_a_code_and_a_vietnamese_message(client: Any) -> None:
    missing = client.get("/api/v1/procedures/0.000000")
    assert missing.status_code == 404
    assert missing.get_json()["code"] == "not_found"
    assert "Không tìm thấy" in missing.get_json()["message"]
    bad_token = client.get("/api/v1/me", headers=bearer("mc_wrong"))
    assert bad_token.status_code == 401
    assert bad_token.get_json()["code"] == "unauthorized"
    anonymous = client.post("/api/v1/dossiers", json={"procedure": "x", "applicant": {"name": "A"}})
    assert anonymous.status_code == 401
    assert anonymous.get_json()["code"] == "unauthenticated"
    invalid = client.get("/api/v1/calendar/due?from=2026-02-13T09:00&value=5")
    assert invalid.status_code == 422
    assert invalid.get_json()["code"] == "invalid_input"
    assert "from" in invalid.get_json()["errors"]["query"]


def test_calendar_due_over_tet_through_the_api(client: Any) -> None:
    due = client.get(
        "/api/v1/calendar/due", query_string={"from": "2026-02-13T09:00:00+07:00", "value": 5}
    ).get_json()
    # Tết 16–20/02/2026 is off: Mon 23 … Fri 27 are the five working days.
    assert due["due"] == "2026-02-27T17:00:00+07:00"


def test_every_operation_declares_its_security_and_the_document_names_its_server(
    app_factory: Any,
) -> None:
    app = app_factory(MOTCUA_BASE_URL="https://dichvucong.example.vn/")
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    undeclared = [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method != "parameters" and "security" not in operation
    ]
    assert undeclared == []  # `security: []` marks the public ones
    assert spec["paths"]["/api/v1/lookup"]["get"]["security"] == []
    assert spec["servers"][0]["url"] == "https://dichvucong.example.vn"
