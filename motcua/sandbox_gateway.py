"""A sandbox payment gateway speaking VNPAY's protocol, for the demo and the tests.

It shows a payment page with "pay", "cancel" and "fail"; redirects the payer to
``vnp_ReturnUrl`` with signed parameters; sends the signed IPN (GET, as VNPAY does) to the
merchant's IPN URL, retrying with exponential backoff until the merchant gives a final answer;
and answers the query API (querydr). Nothing leaves the machine.

Run it in-process (only in the demo mode, ``MOTCUA_DEMO``, which ``make run`` sets, and
never with an https base URL: it is mounted under /sandbox-gateway) or as its own process:
``motcua sandbox-gateway --port 8081 --ipn-url URL`` or ``python -m motcua.sandbox_gateway``.
``/_control`` lets tests hold, drop or replay IPNs, sign them as VNPAY's Python demo does
(empty fields kept), and make querydr answer an error code or unsigned.

It refuses what VNPAY refuses, so a regression in our adapter cannot pass the tests: a missing
field (``vnp_ExpireDate`` included), a date not in yyyyMMddHHmmss GMT+7, an expiry before the
creation or already past, a locale other than vn/en, a currency other than VND, an amount that
is not a whole number of đồng × 100 within VNPAY's range, an unknown version or command. Its
signature code is its own, written from VNPAY's description, not our adapter's.
"""

import argparse
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import secrets
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Flask, abort, jsonify, redirect, render_template_string, request
from werkzeug.wrappers import Response as BaseResponse

from payments.fees import vnd
from payments.settings import SANDBOX_SECRET, SANDBOX_TMN_CODE

log = logging.getLogger(__name__)
FINAL_ANSWERS = frozenset({"00", "01", "02", "04", "97"})
OUTCOMES = {"pay": ("00", "00"), "cancel": ("24", "02"), "fail": ("51", "02")}
GMT7 = timezone(timedelta(hours=7))  # VNPAY's dates are GMT+7, whatever the server's zone
STAMP = "%Y%m%d%H%M%S"
VERSION = "2.1.0"
PAY_FIELDS = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CreateDate",
    "vnp_CurrCode",
    "vnp_IpAddr",
    "vnp_Locale",
    "vnp_OrderInfo",
    "vnp_OrderType",
    "vnp_ReturnUrl",
    "vnp_TxnRef",
    "vnp_ExpireDate",
    "vnp_SecureHash",
)
QUERY_FIELDS = (
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
ANSWER_FIELDS = (
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
MIN_VND, MAX_VND = 5_000, 1_000_000_000  # VNPAY: from 5 thousand to under 1 billion đồng


def signed_string(params: dict[str, str], keep_empty: bool = False) -> str:
    """VNPAY's signed data: the vnp_ fields but the hash ones, sorted by name, values
    form-encoded (space as +), ``k=v`` joined by ``&``; empty values kept or dropped."""
    pairs = sorted(
        (k, v)
        for k, v in params.items()
        if k.startswith("vnp_")
        and k not in ("vnp_SecureHash", "vnp_SecureHashType")
        and (keep_empty or v != "")
    )
    return "&".join(f"{k}={urllib.parse.quote_plus(v)}" for k, v in pairs)


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def signature_ok(secret: str, params: dict[str, str]) -> bool:
    given = (params.get("vnp_SecureHash") or "").lower()
    return (
        any(
            hmac.compare_digest(given, hmac_sha512(secret, signed_string(params, keep)))
            for keep in (False, True)
        )
        if given
        else False
    )


def pipe_hash(secret: str, data: dict[str, Any], fields: tuple[str, ...]) -> str:
    return hmac_sha512(secret, "|".join(str(data.get(f) or "") for f in fields))


def _stamp(value: str, name: str) -> datetime | str:
    """The moment a yyyyMMddHHmmss GMT+7 field names, or why it is refused."""
    if not re.fullmatch(r"\d{14}", value):
        return f"{name} must be yyyyMMddHHmmss"
    try:
        return datetime.strptime(value, STAMP).replace(tzinfo=GMT7)
    except ValueError:
        return f"{name} is not a date"


def pay_problem(params: dict[str, str], tmn_code: str, now: datetime) -> tuple[str, str] | None:
    """Why VNPAY would refuse this payment request: (code, reason), or None."""
    missing = [name for name in PAY_FIELDS if not params.get(name)]
    if missing:
        return "03", f"missing {', '.join(missing)}"
    if params["vnp_Version"] != VERSION:
        return "03", f"unknown vnp_Version {params['vnp_Version']}"
    if params["vnp_Command"] != "pay":
        return "03", f"unknown vnp_Command {params['vnp_Command']}"
    if params["vnp_TmnCode"] != tmn_code:
        return "02", "wrong vnp_TmnCode"
    amount = params["vnp_Amount"]
    if (
        not re.fullmatch(r"[1-9]\d*", amount)
        or int(amount) % 100
        or not MIN_VND <= int(amount) // 100 < MAX_VND
    ):
        return "03", "vnp_Amount must be đồng × 100, from 5,000 to under 1,000,000,000 đồng"
    if params["vnp_CurrCode"] != "VND":
        return "03", "vnp_CurrCode must be VND"
    if params["vnp_Locale"] not in ("vn", "en"):
        return "03", "vnp_Locale must be vn or en"
    info = params["vnp_OrderInfo"]
    if len(info) > 255 or not all(" " <= char <= "~" for char in info):
        return "03", "vnp_OrderInfo must be Vietnamese without diacritics, 255 characters"
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", params["vnp_TxnRef"]):
        return "03", "vnp_TxnRef must be letters and digits"
    if not re.match(r"https?://[^/\s]+", params["vnp_ReturnUrl"]):
        return "03", "vnp_ReturnUrl must be an absolute URL"
    try:
        ipaddress.ip_address(params["vnp_IpAddr"])
    except ValueError:
        return "03", "vnp_IpAddr must be an IP address"
    created = _stamp(params["vnp_CreateDate"], "vnp_CreateDate")
    expires = _stamp(params["vnp_ExpireDate"], "vnp_ExpireDate")
    if isinstance(created, str) or isinstance(expires, str):
        return "03", created if isinstance(created, str) else str(expires)
    if expires <= created:
        return "03", "vnp_ExpireDate must be after vnp_CreateDate"
    if created > now + timedelta(minutes=5):
        return "03", "vnp_CreateDate is in the future (GMT+7)"
    if expires <= now:
        return "15", "the payment has expired (vnp_ExpireDate, GMT+7)"
    return None


PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Cổng thanh toán thử nghiệm</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
.amount{font-size:2rem;font-weight:700}.note{background:#fff3cd;padding:.5rem}
button{font-size:1.1rem;padding:.6rem 1rem;margin:.3rem .3rem 0 0}</style></head><body>
<p class="note">Cổng thanh toán THỬ NGHIỆM (giao thức VNPAY 2.1.0). Không có tiền thật.</p>
<h1>Thanh toán</h1>
<dl><dt>Đơn vị</dt><dd>{{ tmn }}</dd><dt>Nội dung</dt><dd>{{ info }}</dd>
<dt>Mã giao dịch</dt><dd><code>{{ ref }}</code></dd>
<dt>Số tiền</dt><dd class="amount">{{ amount }} VND</dd></dl>
<form method="post" action="{{ action }}">
<input type="hidden" name="vnp_TxnRef" value="{{ ref }}">
<button name="outcome" value="pay">Thanh toán</button>
<button name="outcome" value="cancel">Hủy giao dịch</button>
<button name="outcome" value="fail">Giả lập lỗi</button>
</form></body></html>"""


@dataclass
class Order:
    params: dict[str, str]
    callback: dict[str, str] | None = None
    answers: list[str] = field(default_factory=list)


@dataclass
class Sandbox:
    tmn_code: str
    secret: str
    ipn_url: str
    send: Callable[[str, dict[str, str]], str] | None = None  # returns the body
    retries: int = 5
    backoff: float = 1.0
    mode: str = "auto"  # auto | manual (held until /_control) | drop (never sent)
    keep_empty: bool = False  # sign callbacks as VNPAY's Python demo does (empty fields kept)
    querydr: str = "auto"  # auto | a code to answer (91, 94, 97, 99 …) | unsigned
    orders: dict[str, Order] = field(default_factory=dict)
    request_ids: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def http_send(self, url: str, params: dict[str, str]) -> str:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{url}?{query}", timeout=10) as response:  # noqa: S310
            body: str = response.read().decode()
            return body

    def deliver(self, ref: str, retry: bool = True) -> str | None:
        """Send the IPN; retry with exponential backoff until a final answer."""
        order = self.orders[ref]
        assert order.callback is not None
        sender = self.send or self.http_send
        attempts = self.retries if retry else 1
        for attempt in range(attempts):
            try:
                answer = json.loads(sender(self.ipn_url, order.callback)).get("RspCode", "")
            except (OSError, ValueError) as error:
                answer = f"error: {error}"
            with self.lock:
                order.answers.append(str(answer))
            if answer in FINAL_ANSWERS:
                return str(answer)
            if attempt + 1 < attempts:
                time.sleep(self.backoff * 2**attempt)
        return None

    def decide(self, ref: str, outcome: str) -> dict[str, str]:
        with self.lock:
            order = self.orders[ref]
            if order.callback is not None:
                return order.callback  # decided once; the page reloaded
            code, status = OUTCOMES[outcome]
            params = {
                k: v
                for k, v in order.params.items()
                if k in ("vnp_Amount", "vnp_OrderInfo", "vnp_TmnCode", "vnp_TxnRef")
            }
            paid = outcome == "pay"  # no card transaction otherwise: those fields are empty
            params.update(
                {
                    "vnp_BankCode": "NCB",
                    "vnp_CardType": "ATM" if paid else "",
                    "vnp_PayDate": datetime.now(GMT7).strftime(STAMP),
                    "vnp_ResponseCode": code,
                    "vnp_TransactionStatus": status,
                    "vnp_TransactionNo": str(10_000_000 + secrets.randbelow(89_999_999)),
                    "vnp_BankTranNo": f"VNP{secrets.randbelow(10**8):08d}" if paid else "",
                }
            )
            params["vnp_SecureHash"] = hmac_sha512(
                self.secret, signed_string(params, self.keep_empty)
            )
            order.callback = params
            return params

    def query(self, body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any]
        request_id = str(body.get("vnp_RequestId") or "")
        if self.querydr != "auto":
            answer = {
                "vnp_ResponseCode": self.querydr if self.querydr != "unsigned" else "00",
                "vnp_Message": "Forced by /_control",
                "vnp_TmnCode": self.tmn_code,
                "vnp_TxnRef": body.get("vnp_TxnRef"),
            }
            if self.querydr == "unsigned":
                return answer
        elif any(not body.get(name) for name in QUERY_FIELDS) or (
            body.get("vnp_Version") != VERSION
            or body.get("vnp_Command") != "querydr"
            or any(
                isinstance(_stamp(str(body.get(name)), name), str)
                for name in ("vnp_TransactionDate", "vnp_CreateDate")
            )
        ):
            answer = {"vnp_ResponseCode": "99", "vnp_Message": "Invalid request"}
        elif not secrets.compare_digest(
            str(body.get("vnp_SecureHash") or ""), pipe_hash(self.secret, body, QUERY_FIELDS)
        ):
            answer = {"vnp_ResponseCode": "97", "vnp_Message": "Invalid checksum"}
        elif request_id in self.request_ids:
            answer = {"vnp_ResponseCode": "94", "vnp_Message": "Duplicate request"}
        else:
            with self.lock:
                self.request_ids.add(request_id)
            order = self.orders.get(str(body.get("vnp_TxnRef")))
            answer = {
                "vnp_ResponseId": secrets.token_hex(16),
                "vnp_Command": "querydr",
                "vnp_TmnCode": self.tmn_code,
                "vnp_TxnRef": body.get("vnp_TxnRef"),
            }
            if order is None:
                answer.update({"vnp_ResponseCode": "91", "vnp_Message": "Not found"})
            else:
                callback = order.callback or {}
                answer.update(
                    {
                        "vnp_ResponseCode": "00",
                        "vnp_Message": "Query success",
                        "vnp_Amount": order.params["vnp_Amount"],
                        "vnp_BankCode": callback.get("vnp_BankCode", ""),
                        "vnp_PayDate": callback.get("vnp_PayDate", ""),
                        "vnp_TransactionNo": callback.get("vnp_TransactionNo", ""),
                        "vnp_TransactionType": "01",
                        "vnp_TransactionStatus": callback.get("vnp_TransactionStatus", "01"),
                        "vnp_OrderInfo": order.params.get("vnp_OrderInfo", ""),
                        "vnp_PromotionCode": "",
                        "vnp_PromotionAmount": "",
                    }
                )
        answer["vnp_SecureHash"] = pipe_hash(self.secret, answer, ANSWER_FIELDS)
        return answer


def create_sandbox(
    tmn_code: str,
    secret: str,
    ipn_url: str,
    *,
    send: Callable[[str, dict[str, str]], str] | None = None,
    retries: int = 5,
    backoff: float = 1.0,
) -> Flask:
    app = Flask(__name__)
    sandbox = Sandbox(tmn_code, secret, ipn_url, send, retries, backoff)
    app.extensions["sandbox"] = sandbox

    @app.get("/paymentv2/vpcpay.html")
    def pay_page() -> str | tuple[str, int]:
        params = {k: v for k, v in request.args.items()}
        if not signature_ok(secret, params):
            return "Sai chữ ký (code 97) / invalid signature", 400
        problem = pay_problem(params, tmn_code, datetime.now(GMT7))
        if problem is not None:
            code, reason = problem
            return f"Dữ liệu không hợp lệ (code {code}) / refused: {reason}", 400
        ref = params["vnp_TxnRef"]
        with sandbox.lock:
            existing = sandbox.orders.get(ref)
            if existing is not None and existing.params.get("vnp_Amount") != params.get(
                "vnp_Amount"
            ):
                return "Giao dịch đã tồn tại (code 94) / duplicate reference", 400
            if existing is None:
                sandbox.orders[ref] = Order(params)
        amount = int(params.get("vnp_Amount", "0")) // 100
        return render_template_string(
            PAGE,
            tmn=tmn_code,
            info=params.get("vnp_OrderInfo"),
            ref=ref,
            amount=vnd(amount),
            action=request.script_root + "/paymentv2/decide",
        )

    @app.post("/paymentv2/decide")
    def decide() -> BaseResponse:
        ref, outcome = request.form.get("vnp_TxnRef", ""), request.form.get("outcome", "")
        if ref not in sandbox.orders or outcome not in OUTCOMES:
            abort(400)
        already = sandbox.orders[ref].callback is not None
        callback = sandbox.decide(ref, outcome)
        # The first attempt goes before the payer is redirected (IPN before return); retries,
        # when needed, run in the background.
        if not already and sandbox.mode == "auto" and sandbox.deliver(ref, retry=False) is None:
            threading.Thread(target=sandbox.deliver, args=(ref,), daemon=True).start()
        return_url = sandbox.orders[ref].params["vnp_ReturnUrl"]
        joiner = "&" if "?" in return_url else "?"
        return redirect(return_url + joiner + urllib.parse.urlencode(callback))

    @app.post("/merchant_webapi/api/transaction")
    def transaction() -> BaseResponse:
        return jsonify(sandbox.query(request.get_json(force=True, silent=True) or {}))

    @app.post("/_control/mode")
    def control_mode() -> BaseResponse:
        """``ipn``: auto | manual | drop; ``signing``: drop_empty | keep_empty;
        ``querydr``: auto | unsigned | a response code to answer with."""
        body = request.get_json(silent=True) or {}
        mode, signing = body.get("ipn", "auto"), body.get("signing", "drop_empty")
        querydr = str(body.get("querydr", "auto"))
        if (
            mode not in ("auto", "manual", "drop")
            or signing not in ("drop_empty", "keep_empty")
            or not re.fullmatch(r"auto|unsigned|\d\d", querydr)
        ):
            abort(400)
        sandbox.mode, sandbox.keep_empty = mode, signing == "keep_empty"
        sandbox.querydr = querydr
        return jsonify({"ipn": mode, "signing": signing, "querydr": querydr})

    @app.get("/_control/orders/<ref>")
    def control_order(ref: str) -> BaseResponse:
        order = sandbox.orders.get(ref)
        if order is None:
            abort(404)
        return jsonify(
            {"params": order.params, "callback": order.callback, "answers": order.answers}
        )

    @app.post("/_control/orders/<ref>/ipn")
    def control_ipn(ref: str) -> BaseResponse:
        """Send (or re-send) the IPN now, ``times`` times; returns the merchant's answers."""
        order = sandbox.orders.get(ref)
        if order is None or order.callback is None:
            abort(404)
        times = max(1, min(int(request.args.get("times", "1")), 100))
        return jsonify({"answers": [sandbox.deliver(ref, retry=False) for _ in range(times)]})

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Sandbox payment gateway (VNPAY protocol)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--ipn-url",
        default=os.environ.get("VNPAY_IPN_URL", "http://127.0.0.1:5000/payments/vnpay/ipn"),
    )
    parser.add_argument("--tmn-code", default=os.environ.get("VNPAY_TMN_CODE") or SANDBOX_TMN_CODE)
    parser.add_argument(
        "--hash-secret", default=os.environ.get("VNPAY_HASH_SECRET") or SANDBOX_SECRET
    )
    parser.add_argument("--backoff", type=float, default=1.0)
    args = parser.parse_args(argv)
    from werkzeug.serving import run_simple

    app = create_sandbox(args.tmn_code, args.hash_secret, args.ipn_url, backoff=args.backoff)
    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main()
