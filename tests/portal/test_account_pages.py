"""Account pages through the real forms: register, confirm, log in (rate-limited), reset."""

import re
from typing import Any

from tests.web import build_world, csrf_token, login

PASSWORD = "một câu mật khẩu dài"




def _register(client: Any, **changes: str) -> Any:
    page = client.get("/register").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "kind": "person", "full_name": "Nguyễn Thị Lan",
            "id_number": "079095001234", "representative": "", "phone": "0912345678",
            "email": "lan@example.vn", "password": PASSWORD} | changes
    return client.post("/register", data=data)


def test_register_confirm_with_the_code_from_the_inbox(client: Any) -> None:
    response = _register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/confirm"
    inbox = client.get("/inbox").get_data(as_text=True)
    code = re.search(r"Mã của bạn là (\d{6})", inbox).group(1)
    page = client.get("/confirm").get_data(as_text=True)
    confirmed = client.post("/confirm", data={"csrf_token": csrf_token(page), "code": code})
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"] == "/my/dossiers"
    assert "chưa được xác nhận" not in client.get("/my/dossiers").get_data(as_text=True)


def test_a_bad_citizen_id_is_reported_next_to_its_field(client: Any) -> None:
    html = _register(client, id_number="12345").get_data(as_text=True)
    assert 'id="id_number" name="id_number"' in html
    assert 'aria-describedby="id_number-hint id_number-error"' in html
    assert "phải gồm đúng 12 chữ số" in html


def test_a_wrong_code_is_refused_and_counted(client: Any) -> None:
    _register(client)
    page = client.get("/confirm").get_data(as_text=True)
    html = client.post("/confirm", data={"csrf_token": csrf_token(page), "code": "abcdef"}) \
        .get_data(as_text=True)
    assert "Mã xác nhận không đúng" in html
    assert 'aria-invalid="true"' in html


def test_login_is_locked_after_five_failures_for_that_account(app: Any, client: Any) -> None:
    build_world(app)
    for _ in range(5):
        assert login(client, "clerk", "wrong password!!").status_code == 200
    locked = login(client, "clerk")  # the right password, too late
    assert locked.status_code == 429
    assert "quá nhiều lần" in locked.get_data(as_text=True)
    assert login(app.test_client(), "admin").status_code == 302  # other accounts are fine


def test_login_is_limited_per_address(app: Any) -> None:
    build_world(app)
    client = app.test_client()
    for n in range(30):
        login(client, f"nobody{n}", "wrong password!!")
    assert login(client, "admin").status_code == 429
    other = app.test_client()
    other.environ_base = {"REMOTE_ADDR": "10.0.0.7"}
    assert login(other, "admin").status_code == 302


def test_a_session_expires_after_thirty_idle_minutes(app: Any, client: Any) -> None:
    build_world(app)
    login(client, "admin")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert app.permanent_session_lifetime.total_seconds() == 30 * 60
    assert cookie.expires is not None


def test_forgot_and_reset_password(app: Any, client: Any, caplog: Any) -> None:
    _register(client)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/my/dossiers")
                                                      .get_data(as_text=True))})
    page = client.get("/forgot").get_data(as_text=True)
    with caplog.at_level("WARNING"):
        sent = client.post("/forgot", data={"csrf_token": csrf_token(page),
                                            "identifier": "lan@example.vn"})
    assert sent.status_code == 302
    code = re.search(r"079095001234 \(reset\): (\d{6})", caplog.text).group(1)
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert 'value="lan@example.vn"' in page
    done = client.post("/reset", data={"csrf_token": csrf_token(page),
                                       "identifier": "lan@example.vn", "code": code,
                                       "password": "mật khẩu mới đủ dài"})
    assert done.status_code == 302
    assert login(client, "079095001234", "mật khẩu mới đủ dài").status_code == 302


def test_forgot_says_the_same_for_unknown_accounts(client: Any) -> None:
    page = client.get("/forgot").get_data(as_text=True)
    response = client.post("/forgot", data={"csrf_token": csrf_token(page),
                                            "identifier": "ai@example.vn"}, follow_redirects=True)
    assert "Nếu tài khoản tồn tại" in response.get_data(as_text=True)
