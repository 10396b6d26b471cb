"""The staff back office: reception, processing, signing, archive, reports, administration."""

from flask import Flask

# Routes of back-office blueprints that are not for staff only (endpoint, method): the
# login redirect, the public working-day calendar, the public signature check, and the door
# other installations knock on with their own peer token.
PUBLIC = frozenset({
    ("backoffice.login", "GET"),
    ("backoffice_api.Due", "GET"), ("backoffice_api.Year", "GET"),
    ("signing_api.Verify", "POST"),
    ("exchange_api.Messages", "POST"),
})

_GUARDED: set[str] = set()


def init_app(app: Flask) -> None:
    from backoffice import (
        api,
        api_exchange,
        api_processing,
        api_signing,
        desk,
        exchange,
        processing,
        signing,
        views,
    )
    from backoffice.api_payments import bp as payments_office_api
    from backoffice.payments import bp as payments_office
    from motcua.api import register
    from motcua.auth import staff_only

    pages = [views.bp, desk.bp, processing.bp, signing.bp, exchange.bp, payments_office]
    apis = [api_signing.bp, api.bp, api_processing.bp, api_exchange.bp, payments_office_api]
    for blueprint in (*pages, *apis):  # a citizen gets 404 everywhere here (issue 12)
        if blueprint.name not in _GUARDED:  # blueprints outlive an app: hook them once
            blueprint.before_request(staff_only(PUBLIC))
            _GUARDED.add(blueprint.name)
    for blueprint in pages:
        app.register_blueprint(blueprint)
    for blueprint in apis:
        register(blueprint)
