"""The staff side of payments on SQLite and PostgreSQL: asking for payment (national status 6),
exemptions, cash and card at the desk, refunds, and the finance view with its XLSX export."""

import http.client
import io
import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from dossiers.actors import Actor
from dossiers.calendar import VN_TZ, today_in_vietnam
from dossiers.db import utcnow
from dossiers.errors import Conflict, Forbidden, InvalidInput, NotFound
from dossiers.events import Event
from dossiers.files import FileStore
from dossiers.intake import submit_dossier, withdraw_dossier
from dossiers.lifecycle import Kind, NationalStatus, Role, Status
from dossiers.outbox import OutboxMessage
from dossiers.procedures import ProcedureVersion
from dossiers.processing import stop
from dossiers.records import Dossier
from dossiers.review import accept_dossier, refuse_dossier
from motcua.sandbox_gateway import create_sandbox
from payments.callbacks import handle_ipn
from payments.fees import amount_due, exempt_fee
from payments.finance import HEADERS, export_xlsx, summary
from payments.gateways.vnpay import VnpayConfig, VnpayGateway, sign
from payments.ledger import (
    Started,
    record_desk_payment,
    request_payment,
    start_online_payment,
)
from payments.models import Method, Payment, PaymentState, Refund
from payments.receipts import issue_receipt
from payments.reconcile import daily_report
from payments.refunds import record_refund
from tests import factories as f
from tests.payments.conftest import receipt_count


@contextmanager
def sandbox_gateway() -> Iterator[VnpayGateway]:
    """The protocol-speaking sandbox on a loopback port, its IPNs dropped (a lost callback)."""
    sandbox = create_sandbox("MOTCUA01", "test-secret", "http://127.0.0.1:9/ipn")
    server = make_server("127.0.0.1", 0, sandbox, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        _post_form(
            base + "/_control/mode", json.dumps({"ipn": "drop"}).encode(), "application/json"
        )
        yield VnpayGateway(
            VnpayConfig(
                "MOTCUA01",
                "test-secret",
                base + "/paymentv2/vpcpay.html",
                base + "/merchant_webapi/api/transaction",
            )
        )
    finally:
        server.shutdown()
        thread.join()


def _post_form(url: str, body: bytes, content_type: str) -> int:
    """POST without following a redirect (the payer's return URL is not ours to visit)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        connection.request("POST", parts.path, body=body, headers={"Content-Type": content_type})
        status = connection.getresponse().status
    finally:
        connection.close()
    assert status in (200, 302), status
    return status


def pay_without_ipn(pay_url: str) -> None:
    """The payer opens the gateway's page and presses "pay"."""
    with urllib.request.urlopen(pay_url, timeout=10) as page:  # noqa: S310 - loopback
        assert "Thanh toán" in page.read().decode()
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(pay_url).query)
    base = pay_url.split("/paymentv2/")[0]
    _post_form(
        base + "/paymentv2/decide",
        urllib.parse.urlencode({"vnp_TxnRef": query["vnp_TxnRef"][0], "outcome": "pay"}).encode(),
        "application/x-www-form-urlencoded",
    )


GATEWAY = VnpayGateway(
    VnpayConfig("MOTCUA01", "test-secret", "https://pay.invalid/pay", "https://pay.invalid/api")
)
FEES = [
    {"kind": "Lệ phí", "amount_vnd": 75000, "channel": "all"},
    {"kind": "Phí thẩm định", "amount_vnd": 25000, "channel": "all"},
]


@dataclass
class World:
    citizen: Actor
    clerk: Actor
    officer: Actor
    leader: Actor
    other_clerk: Actor
    supervisor: Actor
    agency_id: int
    other_agency_id: int
    version: ProcedureVersion
    owner: Any


def world(db: Session, *, at_submission: bool = False) -> World:
    agency, other = f.agency(db), f.agency(db, name="UBND xã Khác")
    version = f.procedure(
        db,
        agency,
        online_level="toan_trinh",
        payment="at_submission" if at_submission else None,
        fees=FEES,
        components=[{"name": "Tờ khai", "requirement": "optional"}],
    )
    owner = f.user(db)
    made = World(
        owner.actor(),
        f.user(db, Role.RECEPTION, agency).actor(),
        f.user(db, Role.OFFICER, agency).actor(),
        f.user(db, Role.LEADER, agency).actor(),
        f.user(db, Role.RECEPTION, other).actor(),
        f.user(db, Role.SUPERVISOR, None).actor(),
        agency.id,
        other.id,
        version,
        owner,
    )
    db.flush()
    return made


def received(db: Session, w: World) -> Dossier:
    """A dossier filed online and accepted by the desk."""
    version = w.version
    dossier = f.draft(db, w.owner, version)
    submit_dossier(db, w.citizen, dossier)
    accept_dossier(db, w.clerk, dossier)
    return dossier


def start(db: Session, w: World, dossier: Dossier) -> Started:
    return start_online_payment(
        db,
        w.citizen,
        dossier,
        GATEWAY,
        return_url="https://motcua.invalid/return",
        client_ip="127.0.0.1",
    )


def success_ipn(
    db: Session, txn_ref: str, vnp_amount: str, transaction_no: str, **extra: str
) -> str:
    """The gateway's signed "paid" IPN, handled; returns the merchant's RspCode."""
    params = {
        "vnp_TmnCode": "MOTCUA01",
        "vnp_TxnRef": txn_ref,
        "vnp_Amount": vnp_amount,
        "vnp_ResponseCode": "00",
        "vnp_TransactionStatus": "00",
        "vnp_TransactionNo": transaction_no,
        **extra,
    }
    params["vnp_SecureHash"] = sign("test-secret", params)
    return handle_ipn(db, GATEWAY, params, "127.0.0.1")["RspCode"]


def pay_online(db: Session, w: World, dossier: Dossier) -> Payment:
    """Through the real protocol: a pending payment and the gateway's signed IPN."""
    payment = start(db, w, dossier).payment
    assert (
        success_ipn(
            db,
            payment.txn_ref,
            str(payment.amount_vnd * 100),
            "14000001",
            vnp_BankCode="NCB",
            vnp_OrderInfo="Thanh toan",
        )
        == "00"
    )
    return payment


# --- asking for payment ----------------------------------------------------------------------


def test_asking_for_payment_is_national_status_6(session: Session) -> None:
    w = world(session)
    dossier = received(session, w)
    request_payment(session, w.officer, dossier)
    assert dossier.status == Status.AWAITING_PAYMENT
    assert dossier.national_status == NationalStatus.PAYMENT == 6
    assert session.scalar(
        select(Event.payload).where(
            Event.dossier_id == dossier.id, Event.kind == Kind.PAYMENT_REQUESTED
        )
    ) == {"amount_vnd": 100000, "clock": "paused"}  # the clock waits for the applicant
    assert dossier.paused_at is not None


def test_only_the_agency_asks_for_payment(session: Session) -> None:
    w = world(session)
    dossier = received(session, w)
    for outsider in (w.other_clerk, w.citizen):
        with pytest.raises((Forbidden, NotFound)):
            request_payment(session, outsider, dossier)
    assert dossier.status == Status.RECEIVED


def test_nothing_to_ask_when_every_fee_is_exempt(session: Session) -> None:
    w = world(session)
    dossier = received(session, w)
    for line in amount_due(session, dossier).lines:
        exempt_fee(session, w.officer, dossier, line.fee_id, "Hộ nghèo (Quyết định 123)")
    with pytest.raises(InvalidInput) as error:
        request_payment(session, w.officer, dossier)
    assert error.value.code == "nothing_due"


# --- exemptions ------------------------------------------------------------------------------


def test_an_officer_exempts_a_fee_with_a_reason_and_the_amount_due_drops(session: Session) -> None:
    w = world(session)
    dossier = received(session, w)
    assert amount_due(session, dossier).total_vnd == 100000
    fee = next(line for line in amount_due(session, dossier).lines if line.amount_vnd == 25000)
    with pytest.raises(InvalidInput) as error:
        exempt_fee(session, w.officer, dossier, fee.fee_id, "   ")
    assert error.value.code == "reason_required"
    assert amount_due(session, dossier).total_vnd == 100000
    exemption = exempt_fee(session, w.officer, dossier, fee.fee_id, " Người có công ")
    assert (exemption.reason, exemption.by_user_id) == ("Người có công", w.officer.user_id)
    due = amount_due(session, dossier)
    assert due.total_vnd == 75000
    assert [line.exempt_reason for line in due.lines if line.fee_id == fee.fee_id] == [
        "Người có công"
    ]
    # Once per line: exempting again changes nothing.
    assert exempt_fee(session, w.officer, dossier, fee.fee_id, "khác").id == exemption.id
    assert amount_due(session, dossier).total_vnd == 75000
    # Asking for payment now asks for the reduced amount; the desk takes that amount.
    request_payment(session, w.officer, dossier)
    payment = record_desk_payment(session, w.clerk, dossier, Method.CASH, "BL-EX-1")
    assert payment.amount_vnd == 75000


def test_exemptions_need_staff_of_the_agency_and_a_fee_of_the_procedure(session: Session) -> None:
    w = world(session)
    dossier = received(session, w)
    fee_id = amount_due(session, dossier).lines[0].fee_id
    with pytest.raises(NotFound):
        exempt_fee(session, w.citizen, dossier, fee_id, "tự miễn")
    with pytest.raises((Forbidden, NotFound)):
        exempt_fee(session, w.other_clerk, dossier, fee_id, "khác cơ quan")
    with pytest.raises(NotFound):
        exempt_fee(session, w.officer, dossier, 10_000_000, "không có khoản này")
    assert amount_due(session, dossier).total_vnd == 100000


# --- at the desk -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", [Method.CASH, Method.CARD])
def test_the_desk_takes_cash_or_card_with_a_receipt_number(
    session: Session, store: FileStore, method: Method
) -> None:
    w = world(session)
    dossier = received(session, w)
    request_payment(session, w.officer, dossier)
    for blank in ("", "   "):
        with pytest.raises(InvalidInput) as error:
            record_desk_payment(session, w.clerk, dossier, method, blank)
        assert error.value.code == "receipt_required"
    assert dossier.status == Status.AWAITING_PAYMENT
    payment = record_desk_payment(session, w.clerk, dossier, method, " 0001234 ")
    assert (payment.state, payment.method, payment.receipt_number, payment.amount_vnd) == (
        PaymentState.PAID,
        method,
        "0001234",
        100000,
    )
    assert dossier.status == Status.IN_PROGRESS  # moved on from awaiting payment
    assert dossier.national_status == NationalStatus.IN_PROGRESS
    # Exactly one receipt, however often its job runs.
    assert (
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.job == "payments.receipt")
        )
        == 1
    )
    first = issue_receipt(session, store, "https://motcua.invalid", payment.id)
    again = issue_receipt(session, store, "https://motcua.invalid", payment.id)
    assert first is not None
    assert again is not None
    assert first.id == again.id
    assert first.filename == "bien-lai-0001234.pdf"
    assert store.read(first.sha256).startswith(b"%PDF-")
    assert receipt_count(session, dossier.id) == 1
    # Paid once: a second payment, at the desk or online, is refused.
    with pytest.raises(Conflict) as error:
        record_desk_payment(session, w.clerk, dossier, Method.CASH, "0001235")
    assert error.value.code == "already_paid"


def test_desk_receipt_numbers_are_unique_and_only_the_desk_takes_money(session: Session) -> None:
    w = world(session)
    first, second = received(session, w), received(session, w)
    for dossier in (first, second):
        request_payment(session, w.officer, dossier)
    with pytest.raises(Forbidden):
        record_desk_payment(session, w.officer, first, Method.CASH, "A-1")  # not the desk
    with pytest.raises(Forbidden):
        record_desk_payment(session, w.other_clerk, first, Method.CASH, "A-1")
    with pytest.raises(InvalidInput):
        record_desk_payment(session, w.clerk, first, Method.ONLINE, "A-1")
    record_desk_payment(session, w.clerk, first, Method.CASH, "A-1")
    with pytest.raises(Conflict) as error:
        record_desk_payment(session, w.clerk, second, Method.CARD, "A-1")
    assert error.value.code == "duplicate_receipt"
    assert second.status == Status.AWAITING_PAYMENT


# --- refunds ---------------------------------------------------------------------------------


def test_a_refused_dossier_paid_online_is_refunded_with_reason_and_reference(
    session: Session,
) -> None:
    w = world(session, at_submission=True)
    version = w.version
    dossier = f.draft(session, w.owner, version)
    payment = pay_online(session, w, dossier)
    assert (payment.state, dossier.status) == (PaymentState.PAID, Status.SUBMITTED)
    with pytest.raises(InvalidInput) as error:  # the dossier is still open
        record_refund(session, w.clerk, payment.id, "Từ chối", "UNC-1")
    assert error.value.code == "not_refundable"
    refuse_dossier(session, w.clerk, dossier, "Không thuộc thẩm quyền")
    for reason, reference in (("", "UNC-1"), ("Từ chối tiếp nhận", " "), (" ", "")):
        with pytest.raises(InvalidInput) as error:
            record_refund(session, w.clerk, payment.id, reason, reference)
        assert error.value.code == "reason_required"
    assert payment.state == PaymentState.PAID
    with pytest.raises((Forbidden, NotFound)):
        record_refund(session, w.other_clerk, payment.id, "Từ chối", "UNC-1")
    with pytest.raises((Forbidden, NotFound)):
        record_refund(session, w.citizen, payment.id, "Từ chối", "UNC-1")
    refund = record_refund(
        session, w.clerk, payment.id, "Hồ sơ bị từ chối tiếp nhận", "UNC-2026-0042"
    )
    assert payment.state == PaymentState.REFUNDED
    assert (refund.amount_vnd, refund.reason, refund.reference) == (
        100000,
        "Hồ sơ bị từ chối tiếp nhận",
        "UNC-2026-0042",
    )
    note = session.scalars(
        select(Event).where(Event.dossier_id == dossier.id).order_by(Event.seq.desc())
    ).first()
    assert note is not None
    assert note.kind == Kind.NOTE_ADDED
    assert "UNC-2026-0042" in (note.reason or "")
    with pytest.raises(Conflict) as error:
        record_refund(session, w.clerk, payment.id, "lần hai", "UNC-3")
    assert error.value.code == "already_refunded"
    assert session.scalar(select(func.count()).select_from(Refund)) == 1


@pytest.mark.parametrize("end", ["stopped", "withdrawn"])
def test_stopped_and_withdrawn_dossiers_are_refundable(session: Session, end: str) -> None:
    w = world(session)
    dossier = received(session, w)
    request_payment(session, w.officer, dossier)
    payment = record_desk_payment(session, w.clerk, dossier, Method.CASH, f"R-{end}")
    assert dossier.status == Status.IN_PROGRESS
    with pytest.raises(InvalidInput):
        record_refund(session, w.clerk, payment.id, "Đang xử lý", "X")
    if end == "stopped":
        stop(session, w.leader, dossier, "Người nộp không đủ điều kiện")
    else:
        withdraw_dossier(session, w.clerk, dossier, "Công dân xin rút")
    record_refund(session, w.clerk, payment.id, "Dừng xử lý", "UNC-9")
    assert payment.state == PaymentState.REFUNDED


def test_only_a_paid_payment_is_refunded(session: Session) -> None:
    w = world(session, at_submission=True)
    version = w.version
    dossier = f.draft(session, w.owner, version)
    pending = start(session, w, dossier).payment
    with pytest.raises(InvalidInput):
        record_refund(session, w.clerk, pending.id, "Không", "X")
    assert pending.state == PaymentState.PENDING
    with pytest.raises(NotFound):
        record_refund(session, w.clerk, 10_000_000, "Không", "X")


# --- finance ---------------------------------------------------------------------------------


def test_finance_per_agency_and_day_and_its_xlsx(session: Session) -> None:
    w = world(session)
    today = today_in_vietnam()
    yesterday_noon = (utcnow().astimezone(VN_TZ) - timedelta(days=1)).replace(hour=12)
    # Yesterday: a cash payment. Today: a card payment refunded after the dossier was stopped,
    # an online payment still pending, and one the gateway disagrees about.
    first = received(session, w)
    request_payment(session, w.officer, first)
    record_desk_payment(session, w.clerk, first, Method.CASH, "F-1", now=yesterday_noon)
    second = received(session, w)
    request_payment(session, w.officer, second)
    refunded = record_desk_payment(session, w.clerk, second, Method.CARD, "F-2")
    stop(session, w.leader, second, "Dừng")
    record_refund(session, w.clerk, refunded.id, "Dừng xử lý", "UNC-7")
    third = received(session, w)
    request_payment(session, w.officer, third)
    with sandbox_gateway() as gateway:
        # Paid at the gateway, whose IPN never arrives: the daily reconciliation finds it.
        started = start_online_payment(
            session,
            w.citizen,
            third,
            gateway,
            return_url="https://motcua.invalid/return",
            client_ip="127.0.0.1",
        )
        pay_without_ipn(started.url)
        assert [d.txn_ref for d in daily_report(session, gateway, today).differences] == [
            started.payment.txn_ref
        ]

    rows = summary(session, w.supervisor, today - timedelta(days=1), today)
    mine = [r for r in rows if r.agency_id == w.agency_id]
    assert [
        (
            r.day,
            r.collected_vnd,
            r.collected_count,
            r.pending_vnd,
            r.pending_count,
            r.refunded_vnd,
            r.refunded_count,
            r.differences,
        )
        for r in mine
    ] == [
        (today - timedelta(days=1), 100000, 1, 0, 0, 0, 0, 0),
        (today, 100000, 1, 100000, 1, 100000, 1, 1),
    ]
    # The agency's own staff see it; another agency's clerk does not; a citizen may not look.
    assert [r.day for r in summary(session, w.clerk, today - timedelta(days=1), today)] == [
        today - timedelta(days=1),
        today,
    ]
    assert summary(session, w.other_clerk, today - timedelta(days=1), today) == []
    with pytest.raises(Forbidden):
        summary(session, w.citizen, today, today)
    with pytest.raises(InvalidInput):
        summary(session, w.supervisor, today, today - timedelta(days=1))

    book = load_workbook(io.BytesIO(export_xlsx(mine)))
    sheet = book.active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert tuple(values[0]) == HEADERS
    assert values[1][0].date() == today - timedelta(days=1)
    assert values[1][1:] == [mine[0].agency, 100000, 1, 0, 0, 0, 0, 0, 0, 0]
    assert values[2][0].date() == today
    assert values[2][2:] == [100000, 1, 100000, 1, 100000, 1, 1, 0, 0]
    assert values[3] == ["Tổng cộng", None, 200000, 2, 100000, 1, 100000, 1, 1, 0, 0]
    assert sheet["A2"].number_format == "dd/mm/yyyy"
    assert sheet["C1"].font.bold
