"""Payment configuration from the environment (documented in the README's table).

Payments fail closed. A real gateway (``VNPAY_PAY_URL``) needs its own terminal code, secret
and query URL; the public sandbox secret below is refused with it. Without one, online payment
is unavailable, except in the explicit demo mode (``MOTCUA_DEMO``, set by ``make run``), where
the shell mounts the sandbox gateway on the app (``/sandbox-gateway``) with these demo values.
"""

import os
from typing import Any

SANDBOX_PREFIX = "/sandbox-gateway"
SANDBOX_TMN_CODE = "MOTCUA01"
SANDBOX_SECRET = "motcua-sandbox-secret-not-for-production"  # noqa: S105 - public, demo only


def from_env(env: dict[str, str] | None = None) -> dict[str, Any]:
    source = os.environ if env is None else env
    return {
        "PAYMENT_GATEWAY": source.get("PAYMENT_GATEWAY") or "vnpay",
        "VNPAY_TMN_CODE": source.get("VNPAY_TMN_CODE") or "",
        "VNPAY_HASH_SECRET": source.get("VNPAY_HASH_SECRET") or "",
        "VNPAY_PAY_URL": source.get("VNPAY_PAY_URL") or "",
        "VNPAY_API_URL": source.get("VNPAY_API_URL") or "",
        "PAYMENT_EXPIRE_MINUTES": int(source.get("PAYMENT_EXPIRE_MINUTES") or 15),
        "PAYMENT_RECONCILE_AFTER_MINUTES": int(source.get("PAYMENT_RECONCILE_AFTER_MINUTES") or 20),
    }


def gateway_problem(config: dict[str, Any]) -> str | None:
    """Why this configuration must not start (one line), or None. Fills in the demo values
    when the sandbox is to be mounted (``VNPAY_SANDBOX``)."""
    config["VNPAY_SANDBOX"] = False
    if config.get("VNPAY_PAY_URL"):
        missing = [
            key
            for key in ("VNPAY_TMN_CODE", "VNPAY_HASH_SECRET", "VNPAY_API_URL")
            if not config.get(key)
        ]
        if missing:
            return f"VNPAY_PAY_URL is set: set {', '.join(missing)} too (as VNPAY issued them)"
        if config["VNPAY_HASH_SECRET"] == SANDBOX_SECRET:
            return (
                "VNPAY_HASH_SECRET is the public sandbox secret: set the secret VNPAY "
                "issued for VNPAY_PAY_URL"
            )
        return None
    if not config.get("MOTCUA_DEMO"):
        return None  # online payment unavailable: starting one says so
    base = str(config["MOTCUA_BASE_URL"]).rstrip("/")
    if base.lower().startswith("https://"):
        return (
            "MOTCUA_DEMO mounts a sandbox payment gateway and is refused with an https "
            "MOTCUA_BASE_URL: unset MOTCUA_DEMO and set VNPAY_PAY_URL"
        )
    config.update(
        {
            "VNPAY_SANDBOX": True,
            "VNPAY_TMN_CODE": config.get("VNPAY_TMN_CODE") or SANDBOX_TMN_CODE,
            "VNPAY_HASH_SECRET": config.get("VNPAY_HASH_SECRET") or SANDBOX_SECRET,
            # The payer's browser follows a same-origin path; querydr goes to the server itself.
            "VNPAY_PAY_URL": f"{SANDBOX_PREFIX}/paymentv2/vpcpay.html",
            "VNPAY_API_URL": (
                config.get("VNPAY_API_URL")
                or f"{base}{SANDBOX_PREFIX}/merchant_webapi/api/transaction"
            ),
        }
    )
    return None
