"""VNPAY payment gateway, protocol version 2.1.0 (FACTS §10).

- The payer is redirected to ``VNPAY_PAY_URL`` with the ``vnp_*`` parameters: the amount in
  đồng × 100, create and expire dates as yyyyMMddHHmmss in GMT+7, a unique ``vnp_TxnRef``.
- Signature: drop ``vnp_SecureHash``/``vnp_SecureHashType``, sort the remaining ``vnp_*``
  parameters by key, URL-encode each value with ``quote_plus`` and join ``k=v`` with ``&``
  (exactly as VNPAY's reference code), then HMAC-SHA512 with the hash secret, hex. VNPAY's own
  demos differ on empty values: the Python demo keeps them (``k=``), the Java demo and the npm
  library drop them; we send none and accept either on receipt (INTEGRATIONS §4).
- The IPN is the source of truth; the browser's return only shows a page. A payment succeeded
  only when ``vnp_ResponseCode`` and ``vnp_TransactionStatus`` are both ``00``.
- The merchant answers the IPN ``{"RspCode", "Message"}``: 00 confirmed, 01 order not found
  (or not our terminal), 02 already confirmed, 04 invalid amount, 97 invalid signature,
  99 other (an empty or oversized request). Only the fields below are kept from a callback.
- Reconciliation uses the query API (``vnp_Command=querydr``), a JSON POST whose signature is
  HMAC-SHA512 over the listed fields joined with ``|`` (VNPAY's querydr documentation; not
  confirmed against the live service here, FACTS §10 "[U details]"). Only a signed ``00``
  (the transaction) or ``91`` (no such transaction) is a verdict; an unreachable gateway, an
  unsigned answer or any other code (94 duplicate request, 97 checksum, 99 …) is "no verdict".
"""

import hashlib
import hmac
import http.client
import json
import secrets
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

from dossiers.calendar import VN_TZ
from payments.gateways.base import Answer, Callback, Checkout, Gateway, QueryResult

VERSION = "2.1.0"
DATE_FORMAT = "%Y%m%d%H%M%S"
SUCCESS = "00"
CANCELLED = "24"  # the customer cancelled the transaction
QUERY_NOT_FOUND = "91"
QUERY_PENDING = "01"
_HASH_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")
# What a VNPAY callback (IPN or return) carries: all we ever keep of one, each value cut to
# VALUE_LIMIT characters, so a forged request cannot make us store megabytes.
CALLBACK_FIELDS = (
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_BankTranNo",
    "vnp_CardType",
    "vnp_OrderInfo",
    "vnp_PayDate",
    "vnp_ResponseCode",
    "vnp_TmnCode",
    "vnp_TransactionNo",
    "vnp_TransactionStatus",
    "vnp_TxnRef",
    "vnp_SecureHashType",
    "vnp_SecureHash",
)
VALUE_LIMIT = 255
QUERY_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERY_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
QUERY_ANSWER_LIMIT = 64 * 1024  # a querydr answer is well under 2 KB
ANSWERS = {
    Answer.CONFIRMED: ("00", "Confirm Success"),
    Answer.NOT_FOUND: ("01", "Order not found"),
    Answer.ALREADY: ("02", "Order already confirmed"),
    Answer.BAD_AMOUNT: ("04", "Invalid amount"),
    Answer.BAD_SIGNATURE: ("97", "Invalid signature"),
    Answer.OTHER: ("99", "Unknown error"),
}


def vn_stamp(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime(DATE_FORMAT)


def parse_stamp(value: str) -> datetime:
    return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=VN_TZ)


def hash_data(params: dict[str, str], keep_empty: bool = False) -> str:
    """The string VNPAY signs: sorted ``vnp_*`` parameters, values quote_plus-encoded; empty
    values dropped (Java demo, npm library) or, with ``keep_empty``, kept (Python demo)."""
    items = sorted(
        (k, v)
        for k, v in params.items()
        if k.startswith("vnp_")
        and k not in _HASH_FIELDS
        and v is not None
        and (keep_empty or v != "")
    )
    return "&".join(f"{k}={quote_plus(str(v))}" for k, v in items)


def hmac512(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def sign(secret: str, params: dict[str, str]) -> str:
    return hmac512(secret, hash_data(params))


def verify(secret: str, params: dict[str, str]) -> bool:
    """Signed by VNPAY, whichever of its demos' rules on empty values it followed."""
    given = (params.get("vnp_SecureHash") or "").lower()
    if not given:
        return False
    dropped = hmac.compare_digest(given, sign(secret, params))
    kept = hmac.compare_digest(given, hmac512(secret, hash_data(params, keep_empty=True)))
    return dropped or kept


def sign_pipe(secret: str, params: dict[str, Any], fields: tuple[str, ...]) -> str:
    return hmac512(secret, "|".join(str(params.get(f) or "") for f in fields))


@dataclass(frozen=True)
class VnpayConfig:
    tmn_code: str
    hash_secret: str
    pay_url: str
    api_url: str
    timeout: float = 15.0


class VnpayGateway(Gateway):
    name = "vnpay"

    def __init__(self, config: VnpayConfig) -> None:
        self.config = config

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> "VnpayGateway":
        return cls(
            VnpayConfig(
                tmn_code=settings["VNPAY_TMN_CODE"],
                hash_secret=settings["VNPAY_HASH_SECRET"],
                pay_url=settings["VNPAY_PAY_URL"],
                api_url=settings["VNPAY_API_URL"],
            )
        )

    def payment_params(self, checkout: Checkout) -> dict[str, str]:
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.config.tmn_code,
            "vnp_Amount": str(checkout.amount_vnd * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": checkout.txn_ref,
            "vnp_OrderInfo": checkout.order_info,
            "vnp_OrderType": "other",
            "vnp_Locale": checkout.locale,
            "vnp_ReturnUrl": checkout.return_url,
            "vnp_IpAddr": checkout.client_ip,
            "vnp_CreateDate": vn_stamp(checkout.created_at),
            "vnp_ExpireDate": vn_stamp(checkout.expires_at),
        }
        params["vnp_SecureHash"] = sign(self.config.hash_secret, params)
        return params

    def payment_url(self, checkout: Checkout) -> str:
        params = self.payment_params(checkout)
        signed = params.pop("vnp_SecureHash")
        return f"{self.config.pay_url}?{hash_data(params)}&vnp_SecureHash={signed}"

    def parse_callback(self, params: dict[str, str]) -> Callback:
        present = bool(params.get("vnp_SecureHash"))
        signed = present and verify(self.config.hash_secret, params)
        amount: int | None = None
        raw_amount = params.get("vnp_Amount") or ""
        if raw_amount.isdigit():
            amount = int(raw_amount) // 100 if int(raw_amount) % 100 == 0 else -1
        code, status = params.get("vnp_ResponseCode"), params.get("vnp_TransactionStatus")
        kept = {k: str(params[k])[:VALUE_LIMIT] for k in CALLBACK_FIELDS if k in params}
        return Callback(
            signed=signed,
            signature_present=present,
            txn_ref=kept.get("vnp_TxnRef") or None,
            amount_vnd=amount,
            success=code == SUCCESS and status == SUCCESS,
            cancelled=code == CANCELLED,
            response_code=kept.get("vnp_ResponseCode"),
            transaction_no=kept.get("vnp_TransactionNo"),
            bank_code=kept.get("vnp_BankCode"),
            params=kept,
            for_us=params.get("vnp_TmnCode") == self.config.tmn_code,
        )

    def answer(self, outcome: str) -> dict[str, str]:
        code, message = ANSWERS[outcome]
        return {"RspCode": code, "Message": message}

    def query_request(
        self, txn_ref: str, created_at: datetime, client_ip: str, now: datetime
    ) -> dict[str, str]:
        body = {
            "vnp_RequestId": secrets.token_hex(16),
            "vnp_Version": VERSION,
            "vnp_Command": "querydr",
            "vnp_TmnCode": self.config.tmn_code,
            "vnp_TxnRef": txn_ref,
            "vnp_OrderInfo": f"Truy van giao dich {txn_ref}",
            "vnp_TransactionDate": vn_stamp(created_at),
            "vnp_CreateDate": vn_stamp(now),
            "vnp_IpAddr": client_ip,
        }
        body["vnp_SecureHash"] = sign_pipe(self.config.hash_secret, body, QUERY_REQUEST_FIELDS)
        return body

    def query(self, txn_ref: str, created_at: datetime, client_ip: str) -> QueryResult:
        """The gateway's record, or "no verdict" with the reason: never raises for what the
        network or the gateway does (reconciliation reports it and asks again later)."""
        body = self.query_request(txn_ref, created_at, client_ip, datetime.now(VN_TZ))
        request = urllib.request.Request(  # noqa: S310 - the configured https gateway URL
            self.config.api_url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:  # noqa: S310
                answer = json.loads(response.read(QUERY_ANSWER_LIMIT).decode())
        except (OSError, http.client.HTTPException) as error:
            return QueryResult.no_verdict(f"gateway unreachable: {error}"[:200])
        except ValueError as error:  # not JSON, not UTF-8
            return QueryResult.no_verdict(f"unreadable answer: {error}"[:200])
        return self.parse_query(answer)

    def parse_query(self, answer: Any) -> QueryResult:
        if not isinstance(answer, dict):
            return QueryResult.no_verdict("unreadable answer: not a JSON object")
        code = str(answer.get("vnp_ResponseCode") or "")[:10]
        expected = sign_pipe(self.config.hash_secret, answer, QUERY_RESPONSE_FIELDS)
        if not hmac.compare_digest(str(answer.get("vnp_SecureHash") or "").lower(), expected):
            return QueryResult.no_verdict(f"unsigned answer (code {code or '?'})", code)
        if code == QUERY_NOT_FOUND:
            return QueryResult(
                verdict=True,
                found=False,
                success=False,
                pending=False,
                amount_vnd=None,
                response_code=code,
                raw=answer,
            )
        if code != SUCCESS:
            return QueryResult.no_verdict(f"gateway answered code {code or '?'}", code)
        status = str(answer.get("vnp_TransactionStatus") or "")
        raw_amount = str(answer.get("vnp_Amount") or "0")
        return QueryResult(
            verdict=True,
            found=True,
            success=status == SUCCESS,
            pending=status == QUERY_PENDING,
            amount_vnd=int(raw_amount) // 100 if raw_amount.isdigit() else None,
            transaction_no=str(answer.get("vnp_TransactionNo") or "") or None,
            response_code=status,
            raw=answer,
        )
