"""Payment configuration from the environment (documented in the README's table).

With no ``VNPAY_PAY_URL`` the app mounts the sandbox gateway on itself (``/sandbox-gateway``)
with a demo terminal code and secret, so the whole flow runs on one machine.
"""

import os
from typing import Any

SANDBOX_PREFIX = "/sandbox-gateway"
SANDBOX_TMN_CODE = "MOTCUA01"
SANDBOX_SECRET = "motcua-sandbox-secret-not-for-production"  # noqa: S105 - the sandbox's own


def from_env(base_url: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    source = os.environ if env is None else env
    pay_url = source.get("VNPAY_PAY_URL") or ""
    sandbox = not pay_url
    sandbox_base = base_url.rstrip("/") + SANDBOX_PREFIX
    return {
        "PAYMENT_GATEWAY": source.get("PAYMENT_GATEWAY") or "vnpay",
        "VNPAY_SANDBOX_INPROCESS": sandbox,
        "VNPAY_TMN_CODE": source.get("VNPAY_TMN_CODE") or SANDBOX_TMN_CODE,
        "VNPAY_HASH_SECRET": source.get("VNPAY_HASH_SECRET") or SANDBOX_SECRET,
        "VNPAY_PAY_URL": pay_url or f"{sandbox_base}/paymentv2/vpcpay.html",
        "VNPAY_API_URL": (source.get("VNPAY_API_URL")
                          or f"{sandbox_base}/merchant_webapi/api/transaction"),
        "PAYMENT_EXPIRE_MINUTES": int(source.get("PAYMENT_EXPIRE_MINUTES") or 15),
        "PAYMENT_RECONCILE_AFTER_MINUTES": int(source.get("PAYMENT_RECONCILE_AFTER_MINUTES")
                                               or 20),
    }
