"""The citizen-facing portal (Cổng dịch vụ công): catalogue, account, dossiers, lookup."""

from flask import Flask


def init_app(app: Flask) -> None:
    from motcua.api import register
    from portal import api, views

    app.register_blueprint(views.bp)
    register(api.bp)
