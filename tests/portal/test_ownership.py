"""A citizen sees only their own dossiers, files and messages.

Every object reached by id is checked against its owner: someone else's dossier, component,
file or message does not exist for the caller (404 — never 403, which would confirm it exists,
never 200, never 500). The routes are found by walking the URL map, so a route added later
is covered without editing this file.
"""

import io
import re
from pathlib import Path
from typing import Any

from tests import samples
from tests.web import bearer, build_world, login

OWNED_ARGUMENTS = frozenset({"dossier_id", "component_id", "file_id", "message_id"})
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
MIN_PAIRS = 12  # rule/method pairs the sweep must reach (so renamed routes cannot pass it)


# --- helpers ---------------------------------------------------------------------------------


def _csrf(html: str) -> str:
    """The CSRF token of a page (the logout form carries one on every logged-in page)."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _owned_routes(app: Any) -> list[tuple[Any, str]]:
    """Every (rule, method) whose URL names a dossier, component, file or message."""
    pairs = []
    for rule in app.url_map.iter_rules():
        if OWNED_ARGUMENTS & set(rule.arguments):
            pairs.extend((rule, method) for method in sorted(rule.methods - IGNORED_METHODS))
    return sorted(pairs, key=lambda pair: (pair[0].rule, pair[1]))


def _build(app: Any, rule: Any, method: str, ids: dict[str, int]) -> str:
    """url_for for this very rule, with the given ids (``position`` is the first step)."""
    values = {name: ids.get(name, 1) for name in rule.arguments}
    return str(app.url_map.bind("localhost").build(rule.endpoint, values, method=method))


def _files_on_disk(app: Any) -> int:
    root = Path(app.config["MOTCUA_STORAGE"])
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def _api_call(client: Any, rule: Any, method: str, url: str, headers: dict[str, str]) -> Any:
    """A request with a body that would be accepted, were the object the caller's own."""
    kwargs: dict[str, Any] = {"headers": headers}
    if method == "POST" and rule.rule.endswith("/files"):
        kwargs.update(
            content_type="multipart/form-data",
            data={"file": (io.BytesIO(samples.pdf(marker="intrus")), "intrus.pdf")},
        )
    elif method == "POST" and rule.rule.endswith("/withdraw"):
        kwargs["json"] = {"reason": "Không cần nữa"}
    elif method == "PUT":
        kwargs["json"] = {"state": "paper"}
    elif method == "POST":
        kwargs["json"] = {}
    return client.open(url, method=method, **kwargs)


def _page_call(client: Any, rule: Any, method: str, url: str, token: str) -> Any:
    """A browser request, POSTs carrying a valid CSRF token of the caller's own session."""
    if method != "POST":
        return client.open(url, method=method)
    data: dict[str, Any] = {"csrf_token": token}
    if rule.rule.endswith("/files"):
        data["file"] = (io.BytesIO(samples.pdf(marker="intrus")), "intrus.pdf")
    elif rule.rule.endswith("/mark"):
        data["state"] = "paper"
    elif rule.rule.endswith("/withdraw"):
        data["reason"] = "Không cần nữa"
    return client.post(url, data=data)


def _new_draft(client: Any, world: dict[str, Any], name: str) -> dict[str, Any]:
    created = client.post(
        "/api/v1/dossiers",
        headers=bearer(world["alice"]),
        json={
            "procedure": world["procedure"],
            "applicant": {"name": name, "id_number": "079123456789"},
        },
    )
    assert created.status_code == 201, created.get_json()
    body: dict[str, Any] = created.get_json()
    return body


def _upload(client: Any, world: dict[str, Any], dossier: dict[str, Any], marker: str) -> int:
    first = dossier["components"][0]["id"]
    upload = client.post(
        f"/api/v1/dossiers/{dossier['id']}/components/{first}/files",
        headers=bearer(world["alice"]),
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(samples.pdf(marker=marker)), "don.pdf")},
    )
    assert upload.status_code == 201, upload.get_json()
    file_id: int = upload.get_json()["id"]
    return file_id


def _alices_things(app: Any, client: Any) -> dict[str, Any]:
    """Alice owns a submitted dossier (with a file and inbox messages) and a draft."""
    world = build_world(app)
    auth = bearer(world["alice"])
    submitted = _new_draft(client, world, "Nguyễn Thị Lan")
    submitted_file = _upload(client, world, submitted, "alice-1")
    drawings = submitted["components"][1]["id"]
    mark = client.put(
        f"/api/v1/dossiers/{submitted['id']}/components/{drawings}",
        headers=auth,
        json={"state": "paper"},
    )
    assert mark.status_code == 200, mark.get_json()
    done = client.post(f"/api/v1/dossiers/{submitted['id']}/submit", headers=auth)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "submitted"

    draft = _new_draft(client, world, "Nguyễn Thị Lan")
    draft_file = _upload(client, world, draft, "alice-2")

    inbox = client.get("/api/v1/inbox", headers=auth).get_json()
    messages = [m["id"] for m in inbox if m["dossier_id"] == submitted["id"]]
    assert messages, "submitting wrote no inbox message"
    return {
        "world": world,
        "submitted": submitted,
        "submitted_file": submitted_file,
        "draft": draft,
        "draft_file": draft_file,
        "message": messages[0],
    }


def _snapshot(client: Any, world: dict[str, Any], dossier_ids: list[int]) -> dict[str, Any]:
    auth = bearer(world["alice"])
    state: dict[str, Any] = {"inbox": client.get("/api/v1/inbox", headers=auth).get_json()}
    for dossier_id in dossier_ids:
        response = client.get(f"/api/v1/dossiers/{dossier_id}", headers=auth)
        assert response.status_code == 200
        state[str(dossier_id)] = response.get_json()
    return state


def _sweep(
    app: Any, api: Any, browser: Any, token: str, ids: dict[str, int], intruder: str
) -> list[str]:
    """Send every owned route, with ``ids``, as the intruder; return what did not 404."""
    wrong = []
    pairs = _owned_routes(app)
    assert len(pairs) >= MIN_PAIRS, [f"{m} {r.rule}" for r, m in pairs]
    for rule, method in pairs:
        url = _build(app, rule, method, ids)
        if rule.rule.startswith("/api/"):
            response = _api_call(api, rule, method, url, bearer(intruder))
            body = response.get_json(silent=True) or {}
            if response.status_code != 404 or body.get("code") != "not_found":
                wrong.append(f"{method} {url} -> {response.status_code} {body}")
        else:
            response = _page_call(browser, rule, method, url, token)
            if response.status_code != 404:
                wrong.append(
                    f"{method} {url} -> {response.status_code} "
                    f"{response.headers.get('Location', '')}"
                )
    return wrong


# --- tests -----------------------------------------------------------------------------------


def test_the_sweep_reaches_every_kind_of_owned_object(app: Any) -> None:
    pairs = _owned_routes(app)
    assert len(pairs) >= MIN_PAIRS, [f"{m} {r.rule}" for r, m in pairs]
    named = set().union(*(set(rule.arguments) for rule, _ in pairs))
    assert named >= OWNED_ARGUMENTS
    assert any(rule.rule.startswith("/api/") for rule, _ in pairs)
    assert any(rule.rule.startswith("/my/") for rule, _ in pairs)
    assert {"GET", "POST", "PUT", "DELETE"} <= {method for _, method in pairs}


def test_another_citizen_gets_404_on_every_route_that_names_alices_objects(
    app: Any, client: Any
) -> None:
    alice = _alices_things(app, client)
    world = alice["world"]
    submitted, draft = alice["submitted"], alice["draft"]
    before = _snapshot(client, world, [submitted["id"], draft["id"]])
    files_before = _files_on_disk(app)

    browser = app.test_client()
    assert login(browser, "bob").status_code == 302
    token = _csrf(browser.get("/my/dossiers").get_data(as_text=True))
    api = app.test_client()

    wrong = []
    for dossier, file_id in ((submitted, alice["submitted_file"]), (draft, alice["draft_file"])):
        for component in dossier["components"]:
            ids = {
                "dossier_id": dossier["id"],
                "component_id": component["id"],
                "file_id": file_id,
                "message_id": alice["message"],
            }
            wrong += _sweep(app, api, browser, token, ids, world["bob"])
    assert not wrong, "\n".join(wrong)

    assert _snapshot(client, world, [submitted["id"], draft["id"]]) == before
    assert before[str(submitted["id"])]["status"] == "submitted"
    assert before[str(draft["id"])]["status"] == "draft"
    assert all(not m["read"] for m in before["inbox"])
    assert _files_on_disk(app) == files_before  # the intruder's PDF was never stored
    download = client.get(
        f"/api/v1/dossiers/{draft['id']}/files/{alice['draft_file']}",
        headers=bearer(world["alice"]),
    )
    assert download.status_code == 200
    assert download.data == samples.pdf(marker="alice-2")
    # Bob's own session is still fine: the 404s were about Alice's objects, not about Bob.
    assert browser.get("/my/dossiers").status_code == 200
    assert client.get("/api/v1/dossiers", headers=bearer(world["bob"])).get_json() == []


def test_alices_objects_cannot_be_reached_through_bobs_own_dossier(app: Any, client: Any) -> None:
    """Owning *a* dossier is not enough: its components and files are checked too."""
    alice = _alices_things(app, client)
    world = alice["world"]
    draft = alice["draft"]
    before = _snapshot(client, world, [draft["id"]])
    bobs = client.post(
        "/api/v1/dossiers",
        headers=bearer(world["bob"]),
        json={"procedure": world["procedure"], "applicant": {"name": "Trần Văn Bình"}},
    ).get_json()
    ids = {
        "dossier_id": bobs["id"],
        "component_id": draft["components"][0]["id"],
        "file_id": alice["draft_file"],
        "message_id": alice["message"],
    }

    api = app.test_client()
    wrong = []
    for rule, method in _owned_routes(app):
        if not rule.rule.startswith("/api/") or not {"component_id", "file_id"} & set(
            rule.arguments
        ):
            continue
        url = _build(app, rule, method, ids)
        response = _api_call(api, rule, method, url, bearer(world["bob"]))
        if response.status_code != 404:
            wrong.append(f"{method} {url} -> {response.status_code} {response.get_json()}")
    assert not wrong, "\n".join(wrong)
    assert _snapshot(client, world, [draft["id"]]) == before
    mine = client.get(f"/api/v1/dossiers/{bobs['id']}", headers=bearer(world["bob"]))
    assert all(c["files"] == [] for c in mine.get_json()["components"])


def test_clerks_see_only_submitted_dossiers_of_their_own_agency(app: Any, client: Any) -> None:
    world = build_world(app)
    auth = bearer(world["alice"])
    dossier = _new_draft(client, world, "Nguyễn Thị Lan")
    url = f"/backoffice/dossiers/{dossier['id']}"

    clerk = app.test_client()
    assert login(clerk, world["clerk"]).status_code == 302
    other = app.test_client()
    assert login(other, world["other_clerk"]).status_code == 302
    assert clerk.get(url).status_code == 404  # an unsubmitted draft is the applicant's alone
    assert other.get(url).status_code == 404

    _upload(client, world, dossier, "alice-1")
    client.put(
        f"/api/v1/dossiers/{dossier['id']}/components/{dossier['components'][1]['id']}",
        headers=auth,
        json={"state": "paper"},
    )
    submitted = client.post(f"/api/v1/dossiers/{dossier['id']}/submit", headers=auth)
    assert submitted.status_code == 200, submitted.get_json()

    seen = clerk.get(url)
    assert seen.status_code == 200
    assert submitted.get_json()["code"] in seen.get_data(as_text=True)
    assert other.get(url).status_code == 404  # another agency: it does not exist for them


def test_anonymous_requests_are_sent_to_login_or_answered_401(app: Any, client: Any) -> None:
    alice = _alices_things(app, client)
    ids = {
        "dossier_id": alice["draft"]["id"],
        "component_id": alice["draft"]["components"][0]["id"],
        "file_id": alice["draft_file"],
        "message_id": alice["message"],
    }
    anonymous = app.test_client()
    token = _csrf(anonymous.get("/login").get_data(as_text=True))  # so POSTs pass the CSRF check
    wrong = []
    for rule, method in _owned_routes(app):
        url = _build(app, rule, method, ids)
        if rule.rule.startswith("/api/"):
            response = _api_call(anonymous, rule, method, url, {})
            body = response.get_json(silent=True) or {}
            if response.status_code != 401 or body.get("code") != "unauthenticated":
                wrong.append(f"{method} {url} -> {response.status_code} {body}")
        else:
            response = _page_call(anonymous, rule, method, url, token)
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not location.startswith("/login"):
                wrong.append(f"{method} {url} -> {response.status_code} {location}")
    for url in ("/my/dossiers", "/inbox", "/backoffice/"):
        response = anonymous.get(url)
        if response.status_code != 302 or not response.headers["Location"].startswith("/login"):
            wrong.append(f"GET {url} -> {response.status_code}")
    for url in ("/api/v1/dossiers", "/api/v1/inbox", "/api/v1/me"):
        response = anonymous.get(url)
        if response.status_code != 401:
            wrong.append(f"GET {url} -> {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert (
        _snapshot(client, alice["world"], [alice["draft"]["id"]])[str(alice["draft"]["id"])][
            "components"
        ][0]["files"][0]["id"]
        == alice["draft_file"]
    )
