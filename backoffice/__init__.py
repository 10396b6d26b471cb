"""The staff back office: reception, processing, signing, archive, reports, administration."""

from flask import Flask


def init_app(app: Flask) -> None:
    from backoffice import api, desk, views
    from backoffice.api_payments import bp as payments_office_api
    from backoffice.payments import bp as payments_office
    from motcua.api import register

    app.register_blueprint(views.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(payments_office)
    register(api.bp)
    register(payments_office_api)
