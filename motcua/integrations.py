"""Integration clients and webhooks in the app: the OAuth 2 token endpoint, the client-facing
and administrators' API, the admin pages, and the event hook that writes webhook deliveries."""

from flask import Flask


def init_app(app: Flask) -> None:
    from backoffice import api_clients, api_integrations, clients, staff_only_here
    from dossiers.webhooks import delivery  # noqa: F401 - registers the outbox handler
    from dossiers.webhooks.operations import install
    from motcua import oauth
    from motcua.api import register

    oauth.init_app(app)
    # Citizens get 404 here too; integration clients (no person) go on to their own checks.
    staff_only_here(api_clients.bp, api_integrations.bp, clients.bp)
    register(api_clients.bp)
    register(api_integrations.bp)
    app.register_blueprint(clients.bp)
    install()
