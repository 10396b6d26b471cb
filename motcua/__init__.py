"""The shell around the domain core: the Flask app factory, configuration and extensions.

Importing ``motcua`` imports no Flask: the ``motcua`` command starts light and imports the
app only for the commands that need it (motcua/cli_base.py).
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask
    from flask_wtf.csrf import CSRFProtect

    csrf: CSRFProtect


def __getattr__(name: str) -> Any:
    if name == "csrf":  # made on first use, with Flask (motcua.extensions)
        from motcua.extensions import csrf

        return csrf
    raise AttributeError(name)


def create_app(overrides: dict[str, Any] | None = None) -> "Flask":
    import logging

    from flask import Flask

    from motcua import api, auth, database, filters, i18n, jobs, payments_app, security
    from motcua.config import ROOT, from_env
    from motcua.extensions import csrf

    config = from_env(overrides)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=config["MOTCUA_INSTANCE"],
    )
    app.config.update(config)
    security.install_converters(app)  # before any route: ids that fit the database
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in ("motcua", "dossiers", "payments", "portal", "backoffice"):
        logging.getLogger(name).setLevel(app.config.get("LOG_LEVEL", "INFO"))

    if app.config["MOTCUA_PROXY_COUNT"]:  # behind N reverse proxies: trust their headers
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["MOTCUA_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=count,
            x_proto=count,  # type: ignore[method-assign]
            x_host=count,
        )
    payments_app.init_app(app)
    dispatcher = jobs.make_dispatcher(app)
    app.extensions["motcua.dispatcher"] = dispatcher
    database.init_app(app, dispatcher)
    csrf.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    filters.init_app(app)
    api.init_app(app)

    from backoffice import init_app as init_backoffice
    from portal import init_app as init_portal

    init_portal(app)
    init_backoffice(app)
    from motcua import integrations  # clients, OAuth 2 tokens, webhooks (issue 13)

    integrations.init_app(app)
    from motcua import administration  # admin home, agencies (issue 13)

    administration.init_app(app)
    return app
