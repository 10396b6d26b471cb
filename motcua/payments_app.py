"""Wiring payments into the app: configuration, the gateway, and the in-process sandbox.

With no real gateway configured (``VNPAY_PAY_URL`` unset) the sandbox gateway is mounted
under /sandbox-gateway on the same server and delivers its IPNs to the app in-process, so the
demo (``make run``) pays end to end on one machine.
"""

from flask import Flask, current_app
from werkzeug.middleware.dispatcher import DispatcherMiddleware

import payments  # noqa: F401 - registers the payment jobs and the submission check
from payments.fees import vnd
from payments.gateways import get_gateway
from payments.gateways.base import Gateway
from payments.settings import SANDBOX_PREFIX, from_env


def init_app(app: Flask) -> None:
    for key, value in from_env(app.config["MOTCUA_BASE_URL"]).items():
        app.config.setdefault(key, value)
    app.add_template_global(vnd)  # amounts on the portal's and the back office's pages
    if app.config["VNPAY_SANDBOX_INPROCESS"]:
        _mount_sandbox(app)


def _mount_sandbox(app: Flask) -> None:
    from motcua.sandbox_gateway import create_sandbox

    # The payer's browser follows a same-origin path; the IPN goes through the app directly.
    app.config["VNPAY_PAY_URL"] = f"{SANDBOX_PREFIX}/paymentv2/vpcpay.html"

    def send(_url: str, params: dict[str, str]) -> str:
        with app.test_client() as client:
            return client.get("/payments/vnpay/ipn", query_string=params,
                              environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)

    sandbox = create_sandbox(app.config["VNPAY_TMN_CODE"], app.config["VNPAY_HASH_SECRET"],
                             "/payments/vnpay/ipn", send=send)
    app.extensions["motcua.sandbox"] = sandbox
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app,  # type: ignore[method-assign]
                                        {SANDBOX_PREFIX: sandbox.wsgi_app})


def gateway(app: Flask | None = None) -> Gateway:
    config = (app or current_app).config
    return get_gateway(config["PAYMENT_GATEWAY"], config)
