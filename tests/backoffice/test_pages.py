"""Back-office pages: login with CSRF, scoping by agency, the calendar administration."""

from typing import Any

from dossiers.lifecycle import Role
from motcua.database import get_db
from tests import factories as f
from tests.web import bearer, build_world, csrf_token, login


def _submitted(app: Any, client: Any, world: dict[str, Any]) -> dict[str, Any]:
    auth = bearer(world["alice"])
    dossier = client.post(
        "/api/v1/dossiers",
        headers=auth,
        json={"procedure": world["procedure"], "applicant": {"name": "Nguyễn Thị Lan"}},
    ).get_json()
    for component in dossier["components"]:
        client.put(
            f"/api/v1/dossiers/{dossier['id']}/components/{component['id']}",
            headers=auth,
            json={"state": "paper"},
        )
    return client.post(f"/api/v1/dossiers/{dossier['id']}/submit", headers=auth).get_json()


def test_staff_pages_require_login(client: Any) -> None:
    page = client.get("/backoffice/")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login?next=")


def test_login_without_csrf_token_is_refused(app: Any, client: Any) -> None:
    build_world(app)
    page = client.post("/login", data={"login": "clerk", "password": f.PASSWORD})
    assert page.status_code == 400


def test_a_wrong_password_says_so_in_both_languages(app: Any, client: Any) -> None:
    build_world(app)
    html = login(client, "clerk", "wrong password!!").get_data(as_text=True)
    assert "mật khẩu không đúng" in html
    assert "Wrong login or password" in html


def test_a_clerk_sees_the_dossiers_of_their_agency_only(app: Any, client: Any) -> None:
    world = build_world(app)
    submitted = _submitted(app, client, world)
    assert login(client, world["clerk"]).status_code == 302
    html = client.get("/backoffice/").get_data(as_text=True)
    assert submitted["code"] in html
    assert "Nguyễn Thị Lan" in html
    detail = client.get(f"/backoffice/dossiers/{submitted['id']}")
    assert detail.status_code == 200
    assert "Nộp hồ sơ trực tuyến" in detail.get_data(as_text=True)

    other = app.test_client()
    login(other, world["other_clerk"])
    assert submitted["code"] not in other.get("/backoffice/").get_data(as_text=True)
    assert other.get(f"/backoffice/dossiers/{submitted['id']}").status_code == 404


def test_an_administrator_adds_a_calendar_override(app: Any, client: Any) -> None:
    build_world(app)
    login(client, "admin")
    page = client.get("/backoffice/calendar?year=2027").get_data(as_text=True)
    saved = client.post(
        "/backoffice/calendar?year=2027",
        data={
            "csrf_token": csrf_token(page),
            "day": "2027-03-12",
            "reason": "Quyết định số 1/QĐ-UBND",
        },
    )
    assert saved.status_code == 302
    html = client.get("/backoffice/calendar?year=2027").get_data(as_text=True)
    assert "12/03/2027" in html
    assert "Quyết định số 1/QĐ-UBND" in html
    due = client.get(
        "/api/v1/calendar/due", query_string={"from": "2027-03-11T09:00:00+07:00", "value": 1}
    ).get_json()
    assert due["due"] == "2027-03-15T17:00:00+07:00"  # Friday 12/03 is now off: Monday


def test_a_clerk_cannot_change_the_calendar(app: Any, client: Any) -> None:
    build_world(app)
    with get_db(app).factory() as db:
        f.user(db, Role.RECEPTION, None, login="plainclerk")
        db.commit()
    login(client, "plainclerk")
    page = client.get("/backoffice/calendar").get_data(as_text=True)
    assert "Thêm điều chỉnh" not in page
    response = client.post(
        "/backoffice/calendar",
        data={"csrf_token": csrf_token(page), "day": "2027-03-12", "reason": "Tự ý nghỉ"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "không có quyền" in html
    assert "12/03/2027" not in client.get("/backoffice/calendar?year=2027").get_data(as_text=True)
