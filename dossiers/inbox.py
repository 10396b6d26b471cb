"""The applicant's in-portal inbox, and e-mail when SMTP is configured (Đ12.1.d).

Messages are written by the ``notify`` outbox job after the change that causes them commits.
Without SMTP they stay in the inbox and go to the log.
"""

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import ForeignKey, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from dossiers import identity
from dossiers.accounts import User, draw_code
from dossiers.actors import Actor
from dossiers.db import Base, utcnow
from dossiers.errors import NotFound
from dossiers.outbox import JobContext, handler

log = logging.getLogger(__name__)


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # The outbox row that wrote it: a job run twice cannot write the message twice.
    outbox_id: Mapped[int | None] = mapped_column(unique=True)


@handler("notify")
def notify(session: Session, payload: dict[str, Any], ctx: JobContext) -> None:
    if session.scalar(select(Message.id).where(Message.outbox_id == ctx.message_id)):
        return
    user = session.get(User, payload["user_id"])
    if user is None:
        return
    session.add(
        Message(
            user_id=user.id,
            dossier_id=payload.get("dossier_id"),
            subject=payload["subject"],
            body=payload["body"],
            outbox_id=ctx.message_id or None,
        )
    )
    session.flush()
    host = ctx.settings.get("SMTP_HOST")
    if host and user.email:
        send_mail(ctx.settings, user.email, payload["subject"], payload["body"])
    else:
        log.info("inbox message for %s: %s", user.login, payload["subject"])


def send_mail(settings: dict[str, Any], to: str, subject: str, body: str) -> None:
    mail = EmailMessage()
    mail["From"] = settings.get("SMTP_FROM") or "motcua@localhost"
    # Addresses are checked on the way in (identity.email); a subject comes from catalogue
    # text, so a line break in it becomes a space rather than a header of its own.
    mail["To"], mail["Subject"] = identity.email(to), " ".join(subject.split())
    mail.set_content(body)
    port = int(settings.get("SMTP_PORT") or 25)
    with smtplib.SMTP(settings["SMTP_HOST"], port, timeout=15) as smtp:
        if settings.get("SMTP_STARTTLS"):
            smtp.starttls()
        if settings.get("SMTP_USER"):
            smtp.login(settings["SMTP_USER"], settings.get("SMTP_PASSWORD") or "")
        smtp.send_message(mail)


def messages_for(session: Session, user_id: int, limit: int = 50) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(Message.user_id == user_id)
            .order_by(Message.id.desc())
            .limit(limit)
        )
    )


@handler("deliver_code")
def deliver_code(session: Session, payload: dict[str, Any], ctx: JobContext) -> None:
    """Make and send a one-time code: by e-mail when SMTP is configured, else to the log;
    confirmation codes also land in the inbox (the applicant logs in to confirm).

    The digits exist only here and in what is sent (``accounts.issue_code`` says why); reset
    codes never go to the inbox, whose rows would keep them in clear."""
    drawn = draw_code(session, int(payload.get("code_id") or 0))
    if drawn is None:
        return  # replaced, used or expired before it could be sent
    row, user, code = drawn
    confirm = row.purpose == "confirm"
    subject = "Mã xác nhận tài khoản Motcua" if confirm else "Mã đặt lại mật khẩu Motcua"
    body = (
        f"Mã của bạn là {code}. Mã có hiệu lực trong 10 phút và chỉ dùng được "
        "một lần. Nếu bạn không yêu cầu, hãy bỏ qua thư này."
    )
    if confirm and not session.scalar(
        select(Message.id).where(Message.outbox_id == ctx.message_id)
    ):
        session.add(
            Message(user_id=user.id, subject=subject, body=body, outbox_id=ctx.message_id or None)
        )
        session.flush()
    if ctx.settings.get("SMTP_HOST") and user.email:
        send_mail(ctx.settings, user.email, subject, body)
    else:
        # No mail server: the log is the delivery channel (demo and development).
        log.warning("one-time code for %s (%s): %s", user.login, row.purpose, code)


def mark_read(session: Session, actor: Actor, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None or message.user_id != actor.user_id:
        raise NotFound("Không tìm thấy thư", "Message not found")
    if message.read_at is None:
        message.read_at = utcnow()
        session.flush()
    return message
