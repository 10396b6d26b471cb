"""Gateway callbacks (IPN), processed idempotently in one transaction under a row lock.

The IPN is the source of truth (FACTS §10). ``handle_ipn`` checks the size and the signature
before it reads anything, then that the callback names our merchant, then locks the payment
row (SELECT … FOR UPDATE on PostgreSQL; on SQLite the BEGIN IMMEDIATE every transaction starts
with already serialises writers), so two deliveries of the same IPN at once settle it once: the
second waits, then finds it paid and is answered "already confirmed". Forged, unsigned and
mismatched callbacks change nothing and are logged as security events, keeping only the fields
the protocol defines and at most a few per address and window, so forged requests cannot fill
the database. A "paid" for an order we had closed (cancelled, failed, expired) is money we hold:
it is recorded as due for a refund, never dropped. The caller commits whatever the answer (the
security log included).
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers import throttle
from dossiers.db import utcnow
from dossiers.outbox import enqueue
from payments.fees import vnd
from payments.gateways.base import Answer, Callback, Gateway
from payments.ledger import on_paid
from payments.models import STATE_LABELS, Payment, PaymentState, SecurityEvent

log = logging.getLogger(__name__)
# States a gateway's word can settle.
OPEN_STATES = (PaymentState.PENDING,)
# Closed without money by its callback or our clock: a later "paid" is money to give back.
CLOSED_UNPAID = (PaymentState.CANCELLED, PaymentState.FAILED, PaymentState.EXPIRED)
# A real IPN is about 1 KB in some 13 fields.
MAX_FIELDS = 40
MAX_BYTES = 8 * 1024
# Refused callbacks stored per address, and in all, per window; beyond that they are only logged.
SECURITY_WINDOW = timedelta(minutes=15)
SECURITY_EVENTS_PER_ADDRESS = 20
SECURITY_EVENTS_IN_ALL = 200


def oversized(params: dict[str, str]) -> bool:
    return len(params) > MAX_FIELDS or sum(len(k) + len(v) for k, v in params.items()) > MAX_BYTES


def security_event(
    session: Session,
    gateway: str,
    kind: str,
    txn_ref: str | None,
    remote_addr: str | None,
    params: dict[str, str],
) -> None:
    address = (remote_addr or "unknown")[:64]
    log.warning(
        "payment callback refused (%s) from %s for %s", kind, address, (txn_ref or "")[:100]
    )
    if (
        throttle.hit(session, f"payments:refused:{address}", SECURITY_WINDOW)
        > SECURITY_EVENTS_PER_ADDRESS
        or throttle.hit(session, "payments:refused:all", SECURITY_WINDOW) > SECURITY_EVENTS_IN_ALL
    ):
        return  # over the limit: logged above, not stored
    kept = {str(k)[:40]: str(v)[:255] for k, v in list(params.items())[:MAX_FIELDS]}
    session.add(
        SecurityEvent(
            gateway=gateway,
            kind=kind,
            txn_ref=(txn_ref or "")[:100] or None,
            remote_addr=address,
            params=kept,
        )
    )
    session.flush()


def refuse_oversized(
    session: Session, gateway: Gateway, remote_addr: str | None = None
) -> dict[str, str]:
    """A request too large to read: logged without its content, answered "other" (99)."""
    security_event(session, gateway.name, "oversized", None, remote_addr, {})
    return gateway.answer(Answer.OTHER)


def lock_payment(session: Session, gateway: str, txn_ref: str) -> Payment | None:
    return session.scalar(
        select(Payment)
        .where(Payment.gateway == gateway, Payment.txn_ref == txn_ref)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def lock_payment_by_id(session: Session, payment_id: int) -> Payment | None:
    """The row re-read under its lock (SELECT … FOR UPDATE), whatever the session held."""
    return session.get(Payment, payment_id, with_for_update=True, populate_existing=True)


def _match(session: Session, gateway: Gateway, callback: Callback) -> Payment | tuple[str, str]:
    """The locked payment a callback names, or why it is refused: (security event, answer).
    The signature is checked before anything is read."""
    if not callback.signature_present:
        return "missing_signature", Answer.BAD_SIGNATURE
    if not callback.signed:
        return "bad_signature", Answer.BAD_SIGNATURE
    if not callback.for_us:
        return "wrong_merchant", Answer.NOT_FOUND  # not an order of ours
    if not callback.txn_ref:
        return "no_reference", Answer.NOT_FOUND
    payment = lock_payment(session, gateway.name, callback.txn_ref)
    if payment is None:
        return "unknown_order", Answer.NOT_FOUND
    if callback.amount_vnd != payment.amount_vnd:
        return "amount_mismatch", Answer.BAD_AMOUNT
    return payment


def handle_ipn(
    session: Session,
    gateway: Gateway,
    params: dict[str, str],
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """Process one IPN; return the gateway's answer body."""
    if oversized(params):
        return refuse_oversized(session, gateway, remote_addr)
    callback = gateway.parse_callback(params)
    if not callback.params:  # nothing of the protocol: a probe, not a notification
        log.warning("empty payment callback from %s", remote_addr)
        return gateway.answer(Answer.OTHER)
    payment = _match(session, gateway, callback)
    if not isinstance(payment, Payment):
        kind, answer = payment
        security_event(session, gateway.name, kind, callback.txn_ref, remote_addr, callback.params)
        return gateway.answer(answer)
    if payment.state in OPEN_STATES or (callback.success and payment.state in CLOSED_UNPAID):
        settle(session, payment, callback, "ipn", remote_addr, now)
        return gateway.answer(Answer.CONFIRMED)
    return gateway.answer(Answer.ALREADY)  # a replay, or a failure after the fact


def settle(
    session: Session,
    payment: Payment,
    callback: Callback,
    source: str,
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> None:
    """Record the gateway's verdict on a locked payment. Never downgrades ``paid``; money for
    an order already closed is recorded as due for a refund."""
    if payment.state in CLOSED_UNPAID and callback.success:
        _refund_due(session, payment, callback, source, now)
        return
    if payment.state not in OPEN_STATES:
        return
    payment.response_code = callback.response_code
    payment.gateway_txn_no = callback.transaction_no or payment.gateway_txn_no
    payment.bank_code = callback.bank_code or payment.bank_code
    if callback.success:
        payment.state, payment.paid_at = PaymentState.PAID, now or utcnow()
        payment.settled_by = source
        session.flush()
        on_paid(session, payment)
        return
    payment.state = PaymentState.CANCELLED if callback.cancelled else PaymentState.FAILED
    payment.settled_by = source
    session.flush()


def _refund_due(
    session: Session, payment: Payment, callback: Callback, source: str, now: datetime | None
) -> None:
    """The gateway took money for an order we had closed. The dossier does not move on (the
    applicant was told the payment did not go through, and may have paid again): the money is
    recorded, shown to finance staff as to be refunded, and the applicant is told."""
    was_vi, was_en = STATE_LABELS[payment.state]
    log.warning(
        "payment %s paid at the gateway after it was %s: refund due", payment.txn_ref, payment.state
    )
    payment.state_reason = (
        f"Cổng thanh toán báo đã trừ tiền sau khi giao dịch ở trạng thái "
        f"«{was_vi}»: cần hoàn trả / paid at the gateway after the payment "
        f"was {was_en.lower()}: to be refunded"
    )
    payment.state, payment.paid_at = PaymentState.REFUND_DUE, now or utcnow()
    payment.settled_by = source
    payment.response_code = callback.response_code
    payment.gateway_txn_no = callback.transaction_no or payment.gateway_txn_no
    payment.bank_code = callback.bank_code or payment.bank_code
    session.flush()
    dossier = payment.dossier
    if dossier.applicant_user_id is not None:
        enqueue(
            session,
            "notify",
            {
                "user_id": dossier.applicant_user_id,
                "dossier_id": dossier.id,
                "subject": f"Khoản thanh toán {payment.txn_ref} sẽ được hoàn trả",
                "body": f"Cổng thanh toán đã trừ {vnd(payment.amount_vnd)} đồng cho giao dịch "
                f"{payment.txn_ref} sau khi giao dịch này đã kết thúc. Cơ quan sẽ hoàn "
                f"trả khoản này; hồ sơ vẫn cần được thanh toán nếu chưa thanh toán.",
            },
            key=f"notify:refund-due:{payment.id}",
        )
