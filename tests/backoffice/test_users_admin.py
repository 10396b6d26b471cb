"""Users and roles administered from pages and the API: the same use cases, audited."""

from typing import Any

from sqlalchemy import select

from dossiers.accounts import User, get_user, issue_token
from dossiers.audit import AdminEvent
from dossiers.lifecycle import Role
from motcua.database import get_db
from tests.backoffice.test_admin_pages import _checked, _Http
from tests.integrations import backend_app  # noqa: F401 - the fixture
from tests.web import bearer, build_world, csrf_token, login


def _user(app: Any, login_: str) -> tuple[bool, set[tuple[str, int | None]]]:
    with get_db(app).factory() as db:
        user = db.scalar(select(User).where(User.login == login_))
        assert user is not None
        return user.is_active, {(g.role, g.agency_id) for g in user.grants}


def test_an_administrator_creates_grants_disables_and_resets_on_the_pages(app: Any) -> None:
    world = build_world(app)
    admin = app.test_client()
    login(admin, world["admin"])
    page = admin.get("/backoffice/admin/users/?q=clerk").get_data(as_text=True)
    assert ">clerk</a>" in page
    assert ">alice</a>" not in page
    created = admin.post(
        "/backoffice/admin/users/",
        data={
            "csrf_token": csrf_token(page),
            "login": "lan.tn",
            "full_name": "Trần Thị Lan",
            "email": "lan@dongthap.gov.vn",
            "password": "ignored-if-sent",
        },
    )
    assert created.headers["Location"] == "/backoffice/admin/users/lan.tn"
    detail = admin.get("/backoffice/admin/users/lan.tn").get_data(as_text=True)
    assert "password" not in detail.lower().replace("mật khẩu", "")
    token = csrf_token(detail)
    admin.post(
        "/backoffice/admin/users/lan.tn/grants",
        data={"csrf_token": token, "role": "reception", "agency": world["centre"]},
    )
    with get_db(app).factory() as db:
        from dossiers.agencies import get_by_code

        centre = get_by_code(db, world["centre"]).id
    assert _user(app, "lan.tn") == (True, {("reception", centre)})
    refused = admin.post(
        "/backoffice/admin/users/lan.tn/grants",
        data={"csrf_token": token, "role": "leader", "agency": ""},
        follow_redirects=True,
    )
    assert "Vai trò này cần một cơ quan" in refused.get_data(as_text=True)
    admin.post(
        "/backoffice/admin/users/lan.tn/grants/withdraw",
        data={"csrf_token": token, "role": "reception", "agency": world["centre"]},
    )
    admin.post("/backoffice/admin/users/lan.tn/active", data={"csrf_token": token, "active": "0"})
    assert _user(app, "lan.tn") == (False, set())
    admin.post("/backoffice/admin/users/lan.tn/active", data={"csrf_token": token, "active": "1"})
    assert (
        admin.post("/backoffice/admin/users/lan.tn/reset", data={"csrf_token": token}).status_code
        == 302
    )
    assert admin.post("/backoffice/admin/users/lan.tn/reset", data={}).status_code == 400  # CSRF
    history = admin.get("/backoffice/admin/users/lan.tn").get_data(as_text=True)
    for action in (
        "users:create",
        "users:grant",
        "users:withdraw",
        "users:disable",
        "users:enable",
        "users:reset",
    ):
        assert f"<code>{action}</code>" in history, action
    assert admin.get("/backoffice/admin/users/nobody").status_code == 404


def test_staff_without_the_admin_role_get_403_and_citizens_404(app: Any) -> None:
    world = build_world(app)
    clerk, citizen = app.test_client(), app.test_client()
    login(clerk, world["clerk"])
    login(citizen, "alice")
    assert clerk.get("/backoffice/admin/users/").status_code == 403
    assert clerk.get("/backoffice/admin/users/clerk").status_code == 403
    assert citizen.get("/backoffice/admin/users/").status_code == 404


def test_the_api_administers_users_with_typed_answers(backend_app: Any) -> None:  # noqa: F811
    app = backend_app
    world = build_world(app)
    with get_db(app).factory() as db:
        token = bearer(issue_token(db, get_user(db, world["admin"]), "admin"))
        clerk_token = bearer(issue_token(db, get_user(db, world["clerk"]), "clerk"))
        db.commit()
    checked = _checked(app)
    http = _Http(checked)
    made = http.post(
        "/api/v1/admin/users",
        headers=token,
        json={"login": "hai", "full_name": "Lê Văn Hai", "email": "hai@dongthap.gov.vn"},
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["grants"] == []
    granted = http.post(
        "/api/v1/admin/users/hai/grants",
        headers=token,
        json={"role": "officer", "agency": world["centre"]},
    )
    assert granted.get_json()["grants"] == [{"role": "officer", "agency": world["centre"]}]
    assert (
        http.post(
            "/api/v1/admin/users/hai/grants", headers=token, json={"role": "officer"}
        ).status_code
        == 400
    )
    assert (
        http.post(
            "/api/v1/admin/users/hai/grants", headers=token, json={"role": "citizen"}
        ).status_code
        == 422
    )
    off = checked.open("patch", "/api/v1/admin/users/hai", headers=token, json={"is_active": False})
    assert off.get_json()["is_active"] is False
    on = checked.open("patch", "/api/v1/admin/users/hai", headers=token, json={"is_active": True})
    assert on.status_code == 200
    assert http.post("/api/v1/admin/users/hai/password-reset", headers=token).status_code == 200
    withdrawn = http.post(
        "/api/v1/admin/users/hai/grants/withdraw",
        headers=token,
        json={"role": "officer", "agency": world["centre"]},
    )
    assert withdrawn.get_json()["grants"] == []
    found = http.get("/api/v1/admin/users?q=hai", headers=token).get_json()
    assert [u["login"] for u in found] == ["hai"]
    assert http.get("/api/v1/admin/users/hai", headers=clerk_token).status_code == 403
    assert http.get("/api/v1/admin/users/nobody", headers=token).status_code == 404
    with get_db(app).factory() as db:
        actions = [e.action for e in db.scalars(select(AdminEvent).order_by(AdminEvent.id))]
    assert actions == [
        "users:create",
        "users:grant",
        "users:disable",
        "users:enable",
        "users:reset",
        "users:withdraw",
    ]
    assert Role.OFFICER.value == "officer"
