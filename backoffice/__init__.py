"""The staff back office: reception, processing, signing, archive, reports, administration."""

from typing import Any

from flask import Flask

# Routes of back-office blueprints that are not for staff only (endpoint, method): the
# login redirect, the public working-day calendar, the public signature check, and the door
# other installations knock on with their own peer token.
PUBLIC = frozenset(
    {
        ("backoffice.login", "GET"),
        ("backoffice_api.Due", "GET"),
        ("backoffice_api.Year", "GET"),
        ("signing_api.Verify", "POST"),
        ("exchange_api.Messages", "POST"),
    }
)

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

    pages = [views.bp, desk.bp, processing.bp, signing.bp, exchange.bp, payments_office]
    apis = [api_signing.bp, api.bp, api_processing.bp, api_exchange.bp, payments_office_api]
    staff_only_here(*pages, *apis)
    for blueprint in pages:
        app.register_blueprint(blueprint)
    for blueprint in apis:
        register(blueprint)


def staff_only_here(*blueprints: Any) -> None:
    """A citizen gets 404 on every route of these blueprints (issue 12), but for PUBLIC."""
    from motcua.auth import staff_only

    for blueprint in blueprints:
        if blueprint.name not in _GUARDED:  # blueprints outlive an app: hook them once
            blueprint.before_request(staff_only(PUBLIC))
            _GUARDED.add(blueprint.name)
