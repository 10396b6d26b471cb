"""Refunds: recorded with a reason and a reference when a dossier is refused after payment, or
when the gateway took money for an order already closed (refund due, whatever the dossier)."""

from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.errors import Conflict, InvalidInput, NotFound
from dossiers.events import apply
from dossiers.lifecycle import Kind, Status
from dossiers.outbox import enqueue
from payments.fees import vnd
from payments.ledger import check_staff
from payments.models import Payment, PaymentState, Refund

# A dossier that ended without the service being given: the fee goes back.
REFUNDABLE = (Status.REFUSED, Status.STOPPED, Status.WITHDRAWN)


def record_refund(
    session: Session, actor: Actor, payment_id: int, reason: str, reference: str
) -> Refund:
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise NotFound("Không tìm thấy khoản thanh toán", "Payment not found")
    dossier = payment.dossier
    check_staff(session, actor, dossier)
    if not reason.strip() or not reference.strip():
        raise InvalidInput(
            "Cần nêu lý do và số chứng từ hoàn trả",
            "A reason and a reference are required",
            code="reason_required",
        )
    if payment.state == PaymentState.REFUNDED:
        raise Conflict("Khoản này đã được hoàn trả", "Already refunded", code="already_refunded")
    if payment.state not in (PaymentState.PAID, PaymentState.REFUND_DUE):
        raise InvalidInput("Chỉ hoàn trả khoản đã thanh toán", "Only a paid payment is refunded")
    if payment.state == PaymentState.PAID and dossier.status not in REFUNDABLE:
        raise InvalidInput(
            "Chỉ hoàn trả khi hồ sơ bị từ chối, dừng xử lý hoặc đã rút",
            "Refunds are for refused, stopped or withdrawn dossiers",
            code="not_refundable",
        )
    refund = Refund(
        payment_id=payment.id,
        amount_vnd=payment.amount_vnd,
        reason=reason.strip(),
        reference=reference.strip(),
        by_user_id=actor.user_id,
        by_name=actor.full_name or actor.login,
    )
    payment.state = PaymentState.REFUNDED
    session.add(refund)
    session.flush()
    apply(
        session,
        dossier,
        Kind.NOTE_ADDED,
        actor,
        reason=f"Hoàn trả {vnd(refund.amount_vnd)} đồng (chứng từ {refund.reference}): "
        f"{refund.reason}",
        payload={"refund_id": refund.id, "payment_id": payment.id},
    )
    if dossier.applicant_user_id is not None:
        enqueue(
            session,
            "notify",
            {
                "user_id": dossier.applicant_user_id,
                "dossier_id": dossier.id,
                "subject": f"Hoàn trả phí, lệ phí hồ sơ {dossier.code or dossier.id}",
                "body": f"Cơ quan đã hoàn trả {vnd(refund.amount_vnd)} đồng. Lý do: "
                f"{refund.reason}. Số chứng từ: {refund.reference}.",
            },
            key=f"notify:refund:{refund.id}",
        )
    return refund
