"""The citizen-facing portal (Cổng dịch vụ công): catalogue, account, dossiers, lookup."""

from flask import Flask


def init_app(app: Flask) -> None:
    from motcua.api import register
    from portal import (
        account,
        api,
        api_account,
        api_dossiers,
        applications,
        lookup,
        verify,  # public verification of signed documents (issue 7)
        views,
    )
    from portal.api_payments import bp as payments_api
    from portal.payments import bp as payments_pages

    for blueprint in (views.bp, account.bp, applications.bp, lookup.bp, payments_pages, verify.bp):
        app.register_blueprint(blueprint)
    for api_blueprint in (api.bp, api_account.bp, api_dossiers.bp, payments_api):
        register(api_blueprint)
