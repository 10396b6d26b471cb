"""Receiving a message from a peer: verify, store once, answer with a signed receipt.

Order matters: the envelope is parsed (no DTD), then the signer's certificate must be one an
administrator registered for THAT peer and its key must verify the signature over the envelope
bytes; the sender must be an agency the peer speaks for and the receiver one of ours; every
file must be present with the SHA-256 and size the signed manifest states (so a file changed on
the way is refused by name). Only then is anything stored, inside a savepoint, so a refusal
leaves nothing behind but its line in the log. A message id already received is answered with
the receipt given the first time, and nothing is stored again.
"""

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.agencies import Agency
from dossiers.calendar import today_in_vietnam
from dossiers.codes import allocate_code
from dossiers.db import utcnow
from dossiers.errors import DomainError, InvalidInput, NotFound
from dossiers.events import apply
from dossiers.exchange import keys
from dossiers.exchange.envelope import Manifest, Receipt, from_xml, receipt_xml
from dossiers.exchange.models import Direction, ExchangeMessage, MessageKind, MessageState, Peer
from dossiers.exchange.operations import peer_actor
from dossiers.files import FileStore, store_bytes
from dossiers.lifecycle import Kind, Status
from dossiers.procedures import version_in_force
from dossiers.records import (
    Channel,
    ComponentState,
    Dossier,
    DossierComponent,
    DossierFile,
    FileKind,
)


@dataclass
class Delivery:
    envelope: bytes
    signature: bytes
    certificate: str
    parts: dict[str, bytes]


@dataclass
class Answer:
    status: int  # 200 received (first time or again), 422 refused
    receipt: bytes
    signature: bytes
    certificate: str
    state: str
    code: str = ""
    message: str = ""
    message_en: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "state": self.state,
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
            "receipt": base64.b64encode(self.receipt).decode(),
            "signature": base64.b64encode(self.signature).decode(),
            "certificate": self.certificate,
        }


class Refused(DomainError):
    code = "refused"
    status = 422


_SIGNATURE_REASONS = {
    "certificate_unreadable": (
        "Chứng thư số kèm theo không đọc được",
        "The signer certificate cannot be read",
    ),
    "certificate_not_registered": (
        "Chữ ký bởi khóa không được đăng ký cho hệ thống gửi",
        "Signed by a key not registered for the sending peer",
    ),
    "certificate_expired": (
        "Chứng thư số của bên gửi hết hiệu lực",
        "The sender's certificate is not valid now",
    ),
    "unsupported_key": ("Loại khóa ký không được hỗ trợ", "Unsupported signing key"),
    "bad_signature": (
        "Chữ ký số không khớp nội dung phong bì (phong bì bị thay đổi?)",
        "The signature does not match the envelope (altered on the way?)",
    ),
}


def _check(session: Session, peer: Peer, delivery: Delivery, manifest: Manifest) -> Agency:
    problem = keys.verify(
        keys.split_pem(peer.certificates),
        delivery.certificate,
        delivery.envelope,
        delivery.signature,
    )
    if problem:
        vi, en = _SIGNATURE_REASONS[problem]
        raise Refused(vi, en, code=problem)
    if manifest.sender.code not in peer.agency_codes:
        raise Refused(
            f"Cơ quan gửi {manifest.sender.code} không thuộc hệ thống {peer.name}",
            f"Sender {manifest.sender.code} is not served by {peer.name}",
            code="unknown_sender",
        )
    agency = session.scalar(select(Agency).where(Agency.code == manifest.receiver.code))
    if agency is None:
        raise Refused(
            f"Cơ quan nhận {manifest.receiver.code} không có ở hệ thống này",
            f"Receiving agency {manifest.receiver.code} is not here",
            code="unknown_receiver",
        )
    expected = {f.cid for f in manifest.files}
    missing, extra = expected - set(delivery.parts), set(delivery.parts) - expected
    if missing or extra:
        listed = f"{', '.join(sorted(missing)) or '—'}; thừa {', '.join(sorted(extra)) or '—'}"
        raise Refused(
            f"Tệp gửi kèm không khớp danh mục: thiếu {listed}",
            "The attached files do not match the manifest",
            code="files_mismatch",
        )
    for ref in manifest.files:
        data = delivery.parts[ref.cid]
        if len(data) != ref.size or hashlib.sha256(data).hexdigest() != ref.sha256:
            raise Refused(
                f"Tệp «{ref.name}» không khớp mã băm SHA-256 trong danh mục đã ký "
                "(tệp bị thay đổi trên đường truyền)",
                f"File '{ref.name}' does not match the SHA-256 in the signed "
                "manifest (altered on the way)",
                code="file_hash_mismatch",
            )
    return agency


def _store_files(
    session: Session,
    store: FileStore,
    dossier: Dossier,
    manifest: Manifest,
    parts: dict[str, bytes],
    peer: Peer,
    *,
    kind: FileKind | None = None,
    marks: dict[str, Any] | None = None,
) -> list[DossierFile]:
    by_position = {c.position: c for c in dossier.components}
    records = []
    for ref in manifest.files:
        blob = store_bytes(session, store, parts[ref.cid])
        component = by_position.get(ref.component) if ref.component is not None else None
        try:
            file_kind = kind or FileKind(ref.kind)
        except ValueError:
            file_kind = FileKind.UPLOAD
        record = DossierFile(
            dossier=dossier,
            component_id=component.id if component else None,
            sha256=blob.sha256,
            size=blob.size,
            filename=ref.name[-200:] or ref.cid,
            content_type=ref.content_type[:100] or "application/octet-stream",
            kind=file_kind,
            details={
                "exchange": {
                    "peer": peer.name,
                    "message_id": manifest.message_id,
                    "from": manifest.sender.code,
                },
                "title": ref.description or ref.name,
                **(marks or {}),
            },
        )
        session.add(record)
        records.append(record)
    session.flush()
    return records


def _new_dossier(
    session: Session,
    store: FileStore,
    peer: Peer,
    agency: Agency,
    manifest: Manifest,
    parts: dict[str, bytes],
) -> Dossier:
    try:
        version = version_in_force(session, manifest.procedure_code, today_in_vietnam())
    except NotFound:
        raise Refused(
            f"Thủ tục {manifest.procedure_code} chưa có trong danh mục của hệ thống nhận",
            f"Procedure {manifest.procedure_code} is not in our catalogue",
            code="unknown_procedure",
        ) from None
    d = manifest.dossier
    channel = d.get("channel") if d.get("channel") in set(Channel) else Channel.ONLINE
    dossier = Dossier(
        procedure_version=version,
        channel=channel,
        applicant_name=(d.get("applicant_name") or "—")[:200],
        applicant_id_number=(d.get("applicant_id_number") or None),
        applicant_phone=d.get("applicant_phone") or None,
        applicant_email=d.get("applicant_email") or None,
        applicant_address=d.get("applicant_address") or None,
        applicant={
            "exchange": {
                "peer": peer.name,
                "from_agency": manifest.sender.code,
                "from_agency_name": manifest.sender.name,
                "remote_code": manifest.dossier_code,
                "remote_due_at": d.get("due_at"),
                "note": manifest.note,
            }
        },
        receiving_agency_id=agency.id,
        competent_agency_id=agency.id,
        holder_agency_id=agency.id,
        status="",
        last_seq=0,
    )
    local = {c.name: c for c in version.components}
    for comp in d.get("components", []):
        source = local.get(comp["name"])
        try:
            state = ComponentState(comp["state"])
        except ValueError:
            state = ComponentState.PENDING
        dossier.components.append(
            DossierComponent(
                procedure_component_id=source.id if source else None,
                position=comp["position"],
                name=comp["name"],
                requirement=comp["requirement"],
                state=state,
                note=comp.get("note"),
            )
        )
    session.add(dossier)
    session.flush()
    actor = peer_actor(peer)
    reference = {
        "exchange": {
            "peer": peer.name,
            "message_id": manifest.message_id,
            "remote_code": manifest.dossier_code,
            "from_agency": manifest.sender.code,
        }
    }
    apply(session, dossier, Kind.CREATED, actor, payload=reference)
    _store_files(session, store, dossier, manifest, parts, peer)
    now = utcnow()
    dossier.code = allocate_code(session, agency.code, now)
    dossier.submitted_at = now
    # It waits for our desk's acceptance, like any dossier submitted to us (exchange.accept).
    apply(session, dossier, Kind.SUBMITTED, actor, payload={**reference, "note": manifest.note})
    return dossier


def _answered(session: Session, peer: Peer, manifest: Manifest) -> Dossier:
    sent = session.scalar(
        select(ExchangeMessage).where(
            ExchangeMessage.direction == Direction.OUT,
            ExchangeMessage.kind == MessageKind.DOSSIER,
            ExchangeMessage.message_id == (manifest.reply_to or ""),
            ExchangeMessage.peer_id == peer.id,
        )
    )
    dossier = session.get(Dossier, sent.dossier_id) if sent and sent.dossier_id else None
    if sent is None or dossier is None:
        raise Refused(
            "Không tìm thấy hồ sơ đã gửi mà thông điệp này trả lời",
            "No dossier we sent matches this answer",
            code="unknown_reply",
        )
    return dossier


def _status(session: Session, peer: Peer, manifest: Manifest) -> Dossier:
    dossier = _answered(session, peer, manifest)
    payload = {
        "exchange": {
            "peer": peer.name,
            "message_id": manifest.message_id,
            "remote_code": manifest.dossier.get("reference"),
            "staff": manifest.staff,
        },
        "note": manifest.note,
    }
    if manifest.status == "accepted":
        # An «accepted» overtaken by the result (sent later, delivered first) only logs.
        if dossier.status == Status.AT_OTHER_AGENCY:
            apply(session, dossier, Kind.TRANSFER_ACCEPTED, peer_actor(peer), payload=payload)
    elif manifest.status == "refused":
        apply(
            session,
            dossier,
            Kind.TRANSFER_REJECTED,
            peer_actor(peer),
            payload=payload,
            reason=f"{peer.name}: {manifest.reason or 'không nêu lý do'}",
        )
    else:
        raise Refused(
            f"Trạng thái không hỗ trợ: {manifest.status}",
            f"Unsupported status: {manifest.status}",
            code="unknown_status",
        )
    return dossier


def _result(
    session: Session, store: FileStore, peer: Peer, manifest: Manifest, parts: dict[str, bytes]
) -> Dossier:
    dossier = _answered(session, peer, manifest)
    actor = peer_actor(peer)
    # The other agency's result is an input to our processing, not the applicant's result:
    # kept as a working document (Đ12.1.e), marked as coming from the exchange.
    records = _store_files(
        session,
        store,
        dossier,
        manifest,
        parts,
        peer,
        kind=FileKind.WORKING,
        marks={"exchange_result": True},
    )
    for record in records:
        apply(
            session,
            dossier,
            Kind.DOCUMENT_ADDED,
            actor,
            payload={"file_id": record.id, "title": f"Kết quả liên thông: {record.filename}"},
        )
    apply(
        session,
        dossier,
        Kind.TRANSFER_COMPLETED,
        actor,
        payload={
            "exchange": {
                "peer": peer.name,
                "message_id": manifest.message_id,
                "remote_code": manifest.dossier.get("reference"),
                "staff": manifest.staff,
            },
            "note": manifest.note,
            "file_ids": [r.id for r in records],
        },
    )
    return dossier


def _store(
    session: Session, store: FileStore, peer: Peer, delivery: Delivery, manifest: Manifest
) -> Dossier:
    agency = _check(session, peer, delivery, manifest)
    if manifest.kind == MessageKind.DOSSIER:
        return _new_dossier(session, store, peer, agency, manifest, delivery.parts)
    if manifest.kind == MessageKind.STATUS:
        return _status(session, peer, manifest)
    if manifest.kind == MessageKind.RESULT:
        return _result(session, store, peer, manifest, delivery.parts)
    raise Refused(
        f"Loại thông điệp không hỗ trợ: {manifest.kind}",
        f"Unsupported message kind: {manifest.kind}",
        code="unknown_kind",
    )


def _receipt(
    message_id: str,
    digest: str,
    manifest: Manifest | None,
    error: DomainError | None,
    reference: str = "",
) -> Receipt:
    return Receipt(
        message_id=message_id,
        envelope_sha256=digest,
        state="refused" if error else "received",
        at=utcnow(),
        receiver=manifest.receiver.code if manifest else "",
        code=error.code if error else "",
        reason=error.message if error else "",
        reason_en=error.message_en if error else "",
        reference=reference,
    )


def _answer(
    signer: keys.Signer,
    receipt: Receipt,
    error: DomainError | None,
) -> tuple[Answer, bytes, bytes]:
    body = receipt_xml(receipt)
    signature = signer.sign(body)
    answer = Answer(
        status=422 if error else 200,
        receipt=body,
        signature=signature,
        certificate=signer.certificate_pem,
        state=receipt.state,
        code=error.code if error else "",
        message=error.message if error else "",
        message_en=error.message_en if error else "",
    )
    return answer, body, signature


def stored_answer(row: ExchangeMessage, certificate: str) -> Answer:
    body = (row.receipt or "").encode("utf-8")
    return Answer(
        status=200 if row.state == MessageState.RECEIVED else 422,
        receipt=body,
        signature=base64.b64decode(row.receipt_signature or ""),
        certificate=certificate,
        state=str(row.state),
    )


def receive(
    session: Session, store: FileStore, signer: keys.Signer, peer: Peer, delivery: Delivery
) -> Answer:
    """Verify and store one message from ``peer`` (authenticated by its token); the caller
    commits, then sends the answer (a receipt is only given for what was committed)."""
    digest = hashlib.sha256(delivery.envelope).hexdigest()
    manifest: Manifest | None = None
    parse_error: DomainError | None = None
    try:
        manifest = from_xml(delivery.envelope)
    except InvalidInput as bad:
        parse_error = bad
    message_id = manifest.message_id[:64] if manifest else f"invalid-{digest[:32]}"
    row = session.scalar(
        select(ExchangeMessage).where(
            ExchangeMessage.direction == Direction.IN, ExchangeMessage.message_id == message_id
        )
    )
    if row is not None and row.state == MessageState.RECEIVED:
        if row.peer_id != peer.id:
            conflict = Refused(
                "Mã thông điệp đã được hệ thống khác dùng",
                "Message id already used by another peer",
                code="id_conflict",
            )
            return _answer(signer, _receipt(message_id, digest, manifest, conflict), conflict)[0]
        row.attempts += 1  # a replay: counted in the log, answered with the same receipt
        session.flush()
        return stored_answer(row, signer.certificate_pem)
    if row is None:
        row = ExchangeMessage(
            message_id=message_id,
            direction=Direction.IN,
            kind=(
                manifest.kind
                if manifest and manifest.kind in set(MessageKind)
                else MessageKind.DOSSIER
            ),
            state=MessageState.REFUSED,
            peer_id=peer.id,
            from_agency=(manifest.sender.code if manifest else "")[:35],
            to_agency=(manifest.receiver.code if manifest else "")[:35],
            envelope="",
            attempts=0,
        )
        session.add(row)
    row.attempts += 1
    row.envelope = delivery.envelope.decode("utf-8", "replace")
    row.signature = base64.b64encode(delivery.signature).decode()
    row.certificate = delivery.certificate[:10000]
    error: DomainError | None = parse_error
    dossier: Dossier | None = None
    if manifest is not None:
        row.remote_dossier_code = manifest.dossier_code[:60] or None
        row.reply_to, row.status_code = manifest.reply_to, manifest.status
        try:
            with session.begin_nested():  # a refusal below leaves nothing stored
                dossier = _store(session, store, peer, delivery, manifest)
        except DomainError as failure:
            error = failure
    receipt = _receipt(
        message_id,
        digest,
        manifest,
        error,
        (dossier.code or "")
        if dossier and manifest and manifest.kind == MessageKind.DOSSIER
        else "",
    )
    answer, body, signature = _answer(signer, receipt, error)
    row.state = MessageState.REFUSED if error else MessageState.RECEIVED
    row.reason = f"{error.message} / {error.message_en}" if error else None
    row.dossier_id = dossier.id if dossier is not None else row.dossier_id
    row.receipt = body.decode("utf-8")
    row.receipt_signature = base64.b64encode(signature).decode()
    row.done_at = receipt.at
    session.flush()
    return answer
