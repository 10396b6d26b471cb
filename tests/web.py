"""Helpers for Flask test-client tests: a small world built through the domain."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from dossiers.accounts import issue_token
from dossiers.actors import Actor
from dossiers.lifecycle import Role
from motcua.database import get_db
from tests import factories as f


def build_world(app: Any) -> dict[str, Any]:
    """Two agencies, a procedure, two citizens with tokens, staff of each agency."""
    with get_db(app).factory() as db:
        centre = f.agency(db, code="000.00.01.H99", name="Trung tâm Phục vụ hành chính công")
        other = f.agency(db, code="000.00.02.H99", name="UBND xã Thử")
        version = f.procedure(db, centre, code="1.000001")
        f.procedure(
            db,
            other,
            code="1.001193",
            name="Thủ tục đăng ký khai sinh",
            field="Hộ tịch",
            online_level="toan_trinh",
            time_limit={"value": 0, "unit": "working_days", "cut_off": "15:00"},
        )
        alice, bob = f.user(db, login="alice"), f.user(db, login="bob")
        clerk = f.user(db, Role.RECEPTION, centre, login="clerk")
        other_clerk = f.user(db, Role.RECEPTION, other, login="otherclerk")
        admin = f.user(db, Role.ADMIN, None, login="admin")
        world = {
            "centre": centre.code,
            "other": other.code,
            "procedure": version.code,
            "alice": issue_token(db, alice, "t"),
            "bob": issue_token(db, bob, "t"),
            "clerk": clerk.login,
            "other_clerk": other_clerk.login,
            "admin": admin.login,
            "system": Actor.system(),
        }
        db.commit()
    return world


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def csrf_token(html: str) -> str:
    """The CSRF token of a page (a form's hidden field, or the logout form on staff pages)."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def login(client: Any, login_: str, password: str = f.PASSWORD) -> Any:
    """Log in through the real form, CSRF token included."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"login": login_, "password": password, "csrf_token": token})


class Clock:
    """A clock for the app (``MOTCUA_CLOCK``) that a test moves forward instead of waiting."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
