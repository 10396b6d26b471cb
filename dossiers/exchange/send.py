"""Delivering a queued message to its peer (the ``exchange_send`` outbox job).

The envelope was written when the message was queued, so every attempt sends the same bytes
and the same message id; the peer stores a message id once, so a delivery whose answer was
lost is simply acknowledged again. A delivery counts only when the peer answers with a receipt
signed by a certificate registered for it, naming this message and this envelope's SHA-256.
A peer that is down or answers anything else makes the job fail; the outbox retries it with
backoff (30 s, 1 min, 2 min … up to an hour), and ``retry`` lets an administrator resend now.
"""

import base64
import hashlib
import json
import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.db import utcnow
from dossiers.errors import DomainError
from dossiers.events import apply
from dossiers.exchange import keys
from dossiers.exchange.envelope import Receipt, from_xml, parse_receipt
from dossiers.exchange.models import ExchangeMessage, MessageKind, MessageState, Peer
from dossiers.exchange.operations import SEND_JOB, peer_actor
from dossiers.lifecycle import Kind, Status
from dossiers.outbox import MAX_ATTEMPTS, JobContext, OutboxMessage, handler
from dossiers.records import Dossier

log = logging.getLogger(__name__)
ENDPOINT = "/api/v1/exchange/messages"
TIMEOUT = 60


class DeliveryFailed(Exception):
    """The peer did not (validly) acknowledge the message; the outbox will retry."""


def signer_from(settings: Mapping[str, Any]) -> keys.Signer:
    return keys.load(exchange_dir(settings), passphrase(settings))


def exchange_dir(settings: Mapping[str, Any]) -> Path:
    configured = settings.get("MOTCUA_EXCHANGE_DIR")
    if configured:
        return Path(configured)
    return Path(settings["MOTCUA_STORAGE"]).parent / "exchange"


def passphrase(settings: Mapping[str, Any]) -> str:
    return str(settings.get("MOTCUA_EXCHANGE_PASSPHRASE") or settings.get("SECRET_KEY") or "")


def multipart(
    fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]
) -> tuple[bytes, str]:
    """A multipart/form-data body: text fields, then files (name -> filename, type, bytes)."""
    boundary = "motcua-" + secrets.token_hex(16)
    out: list[bytes] = []
    for name, value in fields.items():
        out += [
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode(),
            value.encode("utf-8"),
            b"\r\n",
        ]
    for name, (filename, content_type, data) in files.items():
        safe = filename.replace('"', "").replace("\r", "").replace("\n", "")
        out += [
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="{name}"; filename="{safe}"\r\n'.encode(),
            f"Content-Type: {content_type}\r\n\r\n".encode(),
            data,
            b"\r\n",
        ]
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def post(peer: Peer, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310 - the URL is an administrator's peer, http(s)
        peer.base_url + ENDPOINT,
        data=body,
        method="POST",
        headers={
            "Content-Type": content_type,
            "Accept": "application/json",
            "Authorization": f"Bearer {peer.outbound_token}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw or b"{}")
        except ValueError:
            return error.code, {"message": raw[:500].decode("utf-8", "replace")}
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise DeliveryFailed(f"không kết nối được {peer.base_url}: {error}") from None


def check_receipt(
    peer: Peer, answer: dict[str, Any], message_id: str, envelope: bytes
) -> tuple[Receipt, bytes, bytes]:
    try:
        body = base64.b64decode(answer["receipt"], validate=True)
        signature = base64.b64decode(answer["signature"], validate=True)
        certificate = str(answer["certificate"])
    except (KeyError, ValueError, TypeError):
        raise DeliveryFailed("câu trả lời không có biên nhận ký số") from None
    problem = keys.verify(keys.split_pem(peer.certificates), certificate, body, signature)
    if problem:
        raise DeliveryFailed(f"biên nhận không hợp lệ ({problem})")
    try:
        receipt = parse_receipt(body)
    except DomainError as error:
        raise DeliveryFailed(error.message_en) from None
    if (
        receipt.message_id != message_id
        or receipt.envelope_sha256 != hashlib.sha256(envelope).hexdigest()
        or receipt.state not in ("received", "refused")
    ):
        raise DeliveryFailed("biên nhận không khớp thông điệp đã gửi")
    return receipt, body, signature


@handler(SEND_JOB)
def deliver(session: Session, payload: dict[str, Any], ctx: JobContext) -> None:
    row = session.get(ExchangeMessage, payload["id"])
    if row is None or row.state != MessageState.QUEUED or row.peer is None:
        return  # already delivered, refused or given up: running twice changes nothing
    row_id, peer = row.id, row.peer
    try:
        envelope = row.envelope.encode("utf-8")
        signer = signer_from(ctx.settings)
        signature = signer.sign(envelope)
        manifest = from_xml(envelope)
        files = {
            ref.cid: (ref.name, ref.content_type, ctx.store.read(ref.sha256))
            for ref in manifest.files
        }
        body, content_type = multipart(
            {
                "signature": base64.b64encode(signature).decode(),
                "certificate": signer.certificate_pem,
            },
            {"envelope": ("envelope.xml", "application/xml", envelope), **files},
        )
        status, answer = post(peer, body, content_type)
        if status not in (200, 422):
            raise DeliveryFailed(f"HTTP {status}: {answer.get('message_en') or answer}")
        receipt, receipt_body, receipt_signature = check_receipt(
            peer, answer, row.message_id, envelope
        )
    except (DeliveryFailed, DomainError) as error:
        text = error.message_en if isinstance(error, DomainError) else str(error)
        _record_failure(session, row_id, text)
        raise DeliveryFailed(text) from None
    now = utcnow()
    row.attempts += 1
    row.signature = base64.b64encode(signature).decode()
    row.certificate = signer.certificate_pem
    row.receipt, row.receipt_signature = (
        receipt_body.decode("utf-8"),
        base64.b64encode(receipt_signature).decode(),
    )
    row.sent_at = row.sent_at or now
    row.done_at, row.last_error = now, None
    if receipt.state == "received":
        row.state = MessageState.ACKNOWLEDGED
        if receipt.reference:
            row.remote_dossier_code = receipt.reference[:60]
        return
    row.state = MessageState.REFUSED
    row.reason = f"{receipt.reason} / {receipt.reason_en}"
    dossier = session.get(Dossier, row.dossier_id) if row.dossier_id else None
    if (
        row.kind == MessageKind.DOSSIER
        and dossier is not None
        and dossier.status == Status.AT_OTHER_AGENCY
    ):
        # The peer will never hold it: the dossier comes back to us with the peer's reason.
        apply(
            session,
            dossier,
            Kind.TRANSFER_REJECTED,
            peer_actor(peer),
            reason=f"{peer.name} từ chối thông điệp: {receipt.reason}",
            payload={"exchange": {"message_id": row.message_id, "code": receipt.code}},
        )


def _record_failure(session: Session, row_id: int, text: str) -> None:
    """Count the attempt in the log (committed now: the outbox rolls the job back)."""
    session.rollback()
    row = session.get(ExchangeMessage, row_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = text[:2000]
    if row.attempts >= MAX_ATTEMPTS:
        row.state = MessageState.FAILED
    session.commit()


def retry(session: Session, message: ExchangeMessage) -> int | None:
    """Make a queued or failed message due now; returns the outbox row id to dispatch."""
    if message.state not in (MessageState.QUEUED, MessageState.FAILED):
        return None
    outbox = session.scalar(
        select(OutboxMessage).where(OutboxMessage.key == f"exchange:{message.message_id}")
    )
    if outbox is None:
        return None
    message.state = MessageState.QUEUED
    if message.attempts >= MAX_ATTEMPTS:
        message.attempts = 0
    outbox.state, outbox.run_after = "pending", utcnow() - timedelta(seconds=1)
    if outbox.attempts >= MAX_ATTEMPTS:
        outbox.attempts = 0
    session.flush()
    session.info.setdefault("outbox", []).append(outbox.id)
    return outbox.id
