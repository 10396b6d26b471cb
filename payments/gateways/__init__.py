"""Payment-gateway adapters; ``get_gateway`` builds the configured one by name."""

from typing import Any

from payments.gateways.base import Gateway


def get_gateway(name: str, settings: dict[str, Any]) -> Gateway:
    if name == "vnpay":
        from payments.gateways.vnpay import VnpayGateway

        return VnpayGateway.from_settings(settings)
    raise LookupError(f"unknown payment gateway {name!r}")
