"""Security headers on every response; hostile input refused before it reaches a view."""

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


def _has_nul() -> bool:
    """NUL characters are refused by PostgreSQL text columns; refuse them up front (400)."""
    texts = [*request.args.values(), *request.form.values()]
    if any("\x00" in text for text in texts):
        return True
    if request.is_json:
        raw = request.get_data(cache=True)
        return b"\x00" in raw or b"\\u0000" in raw.lower()
    return False


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter

    @app.before_request
    def _refuse_nul() -> None:
        if _has_nul():
            abort(400)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
