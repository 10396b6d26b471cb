"""Use cases that create payments: online checkout, payment at the desk, asking for payment.

Each only flushes; the caller commits. Once a payment is paid, ``on_paid`` moves the dossier
on (status 6 → in progress, or a paid toàn trình draft is submitted) and queues its receipt.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers import intake
from dossiers.accounts import User
from dossiers.actors import Actor
from dossiers.db import utcnow
from dossiers.errors import Conflict, Forbidden, InvalidInput, NotFound
from dossiers.events import apply, authorize
from dossiers.lifecycle import Kind, Role, Status
from dossiers.outbox import enqueue
from dossiers.records import Dossier
from payments.fees import Due, amount_due, vnd
from payments.gateways.base import Checkout, Gateway
from payments.models import Method, Payment, PaymentState, Purpose

log = logging.getLogger(__name__)
SYSTEM = Actor.system("payments")
DEFAULT_EXPIRY = timedelta(minutes=15)


def paid_payments(session: Session, dossier: Dossier) -> list[Payment]:
    return list(
        session.scalars(
            select(Payment)
            .where(Payment.dossier_id == dossier.id, Payment.state == PaymentState.PAID)
            .order_by(Payment.id)
        )
    )


def payments_of(session: Session, dossier: Dossier) -> list[Payment]:
    return list(
        session.scalars(
            select(Payment).where(Payment.dossier_id == dossier.id).order_by(Payment.id)
        )
    )


def _purpose(dossier: Dossier) -> Purpose:
    return Purpose.SUBMISSION if dossier.status == Status.DRAFT else Purpose.REQUESTED


def _paid_for(session: Session, dossier: Dossier, purpose: Purpose) -> Payment | None:
    for payment in paid_payments(session, dossier):
        if payment.purpose == purpose or (
            purpose == Purpose.REQUESTED and payment.purpose == Purpose.DESK
        ):
            return payment
    return None


def payable(session: Session, dossier: Dossier, due: Due | None = None) -> Due | None:
    """The amount the applicant can pay online now, or None when nothing is to be paid.
    ``due`` spares a second ``amount_due`` to a caller that already has it."""
    due = amount_due(session, dossier) if due is None else due
    asked = dossier.status == Status.AWAITING_PAYMENT or (
        dossier.status == Status.DRAFT and due.at_submission
    )
    if due.total_vnd <= 0 or not asked:
        return None
    return due if _paid_for(session, dossier, _purpose(dossier)) is None else None


def require_paid_at_submission(session: Session, dossier: Dossier) -> None:
    """The SUBMIT_CHECKS hook: a toàn trình draft whose fee is paid at submission waits."""
    due = amount_due(session, dossier)
    if (
        due.at_submission
        and due.total_vnd > 0
        and _paid_for(session, dossier, Purpose.SUBMISSION) is None
    ):
        raise InvalidInput(
            f"Cần nộp phí, lệ phí {vnd(due.total_vnd)} đồng trước khi nộp hồ sơ",
            f"Pay the fee of {due.total_vnd:,} VND before submitting",
            code="payment_required",
        )


if require_paid_at_submission not in intake.SUBMIT_CHECKS:
    intake.SUBMIT_CHECKS.append(require_paid_at_submission)


@dataclass(frozen=True)
class Started:
    payment: Payment
    url: str


def new_txn_ref(now: datetime) -> str:
    """Unique per day and overall (VNPAY requires vnp_TxnRef unique per day)."""
    return f"MC{now:%y%m%d}{secrets.token_hex(5).upper()}"


def start_online_payment(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    gateway: Gateway,
    *,
    return_url: str,
    client_ip: str,
    now: datetime | None = None,
    expiry: timedelta = DEFAULT_EXPIRY,
) -> Started:
    """The applicant starts paying what is due: a pending payment and the gateway's URL.

    A still-valid pending payment of the same amount is reused, so pressing "pay" twice does
    not open two orders the payer could both complete.
    """
    if actor.user_id is None or actor.user_id != dossier.applicant_user_id:
        raise NotFound("Không tìm thấy hồ sơ", "Dossier not found")
    when = now or utcnow()
    due = payable(session, dossier)
    if due is None:
        raise InvalidInput(
            "Hồ sơ không có khoản nào cần thanh toán lúc này",
            "Nothing is due on this dossier now",
            code="nothing_due",
        )
    if dossier.status == Status.DRAFT:
        missing = intake.missing_components(dossier)
        if missing:
            raise InvalidInput(
                "Hãy hoàn thành các thành phần bắt buộc trước khi thanh toán",
                "Complete the required components before paying",
                code="incomplete",
            )
    purpose = _purpose(dossier)
    for open_ in session.scalars(
        select(Payment).where(
            Payment.dossier_id == dossier.id,
            Payment.state == PaymentState.PENDING,
            Payment.gateway == gateway.name,
            Payment.purpose == purpose,
        )
    ):
        if (
            open_.amount_vnd == due.total_vnd
            and open_.expires_at is not None
            and open_.expires_at > when + timedelta(minutes=2)
        ):
            return Started(
                open_, gateway.payment_url(_checkout(open_, dossier, return_url, client_ip))
            )
    payment = Payment(
        gateway=gateway.name,
        txn_ref=new_txn_ref(when),
        dossier_id=dossier.id,
        agency_id=dossier.receiving_agency_id,
        amount_vnd=due.total_vnd,
        method=Method.ONLINE,
        purpose=purpose,
        state=PaymentState.PENDING,
        created_at=when,
        expires_at=when + expiry,
        created_by_id=actor.user_id,
        lines=[line.as_dict() for line in due.lines],
        details={"client_ip": client_ip},
    )
    session.add(payment)
    session.flush()
    # Reconciliation asks the gateway about this order until it settles (IPN lost or late).
    enqueue(
        session,
        "payments.reconcile",
        {"payment_id": payment.id},
        key=f"reconcile:payment:{payment.id}",
    )
    return Started(payment, gateway.payment_url(_checkout(payment, dossier, return_url, client_ip)))


def _checkout(payment: Payment, dossier: Dossier, return_url: str, client_ip: str) -> Checkout:
    assert payment.expires_at is not None
    label = dossier.code or f"nhap {dossier.id}"
    return Checkout(
        txn_ref=payment.txn_ref,
        amount_vnd=payment.amount_vnd,
        order_info=f"Thanh toan phi le phi ho so {label}",
        return_url=return_url,
        client_ip=client_ip,
        created_at=payment.created_at,
        expires_at=payment.expires_at,
    )


def request_payment(
    session: Session, actor: Actor, dossier: Dossier, at: datetime | None = None
) -> Dossier:
    """The agency asks the applicant to pay (national status 6, NĐ 45 Art. 13)."""
    due = amount_due(session, dossier)
    if due.total_vnd <= 0:
        raise InvalidInput(
            "Thủ tục không có khoản phí, lệ phí phải nộp",
            "The procedure has no fee to pay",
            code="nothing_due",
        )
    if _paid_for(session, dossier, Purpose.REQUESTED) is not None:
        raise Conflict(
            "Hồ sơ đã được thanh toán", "The dossier is already paid", code="already_paid"
        )
    apply(
        session,
        dossier,
        Kind.PAYMENT_REQUESTED,
        actor,
        at=at,
        payload={"amount_vnd": due.total_vnd},
    )
    return dossier


def record_desk_payment(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    method: Method,
    receipt_number: str,
    now: datetime | None = None,
) -> Payment:
    """The clerk takes cash or a card at the counter and enters the receipt number."""
    if method not in (Method.CASH, Method.CARD):
        raise InvalidInput("Hình thức thu tại quầy: tiền mặt hoặc thẻ", "Cash or card only")
    if not actor.has(Role.RECEPTION, dossier.receiving_agency_id):
        raise Forbidden(
            "Chỉ bộ phận tiếp nhận của cơ quan tiếp nhận được thu phí",
            "Only the receiving desk takes payments",
        )
    number = receipt_number.strip()
    if not number:
        raise InvalidInput(
            "Cần nhập số biên lai", "The receipt number is required", code="receipt_required"
        )
    due = amount_due(session, dossier)
    if due.total_vnd <= 0:
        raise InvalidInput("Không có khoản nào cần thu", "Nothing is due", code="nothing_due")
    if _paid_for(session, dossier, Purpose.REQUESTED) is not None or (
        dossier.status == Status.DRAFT and _paid_for(session, dossier, Purpose.SUBMISSION)
    ):
        raise Conflict(
            "Hồ sơ đã được thanh toán", "The dossier is already paid", code="already_paid"
        )
    if session.scalar(
        select(Payment.id).where(Payment.gateway == "desk", Payment.txn_ref == number)
    ):
        raise Conflict(
            f"Số biên lai {number} đã được dùng",
            f"Receipt {number} is used",
            code="duplicate_receipt",
        )
    when = now or utcnow()
    payment = Payment(
        gateway="desk",
        txn_ref=number,
        dossier_id=dossier.id,
        agency_id=dossier.receiving_agency_id,
        amount_vnd=due.total_vnd,
        method=method,
        purpose=Purpose.DESK,
        state=PaymentState.PAID,
        created_at=when,
        paid_at=when,
        settled_by="desk",
        created_by_id=actor.user_id,
        receipt_number=number,
        lines=[line.as_dict() for line in due.lines],
    )
    session.add(payment)
    session.flush()
    on_paid(
        session, payment, actor if dossier.status == Status.AWAITING_PAYMENT else SYSTEM, at=when
    )
    return payment


def on_paid(
    session: Session, payment: Payment, actor: Actor = SYSTEM, at: datetime | None = None
) -> None:
    """Move the dossier on and queue the receipt. Called once, under the payment's lock."""
    dossier = payment.dossier
    # Queued first, so submitting below (receipts.queue_on_submission) finds it waiting.
    enqueue(
        session, "payments.receipt", {"payment_id": payment.id}, key=f"receipt:payment:{payment.id}"
    )
    if dossier.status == Status.AWAITING_PAYMENT:
        apply(
            session,
            dossier,
            Kind.PAID,
            actor,
            at=at,
            payload={"payment_id": payment.id, "amount_vnd": payment.amount_vnd},
        )
    elif dossier.status == Status.DRAFT and payment.purpose == Purpose.SUBMISSION:
        # The applicant filed by paying: submit in their name. Should the draft no longer be
        # complete, the money stays recorded and the applicant's next "submit" goes through.
        # (Checked first rather than tried in a savepoint: the outbox dispatches on commit.)
        owner = session.get(User, dossier.applicant_user_id) if dossier.applicant_user_id else None
        ready = not intake.missing_components(dossier) and (
            owner is None or owner.kind == "staff" or owner.confirmed_at is not None
        )
        if ready:
            intake.submit_dossier(session, owner.actor() if owner else SYSTEM, dossier)
        else:
            log.warning("paid draft %s not submitted: incomplete or unconfirmed", dossier.id)


def check_staff(session: Session, actor: Actor, dossier: Dossier) -> None:
    """Staff who may ask for payment on this dossier may also see and manage its payments."""
    authorize(session, actor, dossier, Kind.PAYMENT_REQUESTED)
