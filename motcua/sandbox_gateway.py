"""A sandbox payment gateway speaking VNPAY's protocol, for the demo and the tests.

It shows a payment page with "pay", "cancel" and "fail"; redirects the payer to
``vnp_ReturnUrl`` with signed parameters; sends the signed IPN (GET, as VNPAY does) to the
merchant's IPN URL, retrying with exponential backoff until the merchant gives a final answer;
and answers the query API (querydr). Nothing leaves the machine.

Run it in-process (``make run`` mounts it under /sandbox-gateway when no real gateway is
configured) or as its own process: ``motcua sandbox-gateway --port 8081 --ipn-url URL`` or
``python -m motcua.sandbox_gateway``. ``/_control`` lets tests hold, drop or replay IPNs.
"""

import argparse
import json
import logging
import os
import secrets
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, abort, jsonify, redirect, render_template_string, request
from werkzeug.wrappers import Response as BaseResponse

from dossiers.calendar import VN_TZ
from payments.fees import vnd
from payments.gateways import vnpay
from payments.settings import SANDBOX_SECRET, SANDBOX_TMN_CODE

log = logging.getLogger(__name__)
FINAL_ANSWERS = frozenset({"00", "01", "02", "04", "97"})
OUTCOMES = {"pay": ("00", "00"), "cancel": ("24", "02"), "fail": ("51", "02")}

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
    orders: dict[str, Order] = field(default_factory=dict)
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
                time.sleep(self.backoff * 2 ** attempt)
        return None

    def decide(self, ref: str, outcome: str) -> dict[str, str]:
        with self.lock:
            order = self.orders[ref]
            if order.callback is not None:
                return order.callback  # decided once; the page reloaded
            code, status = OUTCOMES[outcome]
            params = {k: v for k, v in order.params.items()
                      if k in ("vnp_Amount", "vnp_OrderInfo", "vnp_TmnCode", "vnp_TxnRef")}
            params.update({"vnp_BankCode": "NCB", "vnp_CardType": "ATM",
                           "vnp_PayDate": datetime.now(VN_TZ).strftime(vnpay.DATE_FORMAT),
                           "vnp_ResponseCode": code, "vnp_TransactionStatus": status,
                           "vnp_TransactionNo": str(10_000_000 + secrets.randbelow(89_999_999)),
                           "vnp_BankTranNo": f"VNP{secrets.randbelow(10**8):08d}"})
            params["vnp_SecureHash"] = vnpay.sign(self.secret, params)
            order.callback = params
            return params

    def query(self, body: dict[str, Any]) -> dict[str, Any]:
        if not secrets.compare_digest(
                str(body.get("vnp_SecureHash") or ""),
                vnpay.sign_pipe(self.secret, body, vnpay.QUERY_REQUEST_FIELDS)):
            answer: dict[str, Any] = {"vnp_ResponseCode": "97", "vnp_Message": "Invalid checksum"}
        else:
            order = self.orders.get(str(body.get("vnp_TxnRef")))
            answer = {"vnp_ResponseId": secrets.token_hex(16), "vnp_Command": "querydr",
                      "vnp_TmnCode": self.tmn_code, "vnp_TxnRef": body.get("vnp_TxnRef")}
            if order is None:
                answer.update({"vnp_ResponseCode": "91", "vnp_Message": "Not found"})
            else:
                callback = order.callback or {}
                answer.update({
                    "vnp_ResponseCode": "00", "vnp_Message": "Query success",
                    "vnp_Amount": order.params["vnp_Amount"],
                    "vnp_BankCode": callback.get("vnp_BankCode", ""),
                    "vnp_PayDate": callback.get("vnp_PayDate", ""),
                    "vnp_TransactionNo": callback.get("vnp_TransactionNo", ""),
                    "vnp_TransactionType": "01",
                    "vnp_TransactionStatus": callback.get("vnp_TransactionStatus", "01"),
                    "vnp_OrderInfo": order.params.get("vnp_OrderInfo", ""),
                    "vnp_PromotionCode": "", "vnp_PromotionAmount": ""})
        answer["vnp_SecureHash"] = vnpay.sign_pipe(self.secret, answer,
                                                   vnpay.QUERY_RESPONSE_FIELDS)
        return answer


def create_sandbox(tmn_code: str, secret: str, ipn_url: str, *,
                   send: Callable[[str, dict[str, str]], str] | None = None,
                   retries: int = 5, backoff: float = 1.0) -> Flask:
    app = Flask(__name__)
    sandbox = Sandbox(tmn_code, secret, ipn_url, send, retries, backoff)
    app.extensions["sandbox"] = sandbox

    @app.get("/paymentv2/vpcpay.html")
    def pay_page() -> str | tuple[str, int]:
        params = {k: v for k, v in request.args.items()}
        if not vnpay.verify(secret, params):
            return "Sai chữ ký (code 97) / invalid signature", 400
        if params.get("vnp_TmnCode") != tmn_code:
            return "Mã website không đúng (code 02) / wrong terminal code", 400
        ref = params.get("vnp_TxnRef", "")
        with sandbox.lock:
            existing = sandbox.orders.get(ref)
            if existing is not None and existing.params.get("vnp_Amount") != params.get(
                    "vnp_Amount"):
                return "Giao dịch đã tồn tại (code 94) / duplicate reference", 400
            if existing is None:
                sandbox.orders[ref] = Order(params)
        amount = int(params.get("vnp_Amount", "0")) // 100
        return render_template_string(PAGE, tmn=tmn_code, info=params.get("vnp_OrderInfo"),
                                      ref=ref, amount=vnd(amount),
                                      action=request.script_root + "/paymentv2/decide")

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
        mode = (request.get_json(silent=True) or {}).get("ipn", "auto")
        if mode not in ("auto", "manual", "drop"):
            abort(400)
        sandbox.mode = mode
        return jsonify({"ipn": mode})

    @app.get("/_control/orders/<ref>")
    def control_order(ref: str) -> BaseResponse:
        order = sandbox.orders.get(ref)
        if order is None:
            abort(404)
        return jsonify({"params": order.params, "callback": order.callback,
                        "answers": order.answers})

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
    parser.add_argument("--ipn-url", default=os.environ.get(
        "VNPAY_IPN_URL", "http://127.0.0.1:5000/payments/vnpay/ipn"))
    parser.add_argument("--tmn-code", default=os.environ.get("VNPAY_TMN_CODE")
                        or SANDBOX_TMN_CODE)
    parser.add_argument("--hash-secret", default=os.environ.get("VNPAY_HASH_SECRET")
                        or SANDBOX_SECRET)
    parser.add_argument("--backoff", type=float, default=1.0)
    args = parser.parse_args(argv)
    from werkzeug.serving import run_simple

    app = create_sandbox(args.tmn_code, args.hash_secret, args.ipn_url, backoff=args.backoff)
    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main()
