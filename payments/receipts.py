"""Electronic receipts (biên lai thu phí, lệ phí): one per payment, in the dossier and inbox.

The ``payments.receipt`` outbox job renders the receipt after the payment commits (WeasyPrint
takes a moment; an IPN must be answered quickly). It locks the payment and does nothing when
the receipt already exists, so a job run twice, or queued by two callbacks, issues one receipt.
"""

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers import intake
from dossiers.accounts import User
from dossiers.calendar import VN_TZ
from dossiers.documents import Printer, render_for, store_form
from dossiers.events import apply
from dossiers.files import FileStore
from dossiers.lifecycle import Kind, Status, next_status
from dossiers.outbox import JobContext, OutboxMessage, enqueue, handler
from dossiers.pdf.forms import FormKind
from dossiers.records import Dossier, DossierFile
from payments.callbacks import lock_payment_by_id
from payments.fees import vnd
from payments.ledger import SYSTEM
from payments.models import Method, Payment

if TYPE_CHECKING:
    from dossiers.signing.keys import Keyring

log = logging.getLogger(__name__)
METHOD_LABELS = {
    Method.ONLINE: "Trực tuyến",
    Method.CASH: "Tiền mặt tại quầy",
    Method.CARD: "Thẻ tại quầy",
}
_DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]


def _three(n: int, full: bool) -> list[str]:
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if full or hundreds:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0 and ones and (full or hundreds):
        words.append("lẻ")
    elif tens == 1:
        words.append("mười")
    elif tens > 1:
        words += [_DIGITS[tens], "mươi"]
    if ones:
        if ones == 1 and tens > 1:
            words.append("mốt")
        elif ones == 5 and tens >= 1:
            words.append("lăm")
        elif ones == 4 and tens > 1:
            words.append("tư")
        else:
            words.append(_DIGITS[ones])
    return words


def in_words(amount: int) -> str:
    """The amount in Vietnamese words, as a receipt writes it ("Bảy mươi lăm nghìn đồng")."""
    if amount == 0:
        return "Không đồng"
    groups = []
    while amount:
        groups.append(amount % 1000)
        amount //= 1000
    units = ["", "nghìn", "triệu", "tỷ", "nghìn tỷ"]
    words: list[str] = []
    for i in range(len(groups) - 1, -1, -1):
        if groups[i]:
            words += _three(groups[i], full=i < len(groups) - 1)
            if units[i]:
                words.append(units[i])
    text = " ".join(words) + " đồng"
    return text[0].upper() + text[1:]


def receipt_number(payment: Payment) -> str:
    year = (payment.paid_at or payment.created_at).astimezone(VN_TZ).year
    return payment.receipt_number or f"BL{year}-{payment.id:06d}"


def issue_receipt(
    session: Session,
    store: FileStore,
    base_url: str,
    payment_id: int,
    at: datetime | None = None,
    keyring: "Keyring | None" = None,
) -> DossierFile | None:
    """Render and store the payment's receipt once. Returns it, or None when not paid."""
    payment = lock_payment_by_id(session, payment_id)
    if payment is None or payment.paid_at is None:
        return None
    if payment.receipt_file_id is not None:
        return session.get(DossierFile, payment.receipt_file_id)
    dossier = payment.dossier
    if not dossier.code:
        # A paid draft that could not be submitted (incomplete) has no code to print yet:
        # the receipt is queued again when the applicant submits it (``queue_on_submission``).
        log.info("payment %s: receipt waits until dossier %s is submitted", payment.id, dossier.id)
        return None
    when = at or payment.paid_at
    number = receipt_number(payment)
    printer = Printer(store, base_url, keyring=keyring)
    form, pdf = render_for(
        session,
        SYSTEM,
        printer,
        dossier,
        FormKind.PAYMENT_RECEIPT,
        when,
        clerk="" if payment.method == Method.ONLINE else _clerk(session, payment),
        receipt={
            "number": number,
            "method": METHOD_LABELS.get(Method(payment.method), payment.method)
            + (" qua cổng VNPAY" if payment.gateway == "vnpay" else ""),
            "gateway_ref": payment.gateway_txn_no,
            "paid_at": payment.paid_at,
            "lines": [
                {**line, "due_text": vnd(int(line.get("due_vnd") or 0))} for line in payment.lines
            ],
            "total_text": vnd(payment.amount_vnd),
            "total_words": in_words(payment.amount_vnd),
        },
    )
    # Issued by the receiving agency, sealed and registered like every form (Điều 5.5).
    record = store_form(
        session,
        printer,
        dossier,
        pdf,
        agency=dossier.receiving_agency,
        title=form.title,
        filename=f"bien-lai-{number}.pdf",
        details={
            "form": FormKind.PAYMENT_RECEIPT.value,
            "number": number,
            "basis": form.basis,
            "title": form.title,
            "payment_id": payment.id,
        },
        issued_by=dossier.receiving_agency.name,
        uploaded_by_id=None,
        at=when,
        number=number,
    )
    payment.receipt_file_id, payment.receipt_number = record.id, number
    # A draft that could not be submitted keeps the receipt without a timeline entry.
    if next_status(Kind.DOCUMENT_ADDED, Status(dossier.status)) is not None:
        apply(
            session,
            dossier,
            Kind.DOCUMENT_ADDED,
            SYSTEM,
            at=when,
            payload={
                "file_id": record.id,
                "form": FormKind.PAYMENT_RECEIPT.value,
                "title": form.title,
            },
        )
    if dossier.applicant_user_id is not None:
        enqueue(
            session,
            "notify",
            {
                "user_id": dossier.applicant_user_id,
                "dossier_id": dossier.id,
                "subject": f"Biên lai thu phí, lệ phí hồ sơ {dossier.code or dossier.id}",
                "body": f"Đã nhận {vnd(payment.amount_vnd)} đồng cho hồ sơ "
                f"{dossier.code or dossier.id}. Biên lai số {number} có trong hồ sơ "
                "(mục Giấy tờ, kết quả).",
            },
            key=f"notify:receipt:{payment.id}",
        )
    session.flush()
    return record


def _clerk(session: Session, payment: Payment) -> str:
    user = session.get(User, payment.created_by_id) if payment.created_by_id else None
    return user.full_name if user else ""


def queue_on_submission(session: Session, dossier: Dossier) -> None:
    """A SUBMIT_CHECKS hook: a draft paid before it could be submitted gets its receipt once
    it is submitted (and has a code). Runs in the submitting transaction, so the receipt is
    queued only if the submission commits; a receipt already issued or queued is left alone."""
    for payment in session.scalars(
        select(Payment).where(
            Payment.dossier_id == dossier.id,
            Payment.paid_at.is_not(None),
            Payment.receipt_file_id.is_(None),
        )
    ):
        waiting = session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.key == f"receipt:payment:{payment.id}",
                OutboxMessage.state == "pending",
            )
        )
        if waiting is None:
            enqueue(
                session,
                "payments.receipt",
                {"payment_id": payment.id},
                key=f"receipt:payment:{payment.id}:submitted",
            )


if queue_on_submission not in intake.SUBMIT_CHECKS:
    intake.SUBMIT_CHECKS.append(queue_on_submission)


@handler("payments.receipt")
def receipt_job(session: Session, payload: dict[str, Any], ctx: JobContext) -> None:
    from dossiers.signing.keys import shared_keyring

    keyring = shared_keyring(ctx.settings) if ctx.settings.get("MOTCUA_PKI_DIR") else None
    issue_receipt(
        session,
        ctx.store,
        str(ctx.settings.get("MOTCUA_BASE_URL") or ""),
        int(payload["payment_id"]),
        keyring=keyring,
    )
