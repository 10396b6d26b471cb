"""The payment outbox jobs: reconciliation asks the gateway again later without failing, and
a paid draft that could not be submitted gets its receipt when it is submitted."""

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dossiers.agencies import Agency
from dossiers.db import utcnow
from dossiers.files import FileStore
from dossiers.intake import attach_file, remove_file, submit_dossier
from dossiers.lifecycle import Status
from dossiers.outbox import JobContext, OutboxMessage, run_message
from payments.models import Payment, PaymentState
from payments.receipts import receipt_job
from payments.reconcile import RECHECK_AFTER, ask_again
from tests import factories as f
from tests import samples
from tests.payments.conftest import Live, build_world, receipt_count, start_payment
from tests.payments.test_staff import start, success_ipn, world


def _rows(factory: Any, payment_id: int) -> list[tuple[str | None, str, int, str | None]]:
    with factory() as db:
        return [
            (m.key, m.state, m.attempts, m.last_error)
            for m in db.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.job == "payments.reconcile",
                    OutboxMessage.key.like(f"%:{payment_id}%"),
                )
                .order_by(OutboxMessage.id)
            )
        ]


def test_reconciliation_asks_again_later_quietly_and_settles_once(
    live: Live, committing: Any, caplog: pytest.LogCaptureFixture
) -> None:
    payment_id, _, url = start_payment(live, committing, build_world(committing))
    with committing() as db:
        first = db.scalar(
            select(OutboxMessage.id).where(OutboxMessage.key == f"reconcile:payment:{payment_id}")
        )
    assert first is not None
    ctx = JobContext(settings=dict(live.app.config))

    # The gateway has no verdict yet: the job is done, the next round waits its turn.
    caplog.set_level(logging.INFO)
    before = utcnow()
    assert run_message(committing, first, ctx)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert _rows(committing, payment_id) == [
        (f"reconcile:payment:{payment_id}", "done", 1, None),
        (f"reconcile:payment:{payment_id}:1", "pending", 0, None),
    ]
    assert run_message(committing, first, ctx)  # the same round again adds nothing
    assert len(_rows(committing, payment_id)) == 2
    with committing() as db:
        second = db.scalar(
            select(OutboxMessage).where(OutboxMessage.key == f"reconcile:payment:{payment_id}:1")
        )
        assert second is not None
        assert second.run_after >= before + timedelta(seconds=RECHECK_AFTER[0])
        second_id = second.id

    # The payer pays, the IPN is lost; the next round settles it from the gateway's ledger.
    with live.ipn_mode("drop"):
        live.pay_at_gateway(url, "pay")
    assert run_message(committing, second_id, ctx)
    assert [row[:2] for row in _rows(committing, payment_id)] == [
        (f"reconcile:payment:{payment_id}", "done"),
        (f"reconcile:payment:{payment_id}:1", "done"),
    ]
    with committing() as db:
        payment = db.get(Payment, payment_id)
        assert payment is not None
        assert (payment.state, payment.settled_by) == (PaymentState.PAID, "reconcile")
        assert payment.dossier.status == Status.SUBMITTED
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_later_rounds_wait_longer_up_to_ten_minutes(session: Session) -> None:
    now = utcnow()
    waits = [(ask_again(session, 1, n, now).run_after - now).total_seconds() for n in range(1, 7)]
    assert waits == [60, 120, 300, 600, 600, 600]
    assert ask_again(session, 1, 3, now).id == ask_again(session, 1, 3, now).id


def test_a_paid_draft_submitted_later_gets_its_receipt_then(
    committing: sessionmaker[Session], store: FileStore
) -> None:
    """The receipt jobs run as a worker runs them (run_message), on committed rows."""
    session = committing()
    w = world(session)
    agency = session.get(Agency, w.agency_id)
    assert agency is not None
    version = f.procedure(
        session,
        agency,
        online_level="toan_trinh",
        payment="at_submission",
        fees=[{"kind": "Lệ phí", "amount_vnd": 50000, "channel": "all"}],
        components=[{"name": "Tờ khai", "requirement": "required"}],
    )
    dossier = f.draft(session, w.owner, version)
    component = dossier.components[0]
    upload = attach_file(
        session,
        w.citizen,
        store,
        dossier,
        component.id,
        filename="a.pdf",
        content_type="application/pdf",
        data=samples.pdf(marker="a"),
    )
    payment = start(session, w, dossier).payment
    remove_file(session, w.citizen, dossier, upload.id)  # incomplete while paying
    assert success_ipn(session, payment.txn_ref, "5000000", "14000002") == "00"
    assert (payment.state, dossier.status, dossier.code) == (PaymentState.PAID, Status.DRAFT, None)
    first = session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.key == f"receipt:payment:{payment.id}")
    )
    assert first is not None
    session.commit()  # SQLite: a worker writes only when no transaction is open here

    # The receipt job finishes without a receipt and without failing: there is no code yet.
    ctx = JobContext(settings={"MOTCUA_BASE_URL": "https://motcua.invalid"}, store=store)
    assert run_message(committing, first, ctx)
    session.expire_all()  # read what the worker committed
    assert payment.receipt_file_id is None

    # Completed and submitted (the fee is paid, so it goes through): the receipt is queued.
    attach_file(
        session,
        w.citizen,
        store,
        dossier,
        component.id,
        filename="b.pdf",
        content_type="application/pdf",
        data=samples.pdf(marker="b"),
    )
    submit_dossier(session, w.citizen, dossier)
    assert dossier.status == Status.SUBMITTED
    queued = session.scalar(
        select(OutboxMessage).where(OutboxMessage.key == f"receipt:payment:{payment.id}:submitted")
    )
    assert queued is not None
    assert queued.payload == {"payment_id": payment.id}
    queued_id, payload = queued.id, dict(queued.payload)
    session.commit()
    assert run_message(committing, queued_id, ctx)
    # A worker that died before recording "done" runs the handler again: still one receipt.
    with committing() as again:
        receipt_job(again, payload, ctx)
        again.commit()
    session.expire_all()
    assert payment.receipt_file_id is not None
    assert receipt_count(session, dossier.id) == 1
    session.close()


def test_paying_a_complete_draft_queues_one_receipt(session: Session) -> None:
    w = world(session, at_submission=True)
    dossier = f.draft(session, w.owner, w.version)
    payment = start(session, w, dossier).payment
    assert success_ipn(session, payment.txn_ref, "10000000", "14000003") == "00"
    assert dossier.status == Status.SUBMITTED
    assert list(
        session.scalars(select(OutboxMessage.key).where(OutboxMessage.job == "payments.receipt"))
    ) == [f"receipt:payment:{payment.id}"]
