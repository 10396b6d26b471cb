"""The administrators' pages: home, agencies import with a preview; each role's start page."""

import io
import json
import re
from typing import Any

import yaml
from sqlalchemy import select

from dossiers.agencies import Agency
from dossiers.audit import AdminEvent
from dossiers.lifecycle import Role
from motcua.database import get_db
from tests import factories as f
from tests.integrations import Checked, backend_app  # noqa: F401 - the fixture
from tests.web import bearer, build_world, csrf_token, login

MERGER = """agencies:
  - code: 000.00.02.H99
    name: UBND xã Thử
    kind: commune
    valid_from: 2025-07-01
    valid_to: 2026-01-01
    successor: 000.00.03.H99
  - code: 000.00.03.H99
    name: UBND xã Mới Hợp Nhất
    kind: commune
    valid_from: 2026-01-01
    parent: 000.00.01.H99
"""


def _agencies(app: Any) -> dict[str, Agency]:
    with get_db(app).factory() as db:
        return {a.code: a for a in db.scalars(select(Agency))}


def _upload(http: Any, text: str, name: str = "coquan.yaml") -> Any:
    token = csrf_token(http.get("/backoffice/admin/agencies/").get_data(as_text=True))
    return http.post(
        "/backoffice/admin/agencies/preview",
        content_type="multipart/form-data",
        data={"csrf_token": token, "file": (io.BytesIO(text.encode()), name)},
    )


def test_an_administrator_previews_then_applies_an_agencies_file(app: Any) -> None:
    world = build_world(app)
    admin = app.test_client()
    assert login(admin, world["admin"]).headers["Location"] == "/backoffice/admin/"
    home = admin.get("/backoffice/admin/").get_data(as_text=True)
    for href in (
        "/backoffice/admin/agencies/",
        "/backoffice/admin/users/",
        "/backoffice/work/processes",
        "/backoffice/calendar",
        "/backoffice/exchange/",
        "/backoffice/admin/clients/",
    ):
        assert f'href="{href}"' in home, href
    preview = _upload(admin, MERGER)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "000.00.03.H99" in html
    assert "Kết thúc hiệu lực ngày 01/01/2026" in html
    assert _agencies(app)["000.00.02.H99"].valid_to is None  # nothing written by the preview
    data = html.split('name="data" value="')[1].split('"')[0]
    applied = admin.post(
        "/backoffice/admin/agencies/apply",
        data={
            "csrf_token": csrf_token(html),
            "data": data.replace("&#34;", '"').replace("&quot;", '"'),
        },
    )
    assert applied.status_code == 302
    agencies = _agencies(app)
    assert agencies["000.00.02.H99"].successor_id == agencies["000.00.03.H99"].id
    again = _upload(admin, MERGER).get_data(as_text=True)
    assert 'id="nothing"' in again
    listing = admin.get("/backoffice/admin/agencies/").get_data(as_text=True)
    assert "01/07/2025 – 01/01/2026 → <code>000.00.03.H99</code>" in listing


def test_a_bad_file_is_refused_naming_the_entry(app: Any) -> None:
    world = build_world(app)
    admin = app.test_client()
    login(admin, world["admin"])
    answer = _upload(admin, MERGER.replace("kind: commune", "kind: xa", 1))
    assert answer.status_code == 422
    assert "agencies[1].kind" in answer.get_data(as_text=True)
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nagencies: [*b]\n"
    assert _upload(admin, bomb).status_code == 422
    assert _upload(admin, "\xff\xfe", name="x.json").status_code in (400, 422)


def test_the_pages_need_csrf(app: Any) -> None:
    world = build_world(app)
    admin = app.test_client()
    login(admin, world["admin"])
    assert (
        admin.post(
            "/backoffice/admin/agencies/apply", data={"data": json.dumps({"agencies": []})}
        ).status_code
        == 400
    )


def test_citizens_get_404_and_other_staff_403(app: Any) -> None:
    world = build_world(app)
    citizen, clerk = app.test_client(), app.test_client()
    with get_db(app).factory() as db:
        f.user(db, login="dan")
        db.commit()
    login(citizen, "dan")
    login(clerk, world["clerk"])
    for url in ("/backoffice/admin/", "/backoffice/admin/agencies/"):
        assert citizen.get(url).status_code == 404, url
        assert clerk.get(url).status_code == 403, url
    assert citizen.get("/api/v1/admin/agencies", headers=bearer(world["alice"])).status_code == 404


def test_each_role_lands_on_its_own_page_and_sees_its_links(app: Any) -> None:
    world = build_world(app)
    with get_db(app).factory() as db:
        centre = db.scalar(select(Agency).where(Agency.code == world["centre"]))
        f.user(db, Role.OFFICER, centre, login="officer")
        f.user(db, Role.SUPERVISOR, None, login="supervisor")
        db.commit()
    for who, start in (
        (world["admin"], "/backoffice/admin/"),
        (world["clerk"], "/backoffice/desk/"),
        ("officer", "/backoffice/work/"),
        ("supervisor", "/backoffice/"),
    ):
        http = app.test_client()
        assert login(http, who).headers["Location"] == start, who
        assert http.get(start).status_code == 200, who
    admin = app.test_client()
    login(admin, world["admin"])
    nav = admin.get("/backoffice/admin/").get_data(as_text=True).split("</nav>")[0]
    assert 'href="/backoffice/admin/"' in nav
    assert 'href="/backoffice/desk/"' not in nav
    english = admin.get("/backoffice/admin/?lang=en").get_data(as_text=True)
    assert "Integration clients" in english
    assert "Users and roles" in english
    assert "Import procedures" not in english  # no link to a page that is not installed


def _checked(app: Any) -> Checked:
    """A test client whose answers under /api/v1/admin are validated against the document."""
    checked = Checked(app)
    checked.routes = [
        (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), item)
        for path, item in checked.spec["paths"].items()
        if path.startswith("/api/v1/admin")
    ]
    return checked


class _Http:
    def __init__(self, checked: Checked) -> None:
        self.checked = checked

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.checked.open("post", url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.checked.open("get", url, **kwargs)


def test_the_api_imports_with_a_dry_run_first(backend_app: Any) -> None:  # noqa: F811
    app = backend_app
    world = build_world(app)
    from dossiers.accounts import get_user, issue_token

    with get_db(app).factory() as db:
        token = issue_token(db, get_user(db, world["admin"]), "admin")
        db.commit()
    checked = _checked(app)
    http = _Http(checked)
    body = json.loads(json.dumps(yaml.safe_load(MERGER), default=str))
    dry = http.post("/api/v1/admin/agencies/import?dry_run=true", json=body, headers=bearer(token))
    assert dry.status_code == 200, dry.get_json()
    assert dry.get_json()["applied"] is False
    assert dry.get_json()["created"] == ["000.00.03.H99"]
    assert _agencies(app)["000.00.02.H99"].valid_to is None
    done = http.post("/api/v1/admin/agencies/import", json=body, headers=bearer(token))
    assert done.get_json()["changes"][0]["closed_on"] == "2026-01-01"
    again = http.post("/api/v1/admin/agencies/import", json=body, headers=bearer(token))
    assert again.get_json()["changed"] is False
    bad = http.post(
        "/api/v1/admin/agencies/import", json={"agencies": [{"code": "x!"}]}, headers=bearer(token)
    )
    assert bad.status_code == 400
    assert bad.get_json()["message_en"].startswith("agencies[1].code:")
    listed = http.get("/api/v1/admin/agencies", headers=bearer(token)).get_json()
    assert {a["code"]: a["successor"] for a in listed}["000.00.02.H99"] == "000.00.03.H99"
    with get_db(app).factory() as db:
        events = db.scalars(select(AdminEvent)).all()
    assert [e.action for e in events] == ["agencies:import"]
    assert events[0].actor_name
    clerk = http.get("/api/v1/admin/agencies", headers=bearer(world["alice"]))
    assert clerk.status_code == 404  # a citizen
    assert checked.checked >= 6
    operations = {
        op["operationId"]
        for item in checked.spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {"importAgencies", "adminListAgencies"} <= operations
