"""End to end with the sandbox gateway in its own process, on SQLite and PostgreSQL: every
hostile or repeated callback leaves the ledger right and issues exactly one receipt."""

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dossiers.errors import InvalidInput
from dossiers.events import Event
from dossiers.intake import submit_dossier
from dossiers.lifecycle import Status
from dossiers.records import Dossier
from motcua.database import get_db
from motcua.payments_app import gateway
from payments.gateways import vnpay
from payments.models import Payment, SecurityEvent
from payments.reconcile import reconcile_pending
from tests.payments.conftest import SECRET, Live, build_world, receipt_count, start_payment


def _start(live: Live, factory: sessionmaker[Session]) -> tuple[int, str, str]:
    return start_payment(live, factory, build_world(factory))


def _paid_without_ipn(live: Live, factory: sessionmaker[Session], mode: str) -> tuple[int, str]:
    """Paid at the gateway while it holds ("manual") or drops ("drop") the IPN."""
    payment_id, ref, url = _start(live, factory)
    with live.ipn_mode(mode):
        live.pay_at_gateway(url, "pay")
    return payment_id, ref


def _state(factory: sessionmaker[Session], payment_id: int) -> tuple[str, str, int, int]:
    with factory() as db:
        payment = db.get(Payment, payment_id)
        assert payment is not None
        paid_events = db.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.dossier_id == payment.dossier_id, Event.kind == "submitted")
        )
        return (
            payment.state,
            payment.dossier.status,
            receipt_count(db, payment.dossier_id),
            int(paid_events or 0),
        )


def _security(factory: sessionmaker[Session]) -> list[str]:
    with factory() as db:
        return [e.kind for e in db.scalars(select(SecurityEvent).order_by(SecurityEvent.id))]


def test_paying_submits_the_draft_and_issues_one_receipt(live: Live, committing: Any) -> None:
    payment_id, ref, url = _start(live, committing)
    assert "vnp_Amount=7500000" in url
    assert "vnp_SecureHash=" in url
    back = live.pay_at_gateway(url, "pay")  # the IPN goes before the redirect
    assert _state(committing, payment_id) == ("paid", Status.SUBMITTED, 1, 1)
    page, _ = live.get(back)
    assert "Thanh toán thành công" in page
    assert live.order(ref)["answers"] == ["00"]
    # Replayed 2 and then 50 times: "already confirmed", nothing changes.
    assert live.control(f"/orders/{ref}/ipn?times=2")["answers"] == ["02", "02"]
    assert live.control(f"/orders/{ref}/ipn?times=50")["answers"] == ["02"] * 50
    assert _state(committing, payment_id) == ("paid", Status.SUBMITTED, 1, 1)


def test_cancel_and_fail_leave_the_draft_unpaid(live: Live, committing: Any) -> None:
    world = build_world(committing)
    payment_id, _, url = start_payment(live, committing, world)
    live.pay_at_gateway(url, "cancel")
    assert _state(committing, payment_id) == ("cancelled", Status.DRAFT, 0, 0)
    payment_id, _, url = start_payment(live, committing, world)  # try again: a new order
    back = live.pay_at_gateway(url, "fail")
    assert _state(committing, payment_id) == ("failed", Status.DRAFT, 0, 0)
    page, _ = live.get(back)
    assert "không thành công" in page


def test_ipn_after_the_browser_return(live: Live, committing: Any) -> None:
    payment_id, ref, url = _start(live, committing)
    with live.ipn_mode("manual"):
        back = live.pay_at_gateway(url, "pay")
        page, headers = live.get(back)  # the return page shows state, never changes it
        assert "Đang chờ" in page
        assert headers.get("Refresh") == "3"
        assert _state(committing, payment_id) == ("pending", Status.DRAFT, 0, 0)
        assert live.control(f"/orders/{ref}/ipn")["answers"] == ["00"]
    assert _state(committing, payment_id) == ("paid", Status.SUBMITTED, 1, 1)
    page, _ = live.get(back)
    assert "Thanh toán thành công" in page


def test_the_same_ipn_twice_at_once_settles_once(live: Live, committing: Any) -> None:
    payment_id, ref = _paid_without_ipn(live, committing, "manual")
    callback = live.order(ref)["callback"]
    answers: list[str] = []
    barrier = threading.Barrier(2)

    def send() -> None:
        barrier.wait()
        answers.append(live.ipn(callback)["RspCode"])

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["00", "02"]
    assert _state(committing, payment_id) == ("paid", Status.SUBMITTED, 1, 1)


def _signed(params: dict[str, str], **changes: str) -> dict[str, str]:
    changed = {**params, **changes}
    changed["vnp_SecureHash"] = vnpay.sign(SECRET, changed)
    return changed


def test_hostile_callbacks_change_nothing_and_are_logged(live: Live, committing: Any) -> None:
    payment_id, ref = _paid_without_ipn(live, committing, "manual")
    good = live.order(ref)["callback"]
    bad_signature = {**good, "vnp_SecureHash": "0" * 128}
    missing = {k: v for k, v in good.items() if k != "vnp_SecureHash"}
    tampered = {**good, "vnp_Amount": "100"}  # changed after signing
    one_dong_off = _signed(good, vnp_Amount=str((75000 - 1) * 100))
    unknown = _signed(good, vnp_TxnRef="MC000000UNKNOWN")
    assert live.ipn(bad_signature)["RspCode"] == "97"
    assert live.ipn(missing)["RspCode"] == "97"
    assert live.ipn(tampered)["RspCode"] == "97"
    assert live.ipn(one_dong_off)["RspCode"] == "04"
    assert live.ipn(unknown)["RspCode"] == "01"
    assert _state(committing, payment_id) == ("pending", Status.DRAFT, 0, 0)
    assert _security(committing) == [
        "bad_signature",
        "missing_signature",
        "bad_signature",
        "amount_mismatch",
        "unknown_order",
    ]
    # The genuine IPN still settles it; a later signed failure never downgrades "paid".
    assert live.ipn(good)["RspCode"] == "00"
    failure = _signed(good, vnp_ResponseCode="51", vnp_TransactionStatus="02")
    assert live.ipn(failure)["RspCode"] == "02"
    assert _state(committing, payment_id) == ("paid", Status.SUBMITTED, 1, 1)


def test_a_lost_ipn_is_recovered_by_reconciliation(live: Live, committing: Any) -> None:
    payment_id, ref = _paid_without_ipn(live, committing, "drop")
    assert _state(committing, payment_id) == ("pending", Status.DRAFT, 0, 0)
    factory = get_db(live.app).factory  # the app's own sessions: its outbox runs the receipt
    done = reconcile_pending(factory, gateway(live.app), older_than=timedelta(0))
    assert done.counts == {"paid": 1}
    assert reconcile_pending(factory, gateway(live.app), older_than=timedelta(0)).counts == {}
    assert _state(committing, payment_id) == ("paid", Status.SUBMITTED, 1, 1)
    assert live.control(f"/orders/{ref}/ipn")["answers"] == ["02"]  # the IPN, late


def test_submission_waits_for_payment(live: Live, committing: Any) -> None:
    world = build_world(committing)
    with committing() as db:
        dossier = db.get(Dossier, world.dossier_id)
        with pytest.raises(InvalidInput, match="trước khi nộp hồ sơ"):
            submit_dossier(db, world.citizen, dossier)
