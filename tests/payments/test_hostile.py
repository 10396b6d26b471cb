"""What a forger, a flaky gateway or a late gateway does, against the live app and the sandbox
gateway in its own process, on SQLite and PostgreSQL: the IPN keeps only the fields it knows,
within size and rate limits, refuses another terminal's and answers 99 to an empty one, and
accepts both of VNPAY's signature conventions; a "paid" after "cancelled" or "expired" is
recorded as a refund due; reconciliation reports "no verdict" instead of failing and never
leaves a payment pending for good; the sandbox refuses what VNPAY refuses."""

import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dossiers.accounts import User, issue_token
from dossiers.calendar import today_in_vietnam
from dossiers.db import utcnow
from dossiers.lifecycle import Role, Status
from dossiers.records import Dossier
from motcua.cli import cli
from motcua.database import get_db
from motcua.payments_app import gateway
from payments.finance import summary
from payments.gateways.base import Checkout
from payments.ledger import start_online_payment
from payments.models import Payment, SecurityEvent
from payments.reconcile import reconcile_pending
from tests import factories as f
from tests.payments.conftest import SECRET, TMN_CODE, Live, World, build_world, start_payment
from tests.web import csrf_token, login

# What VNPAY's IPN carries (its integration guide), written out here rather than imported.
IPN_FIELDS = {
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
}


def demo_sign(params: dict[str, str], keep_empty: bool, secret: str = SECRET) -> dict[str, str]:
    """Signed as VNPAY's demos sign: sorted, form-encoded, HMAC-SHA512; the Python demo keeps
    empty values (``k=``), the Java demo and the npm library drop them."""
    data = "&".join(
        f"{k}={urllib.parse.quote_plus(v)}"
        for k, v in sorted(params.items())
        if k.startswith("vnp_")
        and k not in ("vnp_SecureHash", "vnp_SecureHashType")
        and (keep_empty or v != "")
    )
    digest = hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()
    return {**params, "vnp_SecureHash": digest}


def paid_callback(held: dict[str, str], keep_empty: bool = False, **changes: str) -> dict[str, str]:
    """The gateway's "paid" for the order of ``held`` (any callback of it), signed."""
    params = {k: v for k, v in held.items() if k != "vnp_SecureHash"}
    params.update(
        {
            "vnp_ResponseCode": "00",
            "vnp_TransactionStatus": "00",
            "vnp_BankTranNo": "VNP20261201",
            "vnp_CardType": "ATM",
            **changes,
        }
    )
    return demo_sign(params, keep_empty)


def _payment(factory: sessionmaker[Session], payment_id: int) -> tuple[str, str]:
    with factory() as db:
        payment = db.get(Payment, payment_id)
        assert payment is not None
        return payment.state, payment.dossier.status


def _reason(factory: sessionmaker[Session], payment_id: int) -> str | None:
    with factory() as db:
        payment = db.get(Payment, payment_id)
        assert payment is not None
        return payment.state_reason


def _events(factory: sessionmaker[Session]) -> list[SecurityEvent]:
    with factory() as db:
        return list(db.scalars(select(SecurityEvent).order_by(SecurityEvent.id)))


def _post(url: str, body: bytes) -> dict[str, str]:
    request = urllib.request.Request(  # noqa: S310
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
        answer: dict[str, str] = json.loads(response.read())
        return answer


# --- what the IPN keeps, and what it refuses ---------------------------------------------------


def test_a_forged_ipn_keeps_only_the_fields_vnpay_defines(live: Live, committing: Any) -> None:
    _, ref, _ = start_payment(live, committing, build_world(committing))
    forged = {
        "vnp_TxnRef": ref,
        "vnp_Amount": "7500000",
        "vnp_ResponseCode": "00",
        "vnp_TransactionStatus": "00",
        "vnp_TmnCode": TMN_CODE,
        "vnp_OrderInfo": "y" * 3000,
        "vnp_Junk": "x" * 3000,
        "other": "z" * 500,
        "vnp_SecureHash": "0" * 128,
    }
    assert live.ipn(forged)["RspCode"] == "97"
    [event] = _events(committing)
    assert event.kind == "bad_signature"
    assert set(event.params) <= IPN_FIELDS
    assert event.params["vnp_TxnRef"] == ref
    assert max(len(value) for value in event.params.values()) <= 255


def test_a_huge_ipn_is_answered_99_and_not_stored(live: Live, committing: Any) -> None:
    payment_id, ref, _ = start_payment(live, committing, build_world(committing))
    body = urllib.parse.urlencode({"vnp_TxnRef": ref, "vnp_OrderInfo": "x" * 5_400_000})
    assert _post(live.url + "/payments/vnpay/ipn", body.encode())["RspCode"] == "99"
    [event] = _events(committing)
    assert (event.kind, event.params) == ("oversized", {})
    assert _payment(committing, payment_id)[0] == "pending"


def test_refused_callbacks_are_stored_at_most_twenty_per_address(
    live: Live, committing: Any
) -> None:
    _, ref, _ = start_payment(live, committing, build_world(committing))
    forged = {"vnp_TxnRef": ref, "vnp_Amount": "7500000", "vnp_SecureHash": "0" * 128}
    assert [live.ipn(forged)["RspCode"] for _ in range(25)] == ["97"] * 25
    assert len(_events(committing)) == 20


def test_an_ipn_for_another_terminal_is_refused(live: Live, committing: Any) -> None:
    payment_id, ref, url = start_payment(live, committing, build_world(committing))
    with live.ipn_mode("manual"):
        live.pay_at_gateway(url, "pay")
    held = live.order(ref)["callback"]
    assert live.ipn(paid_callback(held, vnp_TmnCode="OTHER001"))["RspCode"] == "01"
    assert _payment(committing, payment_id)[0] == "pending"
    assert [e.kind for e in _events(committing)] == ["wrong_merchant"]
    assert live.ipn(held)["RspCode"] == "00"  # ours still settles it
    assert _payment(committing, payment_id)[0] == "paid"


def test_an_empty_ipn_is_answered_99(live: Live, committing: Any) -> None:
    assert live.ipn({})["RspCode"] == "99"
    assert live.ipn({"foo": "bar"})["RspCode"] == "99"
    assert _post(live.url + "/payments/vnpay/ipn", b"")["RspCode"] == "99"
    assert _events(committing) == []


@pytest.mark.parametrize("keep_empty", [True, False])
def test_both_of_vnpays_signature_conventions_are_accepted(
    live: Live, committing: Any, keep_empty: bool
) -> None:
    world = build_world(committing)
    # The sandbox signs its cancel IPN (empty card fields) one way or the other.
    payment_id, _, url = start_payment(live, committing, world)
    signing = "keep_empty" if keep_empty else "drop_empty"
    with live.ipn_mode("auto", signing=signing):
        live.pay_at_gateway(url, "cancel")
    assert _payment(committing, payment_id) == ("cancelled", Status.DRAFT)
    # A "paid" with an empty field, signed by the same convention.
    payment_id, ref, url = start_payment(live, committing, world)
    with live.ipn_mode("manual"):
        live.pay_at_gateway(url, "pay")
    paid = paid_callback(live.order(ref)["callback"], keep_empty, vnp_BankTranNo="")
    assert live.ipn(paid)["RspCode"] == "00"
    assert _payment(committing, payment_id) == ("paid", Status.SUBMITTED)
    assert _events(committing) == []


# --- a "paid" after the order was closed -----------------------------------------------------


def _clerk_token(factory: sessionmaker[Session], world: World) -> tuple[Any, str]:
    with factory() as db:
        dossier = db.get(Dossier, world.dossier_id)
        assert dossier is not None
        clerk = db.scalar(select(User).where(User.id == world.clerk.user_id))
        assert clerk is not None
        token = issue_token(db, clerk, "t")
        db.commit()
        return clerk.actor(), token


def _api(live: Live, path: str, token: str) -> Any:
    request = urllib.request.Request(  # noqa: S310 - loopback
        live.url + path,
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def test_a_paid_after_cancelled_is_recorded_and_raised_for_a_refund(
    live: Live, committing: Any
) -> None:
    world = build_world(committing)
    payment_id, ref, url = start_payment(live, committing, world)
    live.pay_at_gateway(url, "cancel")
    assert _payment(committing, payment_id)[0] == "cancelled"
    late = paid_callback(live.order(ref)["callback"])
    assert live.ipn(late)["RspCode"] == "00"  # recorded: the gateway stops resending
    assert _payment(committing, payment_id) == ("refund_due", Status.DRAFT)  # not moved on
    reason = _reason(committing, payment_id)
    assert reason is not None
    assert "hoàn trả" in reason
    assert live.ipn(late)["RspCode"] == "02"  # once
    assert _payment(committing, payment_id)[0] == "refund_due"

    # Finance staff see it: the figures, the list, the API.
    clerk, token = _clerk_token(committing, world)
    with committing() as db:
        today = utcnow().date()
        rows = summary(db, clerk, today - timedelta(days=1), today + timedelta(days=1))
        assert [(r.refund_due_vnd, r.refund_due_count, r.collected_vnd) for r in rows] == [
            (75000, 1, 75000)
        ]
    [listed] = _api(live, "/api/v1/backoffice/refunds-due", token)
    assert (listed["txn_ref"], listed["state"], listed["amount_vnd"]) == (ref, "refund_due", 75000)
    day = today_in_vietnam().isoformat()
    [row] = _api(live, f"/api/v1/backoffice/finance?from={day}&to={day}", token)
    assert (row["refund_due_vnd"], row["refund_due_count"]) == (75000, 1)

    # The applicant can still pay for the dossier; the desk gives the late money back.
    payment_id_2, _, url = start_payment(live, committing, world)
    live.pay_at_gateway(url, "pay")
    assert _payment(committing, payment_id_2) == ("paid", Status.SUBMITTED)
    # The finance page lists it and takes the refund, with a reason and a reference.
    browser = live.app.test_client()
    login(browser, clerk.login)
    page = browser.get("/backoffice/finance").get_data(as_text=True)
    assert "Khoản cần hoàn trả" in page
    assert ref in page
    browser.post(
        f"/backoffice/finance/refunds/{payment_id}",
        data={
            "csrf_token": csrf_token(page),
            "reason": "Trừ tiền sau khi đã hủy giao dịch",
            "reference": "UNC-77",
        },
    )
    assert _payment(committing, payment_id)[0] == "refunded"
    assert ref not in browser.get("/backoffice/finance").get_data(as_text=True)
    assert _api(live, "/api/v1/backoffice/refunds-due", token) == []


# --- reconciliation without a verdict --------------------------------------------------------


def _reconcile(live: Live) -> Any:
    return live.app.test_cli_runner().invoke(cli, ["payments", "reconcile", "--older-than", "0"])


@pytest.mark.parametrize("answer", ["unsigned", "91", "94", "97", "99"])
def test_reconcile_reports_no_verdict_without_a_traceback(
    live: Live, committing: Any, answer: str
) -> None:
    payment_id, ref, url = start_payment(live, committing, build_world(committing))
    with live.ipn_mode("drop", querydr=answer):
        live.pay_at_gateway(url, "pay")
        result = _reconcile(live)
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if ref in line]
    assert len(lines) == 2  # the pending round and the day's comparison
    assert all("no verdict" in line for line in lines)
    assert _payment(committing, payment_id)[0] == "pending"
    ok = _reconcile(live)  # the gateway answers again: settled, the ledgers agree
    assert ok.exit_code == 0, ok.output
    assert _payment(committing, payment_id)[0] == "paid"


def test_a_payment_never_stays_pending_and_the_citizen_pays_again(
    live: Live, committing: Any
) -> None:
    world = build_world(committing)
    an_hour_ago = utcnow() - timedelta(hours=1)
    with committing() as db:  # started an hour ago; the payer never reached the gateway
        dossier = db.get(Dossier, world.dossier_id)
        assert dossier is not None
        old = start_online_payment(
            db,
            world.citizen,
            dossier,
            gateway(live.app),
            return_url=live.url + "/payments/vnpay/return",
            client_ip="127.0.0.1",
            now=an_hour_ago,
        ).payment
        old_id, old_ref = old.id, old.txn_ref
        db.commit()
    factory, merchant = get_db(live.app).factory, gateway(live.app)
    outcomes = [
        reconcile_pending(factory, merchant, older_than=timedelta(0)).outcomes for _ in range(3)
    ]
    assert [[o.outcome for o in round_] for round_ in outcomes] == [
        ["no_verdict"],
        ["no_verdict"],
        ["expired"],
    ]
    assert _payment(committing, old_id) == ("expired", Status.DRAFT)
    reason = _reason(committing, old_id)
    assert reason is not None
    assert "91" in reason
    assert reconcile_pending(factory, merchant, older_than=timedelta(0)).outcomes == []

    # The citizen pays again, and it goes through.
    payment_id, _, url = start_payment(live, committing, world)
    assert payment_id != old_id
    live.pay_at_gateway(url, "pay")
    assert _payment(committing, payment_id) == ("paid", Status.SUBMITTED)
    # Should the old order's money arrive after all, it is a refund due, not a second payment.
    late = demo_sign(
        {
            "vnp_TmnCode": TMN_CODE,
            "vnp_TxnRef": old_ref,
            "vnp_Amount": "7500000",
            "vnp_ResponseCode": "00",
            "vnp_TransactionStatus": "00",
            "vnp_TransactionNo": "14009999",
            "vnp_BankCode": "NCB",
        },
        False,
    )
    assert live.ipn(late)["RspCode"] == "00"
    assert _payment(committing, old_id)[0] == "refund_due"
    assert _payment(committing, payment_id)[0] == "paid"


# --- the sandbox refuses what VNPAY refuses --------------------------------------------------


def _genuine(live: Live) -> dict[str, str]:
    """What our adapter sends for a payment of 75,000 đồng now."""
    now = utcnow()
    checkout = Checkout(
        txn_ref=f"MCTEST{now:%H%M%S%f}",
        amount_vnd=75000,
        order_info="Thanh toan phi le phi ho so 1",
        client_ip="127.0.0.1",
        return_url=live.url + "/payments/vnpay/return",
        created_at=now,
        expires_at=now + timedelta(minutes=15),
    )
    params = gateway(live.app).payment_params(checkout)  # type: ignore[attr-defined]
    return {k: v for k, v in params.items() if k != "vnp_SecureHash"}


def _open(live: Live, params: dict[str, str]) -> tuple[int, str]:
    query = urllib.parse.urlencode(demo_sign(params, False))
    try:
        with urllib.request.urlopen(  # noqa: S310
            f"{live.sandbox}/paymentv2/vpcpay.html?{query}",
            timeout=10,
        ) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _shift(stamp: str, hours: int) -> str:
    from datetime import datetime

    return (datetime.strptime(stamp, "%Y%m%d%H%M%S") + timedelta(hours=hours)).strftime(
        "%Y%m%d%H%M%S"
    )


MUTATIONS: dict[str, Any] = {
    "no expiry": lambda p: {k: v for k, v in p.items() if k != "vnp_ExpireDate"},
    "dates in UTC": lambda p: {
        **p,
        "vnp_CreateDate": _shift(p["vnp_CreateDate"], -7),
        "vnp_ExpireDate": _shift(p["vnp_ExpireDate"], -7),
    },
    "date with separators": lambda p: {**p, "vnp_CreateDate": "2026-12-01 10:00:00"},
    "not a date": lambda p: {**p, "vnp_ExpireDate": "20261341250000"},
    "expiry before creation": lambda p: {**p, "vnp_ExpireDate": _shift(p["vnp_CreateDate"], -1)},
    "locale vi": lambda p: {**p, "vnp_Locale": "vi"},
    "currency USD": lambda p: {**p, "vnp_CurrCode": "USD"},
    "amount not x100": lambda p: {**p, "vnp_Amount": "75000"[:-2] + "50"},
    "amount zero": lambda p: {**p, "vnp_Amount": "0"},
    "amount negative": lambda p: {**p, "vnp_Amount": "-7500000"},
    "amount decimal": lambda p: {**p, "vnp_Amount": "7500000.00"},
    "amount too large": lambda p: {**p, "vnp_Amount": str(1_000_000_000 * 100)},
    "version 2.0.0": lambda p: {**p, "vnp_Version": "2.0.0"},
    "command querydr": lambda p: {**p, "vnp_Command": "querydr"},
    "diacritics": lambda p: {**p, "vnp_OrderInfo": "Thanh toán phí"},
}


def test_the_sandbox_takes_what_our_adapter_sends(live: Live) -> None:
    status, page = _open(live, _genuine(live))
    assert status == 200, page
    assert "75.000 VND" in page


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_the_sandbox_refuses_what_vnpay_refuses(live: Live, mutation: str) -> None:
    status, page = _open(live, MUTATIONS[mutation](_genuine(live)))
    assert status == 400, page
    assert "code" in page


def test_querydr_refuses_a_bad_request(live: Live) -> None:
    body = {
        "vnp_RequestId": "1",
        "vnp_Version": "2.1.0",
        "vnp_Command": "querydr",
        "vnp_TmnCode": TMN_CODE,
        "vnp_TxnRef": "X",
        "vnp_OrderInfo": "q",
        "vnp_TransactionDate": "2026-12-01",
        "vnp_CreateDate": "20261201100000",
        "vnp_IpAddr": "127.0.0.1",
    }
    request = urllib.request.Request(  # noqa: S310 - loopback
        live.sandbox + "/merchant_webapi/api/transaction",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert json.loads(response.read())["vnp_ResponseCode"] == "99"


def test_the_staff_see_refunds_due_only_for_their_agency(live: Live, committing: Any) -> None:
    world = build_world(committing)
    payment_id, ref, url = start_payment(live, committing, world)
    live.pay_at_gateway(url, "fail")
    assert live.ipn(paid_callback(live.order(ref)["callback"]))["RspCode"] == "00"
    with committing() as db:
        other = f.user(db, Role.RECEPTION, f.agency(db))
        token = issue_token(db, other, "t")
        db.commit()
    assert _api(live, "/api/v1/backoffice/refunds-due", token) == []
    assert _payment(committing, payment_id)[0] == "refund_due"
