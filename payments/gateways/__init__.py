"""Payment-gateway adapters; ``get_gateway`` builds the configured one by name."""

from typing import Any

from dossiers.errors import DomainError
from payments.gateways.base import Gateway


class PaymentsUnavailable(DomainError):
    """No gateway is configured: online payment fails closed (the desk still takes money)."""

    code = "payments_unavailable"
    status = 503


def get_gateway(name: str, settings: dict[str, Any]) -> Gateway:
    if name == "vnpay":
        if not settings.get("VNPAY_PAY_URL"):
            raise PaymentsUnavailable(
                "Thanh toán trực tuyến chưa được cấu hình; vui lòng nộp phí tại bộ phận một cửa",
                "Online payment is not configured; please pay at the desk",
            )
        from payments.gateways.vnpay import VnpayGateway

        return VnpayGateway.from_settings(settings)
    raise LookupError(f"unknown payment gateway {name!r}")
