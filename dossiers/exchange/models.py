"""Peers (other Motcua installations) and the log of every message in and out."""

import hashlib
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dossiers.db import Base, utcnow


class Direction(StrEnum):
    OUT = "out"
    IN = "in"


class MessageKind(StrEnum):
    DOSSIER = "dossier"  # a dossier handed to the peer (liên thông, Đ12.2)
    STATUS = "status"  # the peer accepted or refused it
    RESULT = "result"  # the peer's result or opinion, with its files


class MessageState(StrEnum):
    QUEUED = "queued"  # out: waiting for (another) delivery attempt
    ACKNOWLEDGED = "acknowledged"  # out: the peer answered with a valid signed receipt
    FAILED = "failed"  # out: gave up after the last attempt
    REFUSED = "refused"  # out: the peer refused it / in: we refused it (reason kept)
    RECEIVED = "received"  # in: verified and stored once


class Peer(Base):
    """Another installation registered by an administrator.

    ``agency_codes`` are the QCVN 102 identifiers the peer speaks for: a message from it must
    come from one of them, and we send to them through it. The token it uses to call us is kept
    as a SHA-256 only; the token we call it with must be kept in clear to be sent.
    """

    __tablename__ = "exchange_peers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    base_url: Mapped[str] = mapped_column(String(300))
    agency_codes: Mapped[list[str]] = mapped_column(default=list)
    certificates: Mapped[str] = mapped_column(Text, default="")  # PEM bundle
    outbound_token: Mapped[str | None] = mapped_column(String(200))
    inbound_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Peer {self.name} {self.base_url}>"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ExchangeMessage(Base):
    """One message in or out, with its envelope, signature, receipt and state.

    (direction, message id) is unique: a message id seen twice is the same message, which is
    what makes receiving idempotent even when two deliveries race.
    """

    __tablename__ = "exchange_messages"
    __table_args__ = (UniqueConstraint("direction", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), index=True)
    direction: Mapped[Direction] = mapped_column(String(3))
    kind: Mapped[MessageKind] = mapped_column(String(10))
    state: Mapped[MessageState] = mapped_column(String(15), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    peer_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_peers.id"), index=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    # The message this one answers (a status or result names the dossier message).
    reply_to: Mapped[str | None] = mapped_column(String(64), index=True)
    from_agency: Mapped[str] = mapped_column(String(35))
    to_agency: Mapped[str] = mapped_column(String(35))
    remote_dossier_code: Mapped[str | None] = mapped_column(String(60))
    status_code: Mapped[str | None] = mapped_column(String(20))  # accepted / refused
    envelope: Mapped[str] = mapped_column(Text)
    signature: Mapped[str | None] = mapped_column(Text)  # base64, as sent or received
    certificate: Mapped[str | None] = mapped_column(Text)  # the signer's, as received
    receipt: Mapped[str | None] = mapped_column(Text)  # the signed receipt (XML)
    receipt_signature: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]

    peer: Mapped[Peer | None] = relationship(lazy="joined")
