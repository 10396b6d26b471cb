"""Administration without a terminal: the admin home, the agencies pages and their API."""

from flask import Flask


def init_app(app: Flask) -> None:
    from backoffice import PUBLIC, agencies, api_admin, home, users
    from motcua.api import register
    from motcua.auth import staff_only

    for blueprint in (home.bp, agencies.bp, users.bp, api_admin.bp):
        if not blueprint.before_request_funcs.get(None):  # a blueprint outlives an app
            blueprint.before_request(staff_only(PUBLIC))  # a citizen gets 404 (issue 12)
    app.register_blueprint(home.bp)
    app.register_blueprint(agencies.bp)
    app.register_blueprint(users.bp)
    register(api_admin.bp)
    app.jinja_env.globals["staff_nav"] = _staff_nav


def _staff_nav() -> list[tuple[str, str]]:
    """(href, label) of the back-office pages the navigation shows the signed-in staff member."""
    from flask import current_app, url_for

    from motcua.auth import current_actor
    from motcua.navigation import staff_links

    rules = current_app.url_map._rules_by_endpoint  # noqa: SLF001 - read-only lookup
    return [
        (url_for(endpoint), label)
        for endpoint, label in staff_links(current_actor())
        if endpoint in rules
    ]
