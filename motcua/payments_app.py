"""Wiring payments into the app: configuration, the gateway, and the demo's sandbox.

Only in the explicit demo mode (``MOTCUA_DEMO``, never with an https base URL) is the sandbox
gateway mounted under /sandbox-gateway on the same server, delivering its IPNs to the app
in-process, so the demo (``make run``) pays end to end on one machine. A configuration that
would take real money with the public sandbox secret refuses to start.
"""

from flask import Flask, current_app
from werkzeug.middleware.dispatcher import DispatcherMiddleware

import payments  # noqa: F401 - registers the payment jobs and the submission check
from motcua.config import ConfigError
from payments.fees import vnd
from payments.gateways import get_gateway
from payments.gateways.base import Gateway
from payments.settings import SANDBOX_PREFIX, from_env, gateway_problem

RETURN_PATH = "/payments/vnpay/return"
IPN_PATH = "/payments/vnpay/ipn"


def init_app(app: Flask) -> None:
    for key, value in from_env().items():
        app.config.setdefault(key, value)
    problem = gateway_problem(app.config)
    if problem:
        raise ConfigError(problem)
    app.add_template_global(vnd)  # amounts on the portal's and the back office's pages
    if app.config["VNPAY_SANDBOX"]:
        _mount_sandbox(app)


def _mount_sandbox(app: Flask) -> None:
    from motcua.sandbox_gateway import create_sandbox

    def send(_url: str, params: dict[str, str]) -> str:
        with app.test_client() as client:
            return client.get(
                IPN_PATH, query_string=params, environ_base={"REMOTE_ADDR": "127.0.0.1"}
            ).get_data(as_text=True)

    sandbox = create_sandbox(
        app.config["VNPAY_TMN_CODE"], app.config["VNPAY_HASH_SECRET"], IPN_PATH, send=send
    )
    app.extensions["motcua.sandbox"] = sandbox
    app.wsgi_app = DispatcherMiddleware(
        app.wsgi_app,  # type: ignore[method-assign]
        {SANDBOX_PREFIX: sandbox.wsgi_app},
    )


def gateway(app: Flask | None = None) -> Gateway:
    """The configured gateway; ``PaymentsUnavailable`` (a domain error) when there is none."""
    config = (app or current_app).config
    return get_gateway(config["PAYMENT_GATEWAY"], config)


def return_url(app: Flask | None = None) -> str:
    """Where the gateway sends the payer back: from MOTCUA_BASE_URL, never the Host header."""
    return str((app or current_app).config["MOTCUA_BASE_URL"]).rstrip("/") + RETURN_PATH
