"""The staff back office: reception, processing, signing, archive, reports, administration."""

from flask import Flask


def init_app(app: Flask) -> None:
    from backoffice import api, api_exchange, api_processing, desk, exchange, processing, views
    from backoffice.api_payments import bp as payments_office_api
    from backoffice.payments import bp as payments_office
    from motcua.api import register

    app.register_blueprint(views.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(processing.bp)
    from backoffice import api_signing, signing  # signing and cancelling results (issue 7)

    app.register_blueprint(signing.bp)
    register(api_signing.bp)
    register(api.bp)
    register(api_processing.bp)
    register(api_exchange.bp)
    app.register_blueprint(exchange.bp)
    app.register_blueprint(payments_office)
    register(payments_office_api)
