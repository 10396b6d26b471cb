"""The staff back office: reception, processing, signing, archive, reports, administration."""

from flask import Flask


def init_app(app: Flask) -> None:
    from backoffice import api, desk, views
    from motcua.api import register

    app.register_blueprint(views.bp)
    app.register_blueprint(desk.bp)
    from backoffice import api_signing, signing  # signing and cancelling results (issue 7)

    app.register_blueprint(signing.bp)
    register(api_signing.bp)
    register(api.bp)
