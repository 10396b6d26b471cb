"""Account pages through the real forms: register, confirm, log in (rate-limited), reset,
sessions that end, API tokens."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests import factories as f
from tests.conftest import fresh_database
from tests.web import Clock, bearer, build_world, csrf_token, login

PASSWORD = "một câu mật khẩu dài"
NEW_PASSWORD = "mật khẩu mới đủ dài"


def _register(client: Any, **changes: str) -> Any:
    page = client.get("/register").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(page),
        "kind": "person",
        "full_name": "Nguyễn Thị Lan",
        "id_number": "079095001234",
        "representative": "",
        "phone": "0912345678",
        "email": "lan@example.vn",
        "password": PASSWORD,
    } | changes
    return client.post("/register", data=data)


def _no_csrf(html: str) -> str:
    """A page without its CSRF tokens, which differ from session to session by design."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+"', r'\1"', html)


def _logout(client: Any) -> Any:
    page = client.get("/inbox").get_data(as_text=True)
    return client.post("/logout", data={"csrf_token": csrf_token(page)})


def _reset_code(caplog: Any, client: Any, identifier: str) -> str:
    page = client.get("/forgot").get_data(as_text=True)
    with caplog.at_level("WARNING"):
        client.post("/forgot", data={"csrf_token": csrf_token(page), "identifier": identifier})
    return re.findall(r"\(reset\): (\d{6})", caplog.text)[-1]


def _reset(client: Any, identifier: str, code: str, password: str = NEW_PASSWORD) -> Any:
    page = client.get("/reset").get_data(as_text=True)
    return client.post(
        "/reset",
        data={
            "csrf_token": csrf_token(page),
            "identifier": identifier,
            "code": code,
            "password": password,
        },
    )


def test_register_log_in_and_confirm_with_the_code_from_the_inbox(client: Any) -> None:
    response = _register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/confirm"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    logged_in = client.post(
        response.headers["Location"],
        data={"csrf_token": csrf_token(page), "login": "079095001234", "password": PASSWORD},
    )
    assert logged_in.headers["Location"] == "/confirm"
    inbox = client.get("/inbox").get_data(as_text=True)
    code = re.search(r"Mã của bạn là (\d{6})", inbox).group(1)
    page = client.get("/confirm").get_data(as_text=True)
    confirmed = client.post("/confirm", data={"csrf_token": csrf_token(page), "code": code})
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"] == "/my/dossiers"
    assert "chưa được xác nhận" not in client.get("/my/dossiers").get_data(as_text=True)


def test_registering_a_taken_number_answers_as_for_a_new_account(app: Any) -> None:
    first, second = app.test_client(), app.test_client()
    new = _register(first)
    taken = _register(second, password="một mật khẩu khác hẳn", email="ke@example.vn")
    assert (taken.status_code, taken.headers["Location"]) == (
        new.status_code,
        new.headers["Location"],
    )
    shown = [
        _no_csrf(c.get(r.headers["Location"]).get_data(as_text=True))
        for c, r in ((first, new), (second, taken))
    ]
    assert shown[0] == shown[1]  # the same page, the same words, the same (empty) session
    assert "Đã nhận đăng ký" in shown[0]
    assert login(second, "079095001234", "một mật khẩu khác hẳn").status_code == 200
    assert login(first, "079095001234", PASSWORD).status_code == 302
    inbox = first.get("/inbox").get_data(as_text=True)
    assert "Có người đăng ký tài khoản bằng thông tin của bạn" in inbox  # the owner is told


def test_a_bad_citizen_id_is_reported_next_to_its_field(client: Any) -> None:
    html = _register(client, id_number="12345").get_data(as_text=True)
    assert 'id="id_number" name="id_number"' in html
    assert 'aria-describedby="id_number-hint id_number-error"' in html
    assert "phải gồm đúng 12 chữ số" in html


@pytest.mark.parametrize(
    ("password", "reason"),
    [("matkhau123456", "mật khẩu phổ biến"), ("nguyenthilan079", "họ tên, số giấy tờ")],
)
def test_a_weak_password_is_refused_with_a_reason_and_a_hint(
    client: Any, password: str, reason: str
) -> None:
    html = _register(client, password=password).get_data(as_text=True)
    assert reason in html
    assert "Gợi ý" in html
    assert 'id="password-error"' in html


def test_an_email_with_a_line_break_is_refused(client: Any) -> None:
    html = _register(client, email="lan@example.vn\r\nBcc: x@example.vn").get_data(as_text=True)
    assert 'id="email-error"' in html
    assert login(client, "079095001234", PASSWORD).status_code == 200  # no account made


def test_a_wrong_code_is_refused_and_counted(client: Any) -> None:
    _register(client)
    login(client, "079095001234", PASSWORD)
    page = client.get("/confirm").get_data(as_text=True)
    html = client.post(
        "/confirm", data={"csrf_token": csrf_token(page), "code": "abcdef"}
    ).get_data(as_text=True)
    assert "Mã xác nhận không đúng" in html
    assert 'aria-invalid="true"' in html


def test_after_five_failures_an_account_waits_ever_longer_never_long(app_factory: Any) -> None:
    clock = Clock()
    app = app_factory(MOTCUA_CLOCK=clock)
    build_world(app)
    guesser = app.test_client()
    for _ in range(5):
        assert login(guesser, "clerk", "wrong password!!").status_code == 200
    owner = app.test_client()
    owner.environ_base = {"REMOTE_ADDR": "10.0.0.7"}
    delayed = login(owner, "clerk")  # the right password, from elsewhere: not yet
    assert delayed.status_code == 429
    assert "thử lại sau 2 giây" in delayed.get_data(as_text=True)
    assert login(app.test_client(), "admin").status_code == 302  # other accounts are fine
    for _ in range(20):  # the guesser keeps going, as fast as allowed
        clock.advance(minutes=1)
        login(guesser, "clerk", "wrong password!!")
    assert "thử lại sau 60 giây" in login(owner, "clerk").get_data(as_text=True)
    clock.advance(minutes=1)
    assert login(owner, "clerk").status_code == 302  # a minute at most


def test_login_is_limited_per_address(app_factory: Any) -> None:
    app = app_factory(MOTCUA_CLOCK=Clock())
    build_world(app)
    client = app.test_client()
    for n in range(30):
        login(client, f"nobody{n}", "wrong password!!")
    assert login(client, "admin").status_code == 429
    other = app.test_client()
    other.environ_base = {"REMOTE_ADDR": "10.0.0.7"}
    assert login(other, "admin").status_code == 302


def test_the_api_login_is_delayed_alike(app_factory: Any) -> None:
    app = app_factory(MOTCUA_CLOCK=Clock())
    build_world(app)
    client = app.test_client()
    for _ in range(5):
        assert (
            client.post(
                "/api/v1/tokens", json={"login": "alice", "password": "sai mật khẩu"}
            ).status_code
            == 400
        )
    delayed = client.post("/api/v1/tokens", json={"login": "alice", "password": f.PASSWORD})
    assert delayed.status_code == 429
    assert delayed.get_json()["code"] == "too_many_attempts"


def test_a_session_expires_after_thirty_idle_minutes(app_factory: Any) -> None:
    clock = Clock()
    app = app_factory(MOTCUA_CLOCK=clock)
    build_world(app)
    client = app.test_client()
    login(client, "admin")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.expires is not None
    assert app.permanent_session_lifetime.total_seconds() == 30 * 60
    clock.advance(minutes=29)
    assert client.get("/backoffice/").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/backoffice/").status_code == 302  # to the login page


def test_a_session_ends_twelve_hours_after_login_however_busy(app_factory: Any) -> None:
    clock = Clock()
    app = app_factory(MOTCUA_CLOCK=clock)
    build_world(app)
    client = app.test_client()
    login(client, "admin")
    for _ in range(11 * 4 + 3):  # in use every quarter of an hour
        clock.advance(minutes=15)
        assert client.get("/backoffice/").status_code == 200
    clock.advance(minutes=15)  # 12 h after login
    assert client.get("/backoffice/").status_code == 302


def test_logout_ends_every_session_of_the_account(app: Any) -> None:
    build_world(app)
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "alice")
    login(phone, "alice")
    saved = laptop.get_cookie("session").value  # a copy of the cookie, as a thief keeps it
    assert phone.get("/my/dossiers").status_code == 200
    _logout(laptop)
    assert phone.get("/my/dossiers").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", saved)
    assert thief.get("/my/dossiers").status_code == 302
    login(phone, "alice")  # a new login works
    assert phone.get("/my/dossiers").status_code == 200


def test_forgot_and_reset_password_end_sessions_and_tokens(
    app: Any, client: Any, caplog: Any
) -> None:
    _register(client)
    other = app.test_client()
    login(other, "079095001234", PASSWORD)
    token = other.post(
        "/api/v1/tokens", json={"login": "079095001234", "password": PASSWORD}
    ).get_json()["token"]
    assert other.get("/api/v1/tokens", headers=bearer(token)).status_code == 200
    code = _reset_code(caplog, client, "lan@example.vn")
    page = client.get("/reset?identifier=lan@example.vn").get_data(as_text=True)
    assert 'value="lan@example.vn"' in page
    assert _reset(client, "lan@example.vn", code).status_code == 302
    assert other.get("/my/dossiers").status_code == 302  # the other session ended
    assert other.get("/api/v1/tokens", headers=bearer(token)).status_code == 401
    assert login(client, "079095001234", NEW_PASSWORD).status_code == 302


def test_forgot_and_reset_say_the_same_for_unknown_accounts(app: Any, caplog: Any) -> None:
    known, unknown = app.test_client(), app.test_client()
    _register(known)
    answers = []
    for client, identifier in ((known, "lan@example.vn"), (unknown, "ai@example.vn")):
        page = client.get("/forgot").get_data(as_text=True)
        sent = client.post(
            "/forgot",
            data={"csrf_token": csrf_token(page), "identifier": identifier},
            follow_redirects=True,
        )
        answers.append(_no_csrf(sent.get_data(as_text=True).replace(identifier, "…")))
        wrong = _reset(client, identifier, "000000").get_data(as_text=True)
        answers.append(_no_csrf(wrong.replace(identifier, "…")))
    assert answers[0] == answers[2]
    assert answers[1] == answers[3]
    assert "Nếu tài khoản tồn tại" in answers[0]
    assert "không đúng hoặc đã hết hạn" in answers[1]


def test_tokens_page_shows_a_secret_once_lists_and_revokes(app: Any, client: Any) -> None:
    build_world(app)
    login(client, "alice")
    page = client.get("/account/tokens").get_data(as_text=True)
    made = client.post(
        "/account/tokens",
        data={"csrf_token": csrf_token(page), "name": "ứng dụng kế toán", "days": "30"},
    )
    secret = re.search(r'<code id="new-token">(mc_[^<]+)</code>', made.get_data(as_text=True))
    assert secret is not None
    token = secret.group(1)
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "ứng dụng kế toán" in listing
    assert token not in listing
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    mine = client.get("/api/v1/tokens", headers=bearer(token)).get_json()
    assert "ứng dụng kế toán" in [t["name"] for t in mine]
    assert all(token not in str(t) and "token" not in t for t in mine)
    row = next(t for t in mine if t["name"] == "ứng dụng kế toán")
    revoked = client.post(
        f"/account/tokens/{row['id']}/revoke", data={"csrf_token": csrf_token(listing)}
    )
    assert revoked.status_code == 302
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_tokens_expire_and_are_revoked_through_the_api(app_factory: Any) -> None:
    clock = Clock()
    app = app_factory(MOTCUA_CLOCK=clock, MOTCUA_TOKEN_DAYS=7)
    world = build_world(app)
    client = app.test_client()
    made = client.post("/api/v1/tokens", json={"login": "bob", "password": f.PASSWORD}).get_json()
    short = client.post(
        "/api/v1/tokens", json={"login": "bob", "password": f.PASSWORD, "days": 1}
    ).get_json()["token"]
    assert client.get("/api/v1/me", headers=bearer(made["token"])).status_code == 200
    clock.advance(days=2)
    assert client.get("/api/v1/me", headers=bearer(short)).status_code == 401
    listed = client.get("/api/v1/tokens", headers=bearer(made["token"])).get_json()
    assert {t["state"] for t in listed} >= {"active", "expired"}
    alice_tokens = client.get("/api/v1/tokens", headers=bearer(world["alice"])).get_json()
    other = client.delete(f"/api/v1/tokens/{alice_tokens[0]['id']}", headers=bearer(made["token"]))
    assert other.status_code == 404  # someone else's token: not found, not revoked
    assert client.get("/api/v1/me", headers=bearer(world["alice"])).status_code == 200
    clock.advance(days=5)  # seven days: the configured default lifetime
    assert client.get("/api/v1/me", headers=bearer(made["token"])).status_code == 401


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_twenty_simultaneous_guesses_through_the_api_check_five(
    app_factory: Any, tmp_path: Any, backend: str
) -> None:
    app = app_factory(
        DATABASE_URL=fresh_database(backend, "guesses", tmp_path), MOTCUA_CLOCK=Clock()
    )
    build_world(app)
    barrier = threading.Barrier(20)

    def guess(n: int) -> int:
        client = app.test_client()
        barrier.wait()
        return int(
            client.post(
                "/api/v1/tokens", json={"login": "alice", "password": f"sai mật khẩu {n}"}
            ).status_code
        )

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(guess, range(20)))
    assert sorted(answers) == [400] * 5 + [429] * 15  # five checked, the rest told to wait
