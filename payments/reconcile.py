"""Reconciliation with the gateway's ledger (querydr).

``reconcile_pending`` asks the gateway about every pending payment older than N minutes and
settles each once, through the same ``settle`` as the IPN and under the same row lock: an IPN
that was lost is recovered, and one that arrives afterwards is answered "already confirmed".
The gateway is asked before the lock is taken, so no lock is held across the network.
``daily_report`` compares one day's ledger with the gateway's and lists the differences.
Both are safe to run any number of times.

When the gateway gives no verdict (unreachable, an unsigned answer, an error code, or no record
of the order yet), the payment stays pending and the reason is reported, never raised. No
payment stays pending for good: once past its expiry plus ``GRACE`` and asked at least
``ASKS_BEFORE_EXPIRY`` times, it expires with the reason recorded, and the applicant can pay
again (a "paid" arriving after that is recorded as a refund due, ``callbacks``).
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dossiers.db import utcnow
from dossiers.outbox import JobContext, OutboxMessage, handler
from payments.callbacks import lock_payment_by_id, security_event, settle
from payments.finance import day_bounds
from payments.gateways import get_gateway
from payments.gateways.base import Callback, Gateway, QueryResult
from payments.models import Method, Payment, PaymentState

log = logging.getLogger(__name__)
GRACE = timedelta(minutes=5)  # VNPAY refuses to pay after vnp_ExpireDate; IPNs may lag
ASKS_BEFORE_EXPIRY = 3
NO_VERDICT = "no_verdict"


def _callback(result: QueryResult) -> Callback:
    return Callback(
        signed=True,
        signature_present=True,
        txn_ref=None,
        amount_vnd=result.amount_vnd,
        success=result.success,
        cancelled=result.response_code == "24" if not result.success else False,
        response_code=result.response_code,
        transaction_no=result.transaction_no,
        params={str(k)[:40]: str(v)[:255] for k, v in result.raw.items()},
    )


def _ask(gateway: Gateway, payment: Payment) -> QueryResult:
    return gateway.query(
        payment.txn_ref, payment.created_at, (payment.details or {}).get("client_ip") or "127.0.0.1"
    )


@dataclass(frozen=True)
class Outcome:
    """What reconciling one payment did: a state, ``no_verdict`` (with the reason), or
    ``pending`` (the gateway says the payer has not finished)."""

    payment_id: int
    txn_ref: str
    outcome: str
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _why_no_verdict(result: QueryResult) -> str:
    if not result.verdict:
        return result.reason or "no verdict"
    return f"gateway has no record of the order (code {result.response_code})"


def reconcile_payment(
    session: Session, gateway: Gateway, payment_id: int, now: datetime | None = None
) -> Outcome:
    """Ask the gateway about one payment and settle it."""
    when = now or utcnow()
    payment = session.get(Payment, payment_id)
    if payment is None or payment.state != PaymentState.PENDING:
        return Outcome(payment_id, payment.txn_ref if payment else "", "settled")
    result = _ask(gateway, payment)
    payment = lock_payment_by_id(session, payment_id)
    if payment is None or payment.state != PaymentState.PENDING:
        return Outcome(payment_id, payment.txn_ref if payment else "", "settled")
    ref = payment.txn_ref
    if result.verdict and result.found and not result.pending:
        if result.success and result.amount_vnd != payment.amount_vnd:
            security_event(
                session,
                payment.gateway,
                "amount_mismatch",
                ref,
                "reconcile",
                _callback(result).params,
            )
            return Outcome(payment_id, ref, "amount_mismatch")
        settle(session, payment, _callback(result), "reconcile", "reconcile", when)
        return Outcome(payment_id, ref, str(payment.state))
    pending_at_gateway = result.verdict and result.found
    reason = (
        "the payer has not finished at the gateway"
        if pending_at_gateway
        else _why_no_verdict(result)
    )
    asks = int((payment.details or {}).get("asks") or 0) + 1
    payment.details = {**(payment.details or {}), "asks": asks, "last_answer": reason}
    if (
        payment.expires_at is not None
        and when > payment.expires_at + GRACE
        and (pending_at_gateway or asks >= ASKS_BEFORE_EXPIRY)
    ):
        payment.state, payment.settled_by = PaymentState.EXPIRED, "reconcile"
        payment.state_reason = (
            f"Hết hạn mà cổng thanh toán chưa xác nhận sau {asks} lần "
            f"hỏi / expired unconfirmed after {asks} queries: {reason}"
        )
        session.flush()
        log.info("payment %s expired: %s", ref, reason)
        return Outcome(payment_id, ref, str(PaymentState.EXPIRED), reason)
    session.flush()
    return Outcome(payment_id, ref, "pending" if pending_at_gateway else NO_VERDICT, reason)


@dataclass
class Reconciled:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.outcomes:
            counts[item.outcome] = counts.get(item.outcome, 0) + 1
        return counts

    @property
    def no_verdict(self) -> list[Outcome]:
        return [item for item in self.outcomes if item.outcome == NO_VERDICT]


def reconcile_pending(
    factory: sessionmaker[Session],
    gateway: Gateway,
    *,
    older_than: timedelta = timedelta(minutes=20),
    now: datetime | None = None,
) -> Reconciled:
    """Settle every pending online payment older than ``older_than``, each in its own
    transaction; what happened to each."""
    when = now or utcnow()
    with factory() as session:
        ids = list(
            session.scalars(
                select(Payment.id)
                .where(
                    Payment.state == PaymentState.PENDING,
                    Payment.gateway == gateway.name,
                    Payment.created_at <= when - older_than,
                )
                .order_by(Payment.id)
            )
        )
    done = Reconciled()
    for payment_id in ids:
        with factory() as session:
            done.outcomes.append(reconcile_payment(session, gateway, payment_id, when))
            session.commit()
    return done


@dataclass(frozen=True)
class Difference:
    payment_id: int
    txn_ref: str
    ours: str
    theirs: str
    amount_vnd: int
    gateway_amount_vnd: int | None

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class Report:
    differences: list[Difference] = field(default_factory=list)
    no_verdict: list[Outcome] = field(default_factory=list)


def daily_report(
    session: Session, gateway: Gateway, day: date, now: datetime | None = None
) -> Report:
    """Compare the day's online payments (Vietnam's day) with the gateway's ledger; record
    the gateway's view on each row and return where the two disagree, and which payments the
    gateway gave no verdict on (their recorded view is left as it was)."""
    when = now or utcnow()
    start, end = day_bounds(day)
    rows = list(
        session.scalars(
            select(Payment)
            .where(
                Payment.gateway == gateway.name,
                Payment.method == Method.ONLINE,
                Payment.created_at >= start,
                Payment.created_at < end,
            )
            .order_by(Payment.id)
        )
    )
    report = Report()
    for payment in rows:
        result = _ask(gateway, payment)
        # "No such order" settles nothing about a payment still pending here; about a closed
        # one it agrees (no money), about a paid one it is a difference.
        if not result.verdict or (not result.found and payment.state == PaymentState.PENDING):
            report.no_verdict.append(
                Outcome(payment.id, payment.txn_ref, NO_VERDICT, _why_no_verdict(result))
            )
            continue
        payment.checked_at = when
        payment.gateway_state = (
            PaymentState.PAID
            if result.success
            else PaymentState.PENDING
            if result.pending
            else "not_found"
            if not result.found
            else PaymentState.FAILED
        )
        payment.gateway_amount_vnd = result.amount_vnd
        if payment.differs:
            report.differences.append(
                Difference(
                    payment.id,
                    payment.txn_ref,
                    payment.state,
                    payment.gateway_state,
                    payment.amount_vnd,
                    result.amount_vnd,
                )
            )
    session.flush()
    return report


# How long each next question to the gateway waits (seconds): a pending payment is asked
# about again until it settles or expires (``reconcile_payment`` expires it ``GRACE`` after its
# own expiry once asked ``ASKS_BEFORE_EXPIRY`` times), so the chain of checks always ends.
RECHECK_AFTER = (60, 120, 300, 600)


@handler("payments.reconcile")
def reconcile_job(session: Session, payload: dict[str, Any], ctx: JobContext) -> None:
    """Queued with every online payment: settles it from the gateway's ledger. While the
    gateway has no verdict, the job finishes and queues its next round for later."""
    gateway = get_gateway(ctx.settings.get("PAYMENT_GATEWAY") or "vnpay", ctx.settings)
    payment_id = int(payload["payment_id"])
    if reconcile_payment(session, gateway, payment_id).outcome in ("pending", NO_VERDICT):
        ask_again(session, payment_id, int(payload.get("round") or 0) + 1)


def ask_again(
    session: Session, payment_id: int, round_: int, now: datetime | None = None
) -> OutboxMessage:
    """The next round, as its own outbox row committed with this round's "done": it waits
    for its time and the sweeper (``motcua worker``), not for an error and a backoff.

    Written directly rather than through ``enqueue``, which dispatches at commit: the round
    must not run at once. Its key makes a round queued twice (a job run twice) one row.
    """
    key = f"reconcile:payment:{payment_id}:{round_}"
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
    if existing is not None:
        return existing
    delay = RECHECK_AFTER[min(round_, len(RECHECK_AFTER)) - 1]
    message = OutboxMessage(
        job="payments.reconcile",
        payload={"payment_id": payment_id, "round": round_},
        key=key,
        run_after=(now or utcnow()) + timedelta(seconds=delay),
    )
    session.add(message)
    session.flush()
    log.info("payment %s still pending at the gateway; asking again in %s s", payment_id, delay)
    return message
