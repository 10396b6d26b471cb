"""The staff back office: reception, processing, signing, archive, reports, administration."""

from flask import Flask


def init_app(app: Flask) -> None:
    from backoffice import api, views
    from motcua.api import register

    app.register_blueprint(views.bp)
    register(api.bp)
