"""The adapter interface every payment gateway implements.

VNPAY is implemented fully (``vnpay.py``); MoMo (AIO v2: JSON IPN, HMAC-SHA256, answer 204),
ZaloPay (Key1 signs requests, Key2 verifies ``data``/``mac`` callbacks) and the national
payment platform (PayGov) fit the same four verbs: build the payer's redirect, verify a
callback, answer it in the gateway's own words, and query a transaction for reconciliation.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Checkout:
    """What the gateway needs to show the payer a payment page."""

    txn_ref: str
    amount_vnd: int
    order_info: str
    return_url: str
    client_ip: str
    created_at: datetime
    expires_at: datetime
    locale: str = "vn"


@dataclass(frozen=True)
class Callback:
    """A callback (IPN or browser return) as the gateway sent it, checked."""

    signed: bool  # the signature is present and valid
    signature_present: bool
    txn_ref: str | None
    amount_vnd: int | None
    success: bool
    cancelled: bool
    response_code: str | None
    transaction_no: str | None = None
    bank_code: str | None = None
    # Only the fields the gateway's protocol defines, each bounded: what may be stored.
    params: dict[str, str] = field(default_factory=dict)
    for_us: bool = True  # names our merchant (terminal) code


@dataclass(frozen=True)
class QueryResult:
    """The gateway's own record of a transaction (reconciliation).

    ``verdict`` is False when the gateway could not be asked or gave no trustworthy answer
    (unreachable, unsigned, an error code); ``reason`` then says why, and nothing else counts.
    """

    verdict: bool
    found: bool
    success: bool
    pending: bool
    amount_vnd: int | None
    transaction_no: str | None = None
    response_code: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None

    @classmethod
    def no_verdict(cls, reason: str, response_code: str | None = None) -> "QueryResult":
        return cls(
            verdict=False,
            found=False,
            success=False,
            pending=False,
            amount_vnd=None,
            response_code=response_code,
            reason=reason,
        )


class Answer:
    """The merchant's answer to an IPN, in the domain's words (the gateway spells it)."""

    CONFIRMED = "confirmed"
    NOT_FOUND = "not_found"
    ALREADY = "already_confirmed"
    BAD_AMOUNT = "invalid_amount"
    BAD_SIGNATURE = "invalid_signature"
    OTHER = "other"


class Gateway(ABC):
    name: str

    @abstractmethod
    def payment_url(self, checkout: Checkout) -> str: ...

    @abstractmethod
    def parse_callback(self, params: dict[str, str]) -> Callback: ...

    @abstractmethod
    def answer(self, outcome: str) -> dict[str, str]: ...

    @abstractmethod
    def query(self, txn_ref: str, created_at: datetime, client_ip: str) -> QueryResult: ...
