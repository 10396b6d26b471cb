"""Hostile or broken input gets a clear 4xx (JSON ``code`` + Vietnamese ``message`` under
/api), never a 500, and leaves nothing behind: no row, no stored file.

The app here runs on SQLite and on PostgreSQL: what PostgreSQL refuses outright (NUL
characters in text, ids beyond 32 bits) must be refused by the app before it gets there.
"""

import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pikepdf
import pytest
from flask import Response
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from dossiers.accounts import issue_token
from dossiers.agencies import Agency
from dossiers.lifecycle import Role
from dossiers.records import DossierFile
from motcua.database import get_db
from motcua.files import content_disposition
from motcua.security import IdConverter
from tests import bombs, samples
from tests import factories as f
from tests.conftest import BACKENDS, fresh_database
from tests.web import bearer, build_world, login


def _vietnamese(text: str) -> bool:
    """Written in Vietnamese: it carries Vietnamese letters (đ, ư, ơ, tone marks …)."""
    return any(unicodedata.combining(c) or c in "đĐ" for c in unicodedata.normalize("NFD", text))


@pytest.fixture(params=BACKENDS)
def app(request: pytest.FixtureRequest, app_factory: Any, tmp_path: Path) -> Iterator[Any]:
    """The conftest ``app``, once per database backend (``client`` follows it).

    Unexpected exceptions answer 500 as in production (instead of propagating), so a test
    reports the status the user would get; the traceback is in the captured log.
    """
    overrides: dict[str, Any] = {"PROPAGATE_EXCEPTIONS": False}
    if request.param == "postgresql":
        overrides["DATABASE_URL"] = fresh_database("postgresql", "hostile", tmp_path)
    built = app_factory(**overrides)
    yield built
    get_db(built).engine.dispose()


# --- helpers ---------------------------------------------------------------------------------


def _api_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is a JSON error with a code and a Vietnamese message."""
    assert response.status_code == status, (response.status_code, response.get_data()[:500])
    assert response.is_json, response.get_data()[:500]
    body: dict[str, Any] = response.get_json()
    assert body.get("code"), body
    if code is not None:
        assert body["code"] == code, body
    assert _vietnamese(body.get("message") or ""), body
    assert body["message"] != body.get("message_en"), body
    return body


def _outcome(call: Callable[[], Any]) -> tuple[int, str]:
    """(status, body) of a request; an exception that escapes even the 500 handler is 599."""
    try:
        response = call()
    except Exception as error:  # noqa: BLE001 - reported, not swallowed: the test fails on it
        return 599, f"raised {type(error).__name__}: {str(error)[:120]}"
    return response.status_code, response.get_data(as_text=True)[:200]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _stored_files(app: Any) -> int:
    root = Path(app.config["MOTCUA_STORAGE"])
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def _file_rows(app: Any) -> int:
    with get_db(app).factory() as db:
        return db.scalar(select(func.count()).select_from(DossierFile)) or 0


def _draft(client: Any, world: dict[str, Any]) -> dict[str, Any]:
    created = client.post(
        "/api/v1/dossiers",
        headers=bearer(world["alice"]),
        json={"procedure": world["procedure"], "applicant": {"name": "Nguyễn Thị Lan"}},
    )
    assert created.status_code == 201, created.get_json()
    body: dict[str, Any] = created.get_json()
    return body


def _upload(
    client: Any,
    world: dict[str, Any],
    dossier: dict[str, Any],
    data: bytes,
    name: str = "x.pdf",
    position: int = 0,
) -> Any:
    component = dossier["components"][position]["id"]
    return client.post(
        f"/api/v1/dossiers/{dossier['id']}/components/{component}/files",
        headers=bearer(world["alice"]),
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data), name)},
    )


# --- ids -------------------------------------------------------------------------------------


def test_ids_out_of_range_are_404(app: Any, client: Any) -> None:
    """Ids that fit the URL pattern but not a 32-bit column, or not the pattern at all."""
    world = build_world(app)
    wrong = []
    for url in (
        "/api/v1/dossiers/3000000000",
        "/api/v1/dossiers/2147483648",
        "/api/v1/dossiers/99999999999999999999",
        "/api/v1/dossiers/0",
        "/api/v1/dossiers/-1",
        "/api/v1/dossiers/3000000000/files/1",
        "/api/v1/dossiers/1/files/3000000000",
    ):
        response = client.get(url, headers=bearer(world["alice"]))
        if response.status_code != 404 or response.get_json()["code"] != "not_found":
            wrong.append(f"GET {url} -> {response.status_code}")
    _api_error(
        client.post("/api/v1/inbox/3000000000/read", headers=bearer(world["alice"])),
        404,
        "not_found",
    )

    staff = app.test_client()
    assert login(staff, world["clerk"]).status_code == 302
    for url in (
        "/backoffice/dossiers/99999999999999999999",
        "/backoffice/dossiers/3000000000",
        "/backoffice/dossiers/0",
    ):
        page = staff.get(url)
        if page.status_code != 404 or "Không tìm thấy" not in page.get_data(as_text=True):
            wrong.append(f"GET {url} (clerk) -> {page.status_code}")

    assert login(client, "alice").status_code == 302
    token = _csrf(client.get("/my/dossiers").get_data(as_text=True))
    for url in (
        "/my/dossiers/0",
        "/my/dossiers/3000000000",
        "/my/dossiers/99999999999999999999/review",
        "/my/dossiers/2147483648/files/1",
    ):
        if (status := client.get(url).status_code) != 404:
            wrong.append(f"GET {url} (alice) -> {status}")
    for url in ("/inbox/3000000000/read", "/my/dossiers/3000000000/submit"):
        if (status := client.post(url, data={"csrf_token": token}).status_code) != 404:
            wrong.append(f"POST {url} (alice) -> {status}")
    assert not wrong, "\n".join(wrong)


@pytest.fixture
def unguarded(app_factory: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The app with CSRF off, so a POST with a huge id reaches the view, on both databases."""
    overrides: dict[str, Any] = {"PROPAGATE_EXCEPTIONS": False, "WTF_CSRF_ENABLED": False}
    if request.param == "postgresql":
        overrides["DATABASE_URL"] = fresh_database("postgresql", "hostile_routes", tmp_path)
    built = app_factory(**overrides)
    yield built
    get_db(built).engine.dispose()


HUGE_IDS = ("2147483648", "99999999999999999999")


@pytest.mark.parametrize("unguarded", BACKENDS, indirect=True)
def test_a_huge_id_on_every_route_that_takes_one_is_never_a_server_error(unguarded: Any) -> None:
    """Every rule of the URL map with a number in it, every method, as every kind of user."""
    app = unguarded
    world = build_world(app)
    with get_db(app).factory() as db:
        staff = {
            role: f.user(
                db,
                role,
                db.scalar(select(Agency).filter_by(code=world["centre"])),
                login=f"u_{role.value}",
            )
            for role in (Role.RECEPTION, Role.OFFICER, Role.LEADER, Role.SUPERVISOR)
        }
        tokens = {role: issue_token(db, user, "t") for role, user in staff.items()}
        db.commit()
    clients: dict[str, tuple[Any, dict[str, str]]] = {
        "anonymous": (app.test_client(), {}),
        "citizen token": (app.test_client(), bearer(world["alice"])),
        **{
            f"{role.value} token": (app.test_client(), bearer(token))
            for role, token in tokens.items()
        },
    }
    for who in (
        "alice",
        world["admin"],
        *(user_login for user_login in (f"u_{r.value}" for r in staff)),
    ):
        client = app.test_client()
        signed_in = client.post("/login", data={"login": who, "password": f.PASSWORD})
        assert signed_in.status_code == 302, who  # the real form; CSRF is off in this app
        clients[f"{who} session"] = (client, {})
    numeric = (IdConverter, IntegerConverter)
    wrong, tried = [], 0
    for rule in app.url_map.iter_rules():
        kinds = rule._converters  # noqa: SLF001 - the converters say which arguments are numbers
        if not any(isinstance(c, numeric) for c in kinds.values()):
            continue
        for huge in HUGE_IDS:
            url = rule.rule
            for name, converter in kinds.items():
                value = huge if isinstance(converter, numeric) else "x"
                url = re.sub(rf"<[^>]*:{name}>|<{name}>", value, url)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                for who, (client, headers) in clients.items():
                    tried += 1
                    status, body = _outcome(
                        lambda c=client, m=method, u=url, h=headers: c.open(
                            u, method=m, headers=h, json={}
                        )
                    )
                    if status >= 500:
                        wrong.append(f"{method} {url} ({who}) -> {status} {body[:80]}")
    assert tried > 500
    assert not wrong, "\n".join(wrong)


# --- NUL characters --------------------------------------------------------------------------


def test_a_nul_character_in_a_json_body_is_400_and_stores_nothing(app: Any, client: Any) -> None:
    world = build_world(app)
    auth = bearer(world["alice"])
    response = client.post(
        "/api/v1/dossiers",
        headers=auth,
        json={"procedure": world["procedure"], "applicant": {"name": "A\u0000B"}},
    )
    _api_error(response, 400)
    raw = client.post(
        "/api/v1/dossiers",
        headers=auth,
        content_type="application/json",
        data=b'{"procedure": "1.000001", "applicant": {"name": "A\\u0000B"}}',
    )
    _api_error(raw, 400)
    assert client.get("/api/v1/dossiers", headers=auth).get_json() == []


def test_a_nul_character_in_a_query_string_is_400(app: Any, client: Any) -> None:
    build_world(app)
    assert client.get("/procedures?q=a%00b").status_code == 400
    _api_error(client.get("/api/v1/procedures?q=a%00b"), 400)
    _api_error(client.get("/api/v1/lookup?code=a%00b&secret=1234"), 400)


def test_a_nul_character_in_a_form_is_400(app: Any, client: Any) -> None:
    build_world(app)
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"login": "ali\x00ce", "password": f.PASSWORD, "csrf_token": _csrf(page)}
    )
    assert response.status_code == 400


def test_a_nul_character_in_a_url_path_is_a_4xx(app: Any, client: Any) -> None:
    """NUL inside a path segment (a procedure code) never reaches the database."""
    build_world(app)
    browser = app.test_client()
    assert login(browser, "alice").status_code == 302
    wrong = []
    for who, url in (
        (client, "/api/v1/procedures/a%00b"),
        (client, "/procedures/a%00b"),
        (browser, "/my/dossiers/new/a%00b"),
    ):
        status, body = _outcome(lambda who=who, url=url: who.get(url))
        if status not in (400, 404):
            wrong.append(f"GET {url} -> {status} {body}")
    assert not wrong, "\n".join(wrong)


def test_a_nul_character_in_an_upload_filename_is_refused_or_removed(app: Any, client: Any) -> None:
    world = build_world(app)
    dossier = _draft(client, world)
    component = dossier["components"][0]["id"]
    browser = app.test_client()
    assert login(browser, "alice").status_code == 302
    token = _csrf(browser.get("/my/dossiers").get_data(as_text=True))
    wrong = []
    status, body = _outcome(lambda: _upload(client, world, dossier, samples.pdf(), "a\x00b.pdf"))
    if status >= 500 or (status == 201 and "\\u0000" in body):
        wrong.append(f"POST /api/v1/…/files -> {status} {body}")
    url = f"/my/dossiers/{dossier['id']}/components/{component}/files"
    status, body = _outcome(
        lambda: browser.post(
            url,
            data={"csrf_token": token, "file": (io.BytesIO(samples.pdf(marker="2")), "c\x00d.pdf")},
        )
    )
    if status >= 500:
        wrong.append(f"POST {url} -> {status} {body}")
    detail = client.get(f"/api/v1/dossiers/{dossier['id']}", headers=bearer(world["alice"]))
    names = [file["filename"] for file in detail.get_json()["components"][0]["files"]]
    if any("\x00" in name for name in names):
        wrong.append(f"recorded file names with NUL: {names!r}")
    assert not wrong, "\n".join(wrong)


def test_a_lone_surrogate_in_a_json_body_is_a_4xx(app: Any, client: Any) -> None:
    """JSON may escape half a UTF-16 pair (``\\ud800``); that is not text and is refused."""
    world = build_world(app)
    auth = bearer(world["alice"])
    wrong = []
    for url, headers, data in (
        ("/api/v1/tokens", {}, b'{"login": "\\ud800", "password": "x"}'),
        (
            "/api/v1/dossiers",
            auth,
            b'{"procedure": "1.000001", "applicant": {"name": "Lan \\udc80"}}',
        ),
        (
            "/api/v1/accounts",
            {},
            b'{"full_name": "\\ud800", "id_number": "079123456789", '
            b'"phone": "0901234567", "email": "lan@example.vn", '
            b'"password": "mat khau du dai 123"}',
        ),
    ):
        status, body = _outcome(
            lambda url=url, headers=headers, data=data: client.post(
                url, headers=headers, data=data, content_type="application/json"
            )
        )
        if not 400 <= status < 500 or '"code"' not in body:
            wrong.append(f"POST {url} -> {status} {body}")
    assert not wrong, "\n".join(wrong)
    assert client.get("/api/v1/dossiers", headers=auth).get_json() == []


# --- CSRF for cookie sessions on the API -----------------------------------------------------


def test_a_cookie_session_needs_the_csrf_header_to_change_things(app: Any, client: Any) -> None:
    world = build_world(app)
    assert login(client, "alice").status_code == 302
    body = {"procedure": world["procedure"], "applicant": {"name": "Nguyễn Thị Lan"}}
    refused = client.post("/api/v1/dossiers", json=body)
    _api_error(refused, 400)
    assert client.get("/api/v1/dossiers").get_json() == []  # reading needs no header

    token = _csrf(client.get("/my/dossiers").get_data(as_text=True))
    forged = client.post("/api/v1/dossiers", json=body, headers={"X-CSRFToken": "forged"})
    _api_error(forged, 400)
    accepted = client.post("/api/v1/dossiers", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.get_json()
    assert [d["id"] for d in client.get("/api/v1/dossiers").get_json()] == [
        accepted.get_json()["id"]
    ]


# --- query arguments -------------------------------------------------------------------------


def test_search_paging_out_of_range_is_422(client: Any) -> None:
    for query in (
        "offset=99999999999999999999",
        "offset=-1",
        "limit=0",
        "limit=99999999999999999999",
        "limit=abc",
    ):
        body = _api_error(client.get(f"/api/v1/procedures?{query}"), 422, "invalid_input")
        assert body["errors"]["query"], (query, body)


def test_calendar_due_out_of_range_is_422(client: Any) -> None:
    start = "from=2026-02-13T09:00%2B07:00"
    for query in (
        "from=9999-12-31T09:00%2B07:00&value=1",
        "from=0001-01-01T09:00%2B07:00&value=1",
        f"{start}&value=-1",
        f"{start}&value=99999",
        f"{start}&value=99999999999999999999",
        f"{start}&value=1&unit=fortnights",
        f"{start}&value=1&cut_off=25:00",
        "from=2026-02-30T09:00%2B07:00&value=1",
        "from=2026-02-13T09:00%2B99:00&value=1",
        start,
    ):
        body = _api_error(client.get(f"/api/v1/calendar/due?{query}"), 422, "invalid_input")
        assert body["errors"]["query"], (query, body)


def test_a_cut_off_with_an_offset_is_the_same_instant_in_vietnam(client: Any) -> None:
    """15:00+07:00, 08:00Z and 15:00 are one cut-off; a dossier in at 15:30 counts from the next
    working day (Friday 13 → Monday 16 March 2026)."""
    start = "from=2026-03-13T15:30%2B07:00&value=0"
    answers = []
    for cut_off in ("15:00", "15:00%2B07:00", "08:00Z", "08:00%2B00:00", "16:00%2B08:00"):
        response = client.get(f"/api/v1/calendar/due?{start}&cut_off={cut_off}")
        assert response.status_code == 200, (cut_off, response.get_data(as_text=True)[:300])
        answers.append(response.get_json())
    assert all(answer == answers[0] for answer in answers), answers
    assert answers[0]["counted_from"].startswith("2026-03-16T")
    late = client.get(f"/api/v1/calendar/due?{start}&cut_off=09:00Z").get_json()  # 16:00 here
    assert late["counted_from"] == "2026-03-13T15:30:00+07:00"


def test_reports_over_the_edges_of_the_calendar_are_4xx(app: Any, client: Any) -> None:
    """Found by the schemathesis run: 9999-12-31 plus a day overflowed into a 500."""
    world = build_world(app)
    with get_db(app).factory() as db:
        centre = db.scalar(select(Agency).filter_by(code=world["centre"]))
        leader = bearer(issue_token(db, f.user(db, Role.LEADER, centre), "t"))
        db.commit()
    wrong = []
    for period in ("from=9999-12-31&to=9999-12-31", "from=0001-01-01&to=0001-01-02"):
        for path in (
            "/api/v1/backoffice/finance",
            "/api/v1/backoffice/finance.xlsx",
            f"/api/v1/work/register?agency={world['centre']}&format=json",
            f"/api/v1/work/register?agency={world['centre']}&format=pdf",
        ):
            url = f"{path}{'&' if '?' in path else '?'}{period}"
            status, body = _outcome(lambda u=url: client.get(u, headers=leader))
            if not 400 <= status < 500:
                wrong.append(f"GET {url} -> {status} {body[:100]}")
    assert not wrong, "\n".join(wrong)


def test_the_calendar_survives_any_year(app: Any, client: Any) -> None:
    world = build_world(app)
    assert login(client, world["admin"]).status_code == 302
    for year in ("99999", "-3", "0", "99999999999999999999", "abc"):
        page = client.get(f"/backoffice/calendar?year={year}")
        assert page.status_code == 200, year
        assert "Thêm điều chỉnh" in page.get_data(as_text=True), year  # the admin's form
    for year in ("99999", "0", "1989", "2101"):
        response = client.get(f"/api/v1/calendar/{year}")
        assert response.status_code == 200, year
        assert response.get_json() == [], year


# --- bodies ----------------------------------------------------------------------------------


def test_a_malformed_json_body_is_a_json_4xx(app: Any, client: Any) -> None:
    world = build_world(app)
    for data in (b"{", b"", b"null", b"[]", b'"text"', b"\xff\xfe{}", b'{"procedure": 1e999}'):
        response = client.post(
            "/api/v1/dossiers",
            headers=bearer(world["alice"]),
            data=data,
            content_type="application/json",
        )
        assert 400 <= response.status_code < 500, (data, response.status_code)
        _api_error(response, response.status_code)
    assert client.get("/api/v1/dossiers", headers=bearer(world["alice"])).get_json() == []


def test_wrong_types_are_422_with_the_field_errors(app: Any, client: Any) -> None:
    world = build_world(app)
    for payload in (
        {"procedure": world["procedure"], "applicant": "Nguyễn Thị Lan"},
        {"procedure": 42, "applicant": {"name": "Nguyễn Thị Lan"}},
        {"procedure": world["procedure"], "applicant": {"name": ["Lan"]}},
        {"procedure": world["procedure"], "applicant": {"name": ""}},
        {"procedure": world["procedure"], "applicant": {"name": "Lan", "email": "thư"}},
        {"procedure": world["procedure"], "applicant": {"name": "Lan" * 100}},
        {"procedure": world["procedure"]},
    ):
        response = client.post("/api/v1/dossiers", headers=bearer(world["alice"]), json=payload)
        body = _api_error(response, 422, "invalid_input")
        assert body["errors"]["json"], (payload, body)
    assert client.get("/api/v1/dossiers", headers=bearer(world["alice"])).get_json() == []


def test_an_unknown_procedure_or_agency_is_a_clear_4xx(app: Any, client: Any) -> None:
    world = build_world(app)
    auth = bearer(world["alice"])
    unknown = client.post(
        "/api/v1/dossiers",
        headers=auth,
        json={"procedure": "9.999999", "applicant": {"name": "Lan"}},
    )
    _api_error(unknown, 404)
    wrong_agency = client.post(
        "/api/v1/dossiers",
        headers=auth,
        json={
            "procedure": world["procedure"],
            "agency": world["other"],
            "applicant": {"name": "Lan"},
        },
    )
    assert 400 <= wrong_agency.status_code < 500
    _api_error(wrong_agency, wrong_agency.status_code)


# --- uploads ---------------------------------------------------------------------------------


def test_an_upload_that_is_not_a_pdf_or_image_is_refused_and_not_stored(
    app: Any, client: Any
) -> None:
    world = build_world(app)
    dossier = _draft(client, world)
    assert _upload(client, world, dossier, samples.pdf(), "don.pdf").status_code == 201
    files, rows = _stored_files(app), _file_rows(app)
    assert (files, rows) == (1, 1)

    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 512
    _api_error(_upload(client, world, dossier, exe, "x.pdf"), 422, "unsupported_type")
    _api_error(_upload(client, world, dossier, b"<html><script>", "x.png"), 422, "unsupported_type")
    _api_error(_upload(client, world, dossier, b"", "x.pdf"), 422, "empty_file")
    assert (_stored_files(app), _file_rows(app)) == (files, rows)


def test_a_broken_file_is_refused_and_not_stored(app: Any, client: Any) -> None:
    world = build_world(app)
    dossier = _draft(client, world)
    for data in (
        b"%PDF-1.4 garbage",
        b"%PDF-1.7\n" + b"\x00" * 2048,
        b"\x89PNG\r\n\x1a\n" + b"garbage" * 20,
        b"\xff\xd8\xff\xe0" + b"garbage" * 20,
    ):
        _api_error(_upload(client, world, dossier, data, "x.pdf"), 422, "broken_file")
    assert (_stored_files(app), _file_rows(app)) == (0, 0)
    detail = client.get(f"/api/v1/dossiers/{dossier['id']}", headers=bearer(world["alice"]))
    assert detail.get_json()["components"][0]["state"] == "pending"


def test_bombs_are_refused_as_too_large_with_their_reason_and_not_stored(
    app: Any, client: Any
) -> None:
    world = build_world(app)
    dossier = _draft(client, world)
    body = _api_error(
        _upload(client, world, dossier, bombs.operator_bomb(), "bom.pdf"), 422, "too_complex"
    )
    assert body["message"] == (
        "bom.pdf: Trang 1: hơn 50000 lệnh vẽ trên một trang, tệp quá phức tạp để kiểm tra"
    )
    assert "more than 50000 drawing operators" in body["message_en"]
    body = _api_error(
        _upload(client, world, dossier, bombs.png_bomb(), "anh.png"), 422, "image_too_large"
    )
    assert "ảnh quá lớn" in body["message"]
    assert (_stored_files(app), _file_rows(app)) == (0, 0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_file_over_the_size_limit_is_refused_and_not_stored(
    app_factory: Any, tmp_path: Path, backend: str
) -> None:
    overrides: dict[str, Any] = {"MOTCUA_MAX_FILE_BYTES": 1024}
    if backend == "postgresql":
        overrides["DATABASE_URL"] = fresh_database("postgresql", "hostile", tmp_path)
    small = app_factory(**overrides)
    try:
        client = small.test_client()
        world = build_world(small)
        dossier = _draft(client, world)
        big = samples.pdf(pages=20)
        assert len(big) > 1024
        _api_error(_upload(client, world, dossier, big, "big.pdf"), 422, "file_too_large")
        assert (_stored_files(small), _file_rows(small)) == (0, 0)
    finally:
        get_db(small).engine.dispose()


def test_the_same_bytes_twice_are_stored_once_and_recorded_twice(app: Any, client: Any) -> None:
    world = build_world(app)
    dossier = _draft(client, world)
    data = samples.pdf(marker="hai lần")
    first = _upload(client, world, dossier, data, "don.pdf", position=0)
    second = _upload(client, world, dossier, data, "uy-quyen.pdf", position=2)
    assert first.status_code == 201, first.get_json()
    assert second.status_code == 201, second.get_json()
    assert first.get_json()["sha256"] == second.get_json()["sha256"]
    assert first.get_json()["id"] != second.get_json()["id"]
    assert _stored_files(app) == 1
    assert _file_rows(app) == 2
    for upload in (first, second):
        download = client.get(
            f"/api/v1/dossiers/{dossier['id']}/files/{upload.get_json()['id']}",
            headers=bearer(world["alice"]),
        )
        assert download.status_code == 200
        assert download.data == data


# --- log-in throttling -----------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_not_the_client(app: Any, client: Any) -> None:
    build_world(app)
    for _ in range(5):
        wrong = client.post("/api/v1/tokens", json={"login": "alice", "password": "sai mật khẩu"})
        _api_error(wrong, 400, "wrong_credentials")
    locked = client.post("/api/v1/tokens", json={"login": "alice", "password": f.PASSWORD})
    _api_error(locked, 429)
    assert "token" not in locked.get_json()
    # The same account spelled differently is the same account.
    _api_error(
        client.post("/api/v1/tokens", json={"login": " ALICE ", "password": f.PASSWORD}), 429
    )
    other = client.post("/api/v1/tokens", json={"login": "bob", "password": f.PASSWORD})
    assert other.status_code == 201, other.get_json()
    assert other.get_json()["login"] == "bob"
    assert client.get("/api/v1/me", headers=bearer(other.get_json()["token"])).status_code == 200


# --- names, inline PDFs and caching headers -------------------------------------------------


def _javascript_pdf() -> bytes:
    """A PDF that runs a script when opened, the script inside an object stream."""
    pdf = pikepdf.open(io.BytesIO(samples.pdf(marker="js")))
    pdf.Root.OpenAction = pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(document.cookie)")
    )
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _disposition(response: Any) -> tuple[str, str, str]:
    """(kind, ASCII filename, decoded filename*) of a header that must hold together."""
    header = response.headers["Content-Disposition"]
    assert not set(header) & {"\r", "\n", "\u202e"}, header
    assert header.isascii(), header
    found = re.fullmatch(
        r'(inline|attachment); filename="([^"\\]*)"; '
        r"filename\*=UTF-8''([A-Za-z0-9%._~-]*)",
        header,
    )
    assert found, header
    return found.group(1), found.group(2), unquote(found.group(3))


def test_upload_names_keep_only_the_types_extension_and_never_break_a_header(
    app: Any, client: Any
) -> None:
    world = build_world(app)
    dossier = _draft(client, world)
    names = {
        "x.exe.pdf": "x.pdf",
        "ảnh chụp.pdf.exe": "ảnh chụp.pdf",
        "Giấy khai sinh\u202egpj.exe.pdf": "Giấy khai sinhgpj.pdf",
        "báo cáo v1.2.pdf": "báo cáo v1.2.pdf",
    }
    for position, (sent, kept) in enumerate(names.items()):
        uploaded = _upload(client, world, dossier, samples.pdf(marker=str(position)), sent)
        assert uploaded.status_code == 201, uploaded.get_json()
        record = uploaded.get_json()
        assert record["filename"] == kept
        url = f"/api/v1/dossiers/{dossier['id']}/files/{record['id']}"
        kind, ascii_name, full = _disposition(client.get(url, headers=bearer(world["alice"])))
        assert (kind, full) == ("attachment", kept)
        assert ascii_name.endswith(".pdf")
        assert '"' not in ascii_name
    png = _upload(client, world, dossier, samples.png(), "scan.pdf.exe")
    assert png.status_code == 201, png.get_json()
    assert png.get_json()["filename"] == "scan.png"


def test_a_stored_name_with_quotes_breaks_and_direction_overrides_keeps_the_header_whole() -> None:
    """Names come from other installations and older rows too, not only from this form."""
    for name in ('Đơn "gấp".pdf', "a\r\nSet-Cookie: x=1.pdf", "\u202egpj.exe", '";.pdf', ""):
        header = content_disposition(name)
        response = Response(b"", headers={"Content-Disposition": header})
        kind, ascii_name, full = _disposition(response)
        assert kind == "attachment"
        assert ascii_name
        assert not set(full) & {"\r", "\n", "\u202e", "\x00"}
    assert _disposition(
        Response(headers={"Content-Disposition": content_disposition('Đơn "gấp".pdf')})
    )[1:] == ("Don _gap_.pdf", 'Đơn "gấp".pdf')


def test_a_pdf_with_javascript_is_never_shown_inline(app: Any, client: Any) -> None:
    world = build_world(app)
    dossier = _draft(client, world)
    url = f"/api/v1/dossiers/{dossier['id']}"
    components = dossier["components"]
    plain = _upload(client, world, dossier, samples.pdf(marker="plain"), "don.pdf").get_json()
    active = _upload(client, world, dossier, _javascript_pdf(), "script.pdf", 1).get_json()
    for component in components[2:]:
        assert (
            client.put(
                f"{url}/components/{component['id']}",
                headers=bearer(world["alice"]),
                json={"state": "paper"},
            ).status_code
            == 200
        )
    submitted = client.post(f"{url}/submit", headers=bearer(world["alice"]))
    assert submitted.status_code == 200, submitted.get_json()

    clerk = app.test_client()
    assert login(clerk, world["clerk"]).status_code == 302
    desk = f"/backoffice/desk/dossiers/{dossier['id']}/files"
    assert _disposition(clerk.get(f"{desk}/{plain['id']}"))[0] == "inline"
    assert _disposition(clerk.get(f"{desk}/{active['id']}"))[0] == "attachment"
    assert (
        _disposition(client.get(f"{url}/files/{active['id']}", headers=bearer(world["alice"])))[0]
        == "attachment"
    )
    citizen = app.test_client()
    assert login(citizen, "alice").status_code == 302
    page = citizen.get(f"/my/dossiers/{dossier['id']}/files/{active['id']}")
    assert _disposition(page)[0] == "attachment"


def test_personal_answers_are_never_cached_and_https_gets_hsts(app: Any, client: Any) -> None:
    world = build_world(app)
    for response in (
        client.get("/api/v1/dossiers", headers=bearer(world["alice"])),
        client.get("/api/v1/procedures"),
        client.get("/api/v1/openapi.json"),
        client.get("/api/v1/dossiers/3000000000", headers=bearer(world["alice"])),
        client.get("/lookup"),
    ):
        assert response.headers.get("Cache-Control") == "no-store", response.request.path
    assert login(client, "alice").status_code == 302
    for path in ("/my/dossiers", "/"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    anonymous = app.test_client()
    assert "no-store" not in anonymous.get("/").headers.get("Cache-Control", "")
    assert "Strict-Transport-Security" not in anonymous.get("/").headers
    secure = anonymous.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
