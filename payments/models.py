"""The payment ledger: one row per payment attempt, refunds, exemptions, security events.

A payment is identified by (gateway, transaction reference), unique, so a gateway's callback
names exactly one row. States move forward only: ``paid`` is never downgraded by a later
failure, a replay or a forged callback (FACTS §10; NĐ 45/2020 Art. 13 on online payment).
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dossiers.db import Base, utcnow
from dossiers.records import Dossier


class PaymentState(StrEnum):
    PENDING = "pending"  # sent to the gateway, no answer yet
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"  # the payer cancelled at the gateway
    EXPIRED = "expired"  # past its expiry with no payment at the gateway (reason recorded)
    REFUND_DUE = "refund_due"  # money taken after the order was closed: to be given back
    REFUNDED = "refunded"


class Method(StrEnum):
    ONLINE = "online"  # through a gateway
    CASH = "cash"  # at the desk
    CARD = "card"  # card terminal at the desk


class Purpose(StrEnum):
    SUBMISSION = "submission"  # toàn trình: the draft is submitted once paid
    REQUESTED = "requested"  # the agency asked for payment (national status 6)
    DESK = "desk"  # paid at the counter


STATE_LABELS: dict[str, tuple[str, str]] = {
    PaymentState.PENDING: ("Đang chờ xác nhận", "Pending"),
    PaymentState.PAID: ("Đã thanh toán", "Paid"),
    PaymentState.FAILED: ("Thanh toán không thành công", "Failed"),
    PaymentState.CANCELLED: ("Đã hủy thanh toán", "Cancelled"),
    PaymentState.EXPIRED: ("Hết hạn thanh toán", "Expired"),
    PaymentState.REFUND_DUE: (
        "Đã nhận tiền sau khi giao dịch kết thúc, cần hoàn trả",
        "Paid after closing, to be refunded",
    ),
    PaymentState.REFUNDED: ("Đã hoàn trả", "Refunded"),
}


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("gateway", "txn_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gateway: Mapped[str] = mapped_column(String(30))  # vnpay | desk | momo | …
    txn_ref: Mapped[str] = mapped_column(String(100))  # vnp_TxnRef / receipt number at the desk
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    # The receiving agency at the time: the finance view counts per agency.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), index=True, default=PaymentState.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None] = mapped_column(index=True)
    settled_by: Mapped[str | None] = mapped_column(String(20))  # ipn | reconcile | desk
    # Why it ended as it did when that is not the gateway's plain word: expired without a
    # verdict, paid after it was closed (refund due).
    state_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    gateway_txn_no: Mapped[str | None] = mapped_column(String(60))
    bank_code: Mapped[str | None] = mapped_column(String(30))
    response_code: Mapped[str | None] = mapped_column(String(10))
    receipt_number: Mapped[str | None] = mapped_column(String(60))
    receipt_file_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_files.id"))
    # The daily comparison with the gateway's own ledger (reconcile.daily_report).
    checked_at: Mapped[datetime | None]
    gateway_state: Mapped[str | None] = mapped_column(String(20))
    gateway_amount_vnd: Mapped[int | None] = mapped_column(BigInteger)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(default=list)  # the fees paid
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    dossier: Mapped[Dossier] = relationship()

    @property
    def differs(self) -> bool:
        """The gateway's ledger disagrees with ours (after a daily check)."""
        if self.checked_at is None or self.gateway_state is None:
            return False
        ours = (
            PaymentState.PAID
            if self.state in (PaymentState.REFUNDED, PaymentState.REFUND_DUE)
            else self.state
        )
        if (self.gateway_state == PaymentState.PAID) != (ours == PaymentState.PAID):
            return True
        return (
            self.gateway_state == PaymentState.PAID and self.gateway_amount_vnd != self.amount_vnd
        )

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state][0]


class Refund(Base):
    """Money given back when a dossier is refused after payment, with reason and reference."""

    __tablename__ = "payment_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(100))  # bank transfer / gateway refund no.
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(Text)

    payment: Mapped[Payment] = relationship()


class FeeExemption(Base):
    """An officer waives one fee line of one dossier for a listed group, saying why."""

    __tablename__ = "fee_exemptions"
    __table_args__ = (UniqueConstraint("dossier_id", "fee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    fee_id: Mapped[int] = mapped_column(ForeignKey("procedure_fees.id"))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(Text)


class SecurityEvent(Base):
    """A callback we refused or could not match: forged, unsigned, wrong amount, unknown."""

    __tablename__ = "payment_security_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    gateway: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    txn_ref: Mapped[str | None] = mapped_column(String(100))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
