"""Vietnamese first, English second (Flask-Babel); the choice is kept in a cookie."""

from flask import Flask, Response, request
from flask_babel import Babel

LANGUAGES = ("vi", "en")
babel = Babel()


def select_locale() -> str:
    choice = request.args.get("lang") or request.cookies.get("lang")
    return choice if choice in LANGUAGES else "vi"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _lang() -> dict[str, object]:
        return {"lang": select_locale(), "languages": LANGUAGES}

    @app.after_request
    def _remember(response: Response) -> Response:
        if request.args.get("lang") in LANGUAGES:
            response.set_cookie(
                "lang", request.args["lang"], max_age=365 * 86400, samesite="Lax", httponly=True
            )
        return response
