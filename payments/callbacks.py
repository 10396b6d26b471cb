"""Gateway callbacks (IPN), processed idempotently in one transaction under a row lock.

The IPN is the source of truth (FACTS §10). ``handle_ipn`` checks the signature before it
reads anything, then locks the payment row (SELECT … FOR UPDATE on PostgreSQL; on SQLite the
BEGIN IMMEDIATE every transaction starts with already serialises writers), so two deliveries of
the same IPN at once settle it once: the second waits, then finds it paid and is answered
"already confirmed". Forged, unsigned and mismatched callbacks change nothing and are logged
as security events. The caller commits whatever the answer (the security log included).
"""

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.db import utcnow
from payments.gateways.base import Answer, Callback, Gateway
from payments.ledger import on_paid
from payments.models import Payment, PaymentState, SecurityEvent

log = logging.getLogger(__name__)
# States a gateway's word can still change. ``expired`` is only our own clock: money the
# gateway took after it is real and is recorded (and logged).
OPEN_STATES = (PaymentState.PENDING, PaymentState.EXPIRED)


def security_event(session: Session, gateway: str, kind: str, txn_ref: str | None,
                   remote_addr: str | None, params: dict[str, str]) -> None:
    log.warning("payment callback refused (%s) from %s for %s", kind, remote_addr, txn_ref)
    session.add(SecurityEvent(gateway=gateway, kind=kind, txn_ref=(txn_ref or "")[:100] or None,
                              remote_addr=remote_addr, params=dict(params)))
    session.flush()


def lock_payment(session: Session, gateway: str, txn_ref: str) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.gateway == gateway,
                                                Payment.txn_ref == txn_ref)
                          .with_for_update().execution_options(populate_existing=True))


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
    if not callback.txn_ref:
        return "no_reference", Answer.NOT_FOUND
    payment = lock_payment(session, gateway.name, callback.txn_ref)
    if payment is None:
        return "unknown_order", Answer.NOT_FOUND
    if callback.amount_vnd != payment.amount_vnd:
        return "amount_mismatch", Answer.BAD_AMOUNT
    return payment


def handle_ipn(session: Session, gateway: Gateway, params: dict[str, str],
               remote_addr: str | None = None, now: datetime | None = None) -> dict[str, str]:
    """Process one IPN; return the gateway's answer body."""
    callback = gateway.parse_callback(params)
    payment = _match(session, gateway, callback)
    if not isinstance(payment, Payment):
        kind, answer = payment
        security_event(session, gateway.name, kind, callback.txn_ref, remote_addr, params)
        return gateway.answer(answer)
    if payment.state not in OPEN_STATES:
        return gateway.answer(Answer.ALREADY)  # a replay: nothing changes
    settle(session, payment, callback, "ipn", remote_addr, now)
    return gateway.answer(Answer.CONFIRMED)


def settle(session: Session, payment: Payment, callback: Callback, source: str,
           remote_addr: str | None = None, now: datetime | None = None) -> None:
    """Record the gateway's verdict on a locked, open payment. Never downgrades ``paid``."""
    if payment.state not in OPEN_STATES:
        return
    payment.response_code = callback.response_code
    payment.gateway_txn_no = callback.transaction_no or payment.gateway_txn_no
    payment.bank_code = callback.bank_code or payment.bank_code
    if callback.success:
        if payment.state == PaymentState.EXPIRED:
            security_event(session, payment.gateway, "paid_after_expiry", payment.txn_ref,
                           remote_addr, callback.params)
        payment.state, payment.paid_at = PaymentState.PAID, now or utcnow()
        payment.settled_by = source
        session.flush()
        on_paid(session, payment)
        return
    if payment.state == PaymentState.PENDING:
        payment.state = PaymentState.CANCELLED if callback.cancelled else PaymentState.FAILED
        payment.settled_by = source
    session.flush()
