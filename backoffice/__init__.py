"""The staff back office: reception, processing, signing, archive, reports, administration."""

from flask import Flask


def init_app(app: Flask) -> None:
    from backoffice import api, api_exchange, desk, exchange, views
    from motcua.api import register

    app.register_blueprint(views.bp)
    app.register_blueprint(desk.bp)
    register(api.bp)
    register(api_exchange.bp)
    app.register_blueprint(exchange.bp)
