"""Integration clients and webhooks in the app: the OAuth 2 token endpoint, the client-facing
and administrators' API, the admin pages, and the event hook that writes webhook deliveries."""

from flask import Flask


def init_app(app: Flask) -> None:
    from backoffice import api_clients, api_integrations, clients
    from dossiers.webhooks import delivery  # noqa: F401 - registers the outbox handler
    from dossiers.webhooks.operations import install
    from motcua import oauth
    from motcua.api import register

    oauth.init_app(app)
    register(api_clients.bp)
    register(api_integrations.bp)
    app.register_blueprint(clients.bp)
    install()
