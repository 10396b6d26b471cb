"""Security headers on every response; hostile input refused before it reaches a view."""

import builtins
from typing import Any

from flask import Flask, Response, abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


class IdConverter(IntegerConverter):
    """``<id:…>``: a positive integer that fits the database; anything else is a plain 404."""

    regex = r"\d{1,10}"

    def to_python(self, value: str) -> Any:
        number = int(value)
        if not 0 < number <= MAX_ID:
            abort(404)
        return number


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` app-wide: never above MAX_ID, so a number the database cannot hold is a 404
    at routing instead of an overflow in a query (PostgreSQL and SQLite both refuse it)."""

    def __init__(
        self,
        map: Any,
        fixed_digits: int = 0,
        min: int | None = None,  # noqa: A002
        max: int | None = None,
        signed: bool = False,
    ) -> None:  # noqa: A002
        super().__init__(
            map, fixed_digits, min, MAX_ID if max is None else builtins.min(max, MAX_ID), signed
        )


def install_converters(app: Flask) -> None:
    """Before any blueprint is registered: a rule takes its converter when it is added."""
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["int"] = BoundedIntConverter


def _bad_text(value: Any) -> bool:
    """NUL characters (refused by PostgreSQL text columns) and lone surrogates (not UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_bad_text(k) or _bad_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_bad_text(v) for v in value)
    return False


def has_bad_text() -> bool:
    """Refuse up front (400) any text a view would pass on to the database."""
    texts: list[Any] = [
        request.path,
        *request.args.values(),
        *request.form.values(),
        *(f.filename or "" for f in request.files.values()),
    ]
    if any(_bad_text(text) for text in texts):
        return True
    if request.is_json:
        return _bad_text(request.get_json(silent=True))
    return False


_PERSONAL_PREFIXES = (
    "/api/",
    "/lookup",
    "/verify",
    "/my",
    "/backoffice",
    "/inbox",
    "/login",
    "/logout",
    "/register",
    "/confirm",
    "/forgot",
    "/reset",
    "/payments",
)


def _personal() -> bool:
    """An API answer, a page for a signed-in person, or one that shows a dossier or account."""
    from flask_login import current_user

    if request.path.startswith(_PERSONAL_PREFIXES):
        return True
    return bool(getattr(current_user, "is_authenticated", False))


def content_security_policy(*form_targets: str) -> str:
    """The policy every page gets; ``form_targets`` are other origins a form may go to (CSP
    form-action also governs the redirect after a POST, e.g. to a payment gateway)."""
    targets = " ".join(("'self'", *(t for t in form_targets if t)))
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"object-src 'none'; frame-ancestors 'self'; base-uri 'self'; form-action {targets}"
    )


def init_app(app: Flask) -> None:
    install_converters(app)

    @app.before_request
    def _refuse_bad_text() -> None:
        if has_bad_text():
            abort(400)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy())
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if _personal():
            # Nothing about a person stays in a shared computer's cache or a proxy's.
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        return response
