"""The shell around the domain core: the Flask app factory, configuration and extensions."""

import logging
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from motcua.config import ROOT, from_env

csrf = CSRFProtect()


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    from motcua import api, auth, database, filters, i18n, jobs, payments_app, security

    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=str(ROOT / "instance"))
    app.config.update(from_env(overrides))
    security.install_converters(app)  # before any route: ids that fit the database
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("motcua", "dossiers", "payments", "portal", "backoffice"):
        logging.getLogger(name).setLevel(app.config.get("LOG_LEVEL", "INFO"))

    if app.config["MOTCUA_PROXY_COUNT"]:  # behind N reverse proxies: trust their headers
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["MOTCUA_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count,  # type: ignore[method-assign]
                                x_host=count)
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
    return app
