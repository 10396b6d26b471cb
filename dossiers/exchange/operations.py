"""The verbs of the exchange between installations: peers, sending, accepting, completing.

The sending side hands a dossier over with ``send_dossier`` (Kind.TRANSFERRED, status
AT_OTHER_AGENCY); the receiving side answers with ``accept``, ``reject`` or ``complete``, whose
status and result messages travel back the same way. Every send is an ``ExchangeMessage`` row
plus an outbox row written in the caller's transaction, so nothing leaves before the commit and
nothing is lost if the peer is down (``send.deliver`` retries with backoff). Operations only
flush; the caller commits.
"""

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.agencies import validate_code
from dossiers.db import utcnow
from dossiers.documents import Printer
from dossiers.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from dossiers.events import apply, authorize, check_legal, require_view
from dossiers.exchange import keys
from dossiers.exchange.envelope import FileRef, Manifest, Party, export_document, to_xml
from dossiers.exchange.models import (
    Direction,
    ExchangeMessage,
    MessageKind,
    MessageState,
    Peer,
    token_digest,
)
from dossiers.files import FileStore, store_bytes
from dossiers.intake import clean_filename
from dossiers.lifecycle import Kind, Role, Status
from dossiers.outbox import enqueue
from dossiers.records import Dossier, DossierFile, FileKind
from dossiers.review import accept_dossier, refuse_dossier
from dossiers.uploads import check_upload

SEND_JOB = "exchange_send"
_WORKING = frozenset(
    {
        Status.RECEIVED,
        Status.IN_PROGRESS,
        Status.AWAITING_SUPPLEMENT,
        Status.AWAITING_PAYMENT,
        Status.PENDING_APPROVAL,
        Status.APPROVED,
        Status.RESULT_READY,
    }
)


def peer_actor(peer: Peer) -> Actor:
    """Changes caused by a peer's message are recorded by the system, naming the peer."""
    return Actor(
        user_id=None,
        login=f"exchange:{peer.name}",
        full_name=f"Liên thông: {peer.name}",
        grants=frozenset({(Role.SYSTEM, None)}),
    )


# --- peers ----------------------------------------------------------------------------------


def _clean_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) > 300:
        raise InvalidInput(
            "Địa chỉ của hệ thống bên kia phải bắt đầu bằng http:// hoặc https://",
            "The peer's base URL must start with http:// or https://",
            code="bad_url",
        )
    return url


def _codes(codes: list[str]) -> list[str]:
    cleaned = sorted({validate_code(c) for c in codes if c.strip()})
    if not cleaned:
        raise InvalidInput(
            "Cần ít nhất một mã định danh cơ quan của bên kia",
            "At least one agency identifier of the peer is required",
            code="no_agency",
        )
    return cleaned


def add_peer(
    session: Session,
    actor: Actor,
    *,
    name: str,
    base_url: str,
    agency_codes: list[str],
    certificates: str,
    outbound_token: str | None = None,
) -> tuple[Peer, str]:
    """Register a peer; returns it and the token it must use to call us (shown once)."""
    actor.require(Role.ADMIN)
    name = name.strip()
    if not name:
        raise InvalidInput("Cần đặt tên cho hệ thống liên thông", "The peer needs a name")
    if session.scalar(select(Peer.id).where(Peer.name == name)) is not None:
        raise InvalidInput(
            f"Đã có hệ thống liên thông tên {name}",
            f"A peer named {name} exists",
            code="peer_exists",
        )
    inbound = "mcx_" + secrets.token_urlsafe(32)
    peer = Peer(
        name=name,
        base_url=_clean_url(base_url),
        agency_codes=_codes(agency_codes),
        certificates="".join(keys.split_pem(certificates)),
        outbound_token=(outbound_token or "").strip() or None,
        inbound_token_hash=token_digest(inbound),
    )
    session.add(peer)
    session.flush()
    return peer, inbound


def update_peer(
    session: Session,
    actor: Actor,
    peer: Peer,
    *,
    base_url: str | None = None,
    agency_codes: list[str] | None = None,
    certificates: str | None = None,
    outbound_token: str | None = None,
    is_active: bool | None = None,
) -> Peer:
    """Change what is given; an empty outbound token leaves the stored one as it is."""
    actor.require(Role.ADMIN)
    if base_url is not None:
        peer.base_url = _clean_url(base_url)
    if agency_codes is not None:
        peer.agency_codes = _codes(agency_codes)
    if certificates is not None and certificates.strip():
        peer.certificates = "".join(keys.split_pem(certificates))
    if outbound_token is not None and outbound_token.strip():
        peer.outbound_token = outbound_token.strip()
    if is_active is not None:
        peer.is_active = is_active
    peer.updated_at = utcnow()
    session.flush()
    return peer


def new_inbound_token(session: Session, actor: Actor, peer: Peer) -> str:
    """Issue a new token for the peer to call us with; the old one stops working."""
    actor.require(Role.ADMIN)
    token = "mcx_" + secrets.token_urlsafe(32)
    peer.inbound_token_hash = token_digest(token)
    peer.updated_at = utcnow()
    session.flush()
    return token


def get_peer(session: Session, name_or_id: str | int) -> Peer:
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        peer = session.get(Peer, int(name_or_id))
    else:
        peer = session.scalar(select(Peer).where(Peer.name == str(name_or_id).strip()))
    if peer is None:
        raise NotFound(
            f"Không tìm thấy hệ thống liên thông {name_or_id}", f"Peer {name_or_id} not found"
        )
    return peer


def list_peers(session: Session) -> list[Peer]:
    return list(session.scalars(select(Peer).order_by(Peer.name)))


def peer_for_token(session: Session, token: str) -> Peer | None:
    peer = session.scalar(select(Peer).where(Peer.inbound_token_hash == token_digest(token)))
    return peer if peer is not None and peer.is_active else None


def messages(
    session: Session, *, dossier_id: int | None = None, limit: int = 200
) -> list[ExchangeMessage]:
    query = select(ExchangeMessage).order_by(ExchangeMessage.id.desc()).limit(limit)
    if dossier_id is not None:
        query = query.where(ExchangeMessage.dossier_id == dossier_id)
    return list(session.scalars(query))


# --- manifests ------------------------------------------------------------------------------


def _applicant(dossier: Dossier) -> dict[str, Any]:
    return {
        "channel": dossier.channel,
        "applicant_name": dossier.applicant_name,
        "applicant_id_number": dossier.applicant_id_number,
        "applicant_phone": dossier.applicant_phone,
        "applicant_email": dossier.applicant_email,
        "applicant_address": dossier.applicant_address,
        "received_at": dossier.received_at.isoformat() if dossier.received_at else None,
        "due_at": dossier.due_at.isoformat() if dossier.due_at else None,
        "components": [
            {
                "position": c.position,
                "name": c.name,
                "requirement": c.requirement,
                "state": c.state,
                "note": c.note,
            }
            for c in dossier.components
        ],
    }


def _refs(dossier: Dossier, records: list[DossierFile]) -> list[FileRef]:
    positions = {c.id: c.position for c in dossier.components}
    names = {c.id: c.name for c in dossier.components}
    return [
        FileRef(
            cid=f"f{i}",
            name=f.filename,
            content_type=f.content_type,
            sha256=f.sha256,
            size=f.size,
            kind=f.kind,
            description=names.get(f.component_id or 0, f.details.get("title", "")),
            component=positions.get(f.component_id or 0),
        )
        for i, f in enumerate(records, start=1)
    ]


def dossier_manifest(
    dossier: Dossier, receiver: Party, *, message_id: str, note: str = "", staff: str = ""
) -> Manifest:
    version = dossier.procedure_version
    agency = dossier.holder_agency
    return Manifest(
        message_id=message_id,
        kind=MessageKind.DOSSIER,
        sent_at=utcnow(),
        sender=Party(agency.code, agency.name),
        receiver=receiver,
        dossier_code=dossier.code or str(dossier.id),
        procedure_code=version.code,
        procedure_name=version.name,
        note=note,
        staff=staff,
        due_at=dossier.due_at,
        dossier=_applicant(dossier),
        files=_refs(dossier, [f for f in dossier.files if f.replaced_at is None]),
    )


def _queue(
    session: Session, peer: Peer, manifest: Manifest, dossier: Dossier, remote_code: str | None
) -> ExchangeMessage:
    row = ExchangeMessage(
        message_id=manifest.message_id,
        direction=Direction.OUT,
        attempts=0,
        kind=manifest.kind,
        state=MessageState.QUEUED,
        peer_id=peer.id,
        dossier_id=dossier.id,
        reply_to=manifest.reply_to,
        from_agency=manifest.sender.code,
        to_agency=manifest.receiver.code,
        remote_dossier_code=remote_code,
        status_code=manifest.status,
        reason=manifest.reason,
        envelope=to_xml(manifest).decode("utf-8"),
    )
    session.add(row)
    session.flush()
    enqueue(session, SEND_JOB, {"id": row.id}, key=f"exchange:{manifest.message_id}")
    return row


# --- the sending side -----------------------------------------------------------------------


def send_dossier(
    session: Session,
    dossier: Dossier,
    actor: Actor,
    peer: Peer,
    to_agency_code: str,
    note: str = "",
) -> ExchangeMessage:
    """Hand the dossier to an agency of another installation (liên thông, Đ12.2).

    Kind.TRANSFERRED (status AT_OTHER_AGENCY) and the message are written together; the
    message leaves after the commit, through the outbox.
    """
    code = validate_code(to_agency_code)
    if not peer.is_active or not peer.outbound_token:
        raise InvalidInput(
            f"Hệ thống liên thông {peer.name} chưa sẵn sàng (tạm dừng hoặc chưa có token)",
            f"Peer {peer.name} is inactive or has no token",
            code="peer_unavailable",
        )
    if code not in peer.agency_codes:
        raise InvalidInput(
            f"Cơ quan {code} không thuộc hệ thống {peer.name}",
            f"Agency {code} is not served by {peer.name}",
            code="unknown_agency",
        )
    check_legal(dossier, Kind.TRANSFERRED)
    authorize(session, actor, dossier, Kind.TRANSFERRED)
    message_id = uuid.uuid4().hex
    manifest = dossier_manifest(
        dossier,
        Party(code),
        message_id=message_id,
        note=note.strip(),
        staff=actor.full_name or actor.login,
    )
    apply(
        session,
        dossier,
        Kind.TRANSFERRED,
        actor,
        payload={
            "exchange": {
                "peer": peer.name,
                "peer_id": peer.id,
                "to_agency": code,
                "message_id": message_id,
            },
            "note": note.strip(),
        },
    )
    return _queue(session, peer, manifest, dossier, None)


# --- the receiving side ---------------------------------------------------------------------


def incoming_message(session: Session, dossier: Dossier) -> ExchangeMessage | None:
    """The message that brought this dossier here, if it came from another installation."""
    return session.scalar(
        select(ExchangeMessage)
        .where(
            ExchangeMessage.dossier_id == dossier.id,
            ExchangeMessage.direction == Direction.IN,
            ExchangeMessage.kind == MessageKind.DOSSIER,
            ExchangeMessage.state == MessageState.RECEIVED,
        )
        .order_by(ExchangeMessage.id.desc())
    )


def _incoming(session: Session, dossier: Dossier) -> tuple[ExchangeMessage, Peer]:
    message = incoming_message(session, dossier)
    if message is None or message.peer is None:
        raise InvalidInput(
            "Hồ sơ này không đến từ hệ thống liên thông khác",
            "This dossier did not come from another installation",
            code="not_exchanged",
        )
    return message, message.peer


@dataclass
class Upload:
    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


def _reply(
    session: Session,
    dossier: Dossier,
    incoming: ExchangeMessage,
    peer: Peer,
    kind: MessageKind,
    actor: Actor,
    *,
    status: str | None = None,
    reason: str | None = None,
    note: str = "",
    records: list[DossierFile] | None = None,
) -> ExchangeMessage:
    agency = dossier.holder_agency
    manifest = Manifest(
        message_id=uuid.uuid4().hex,
        kind=kind,
        sent_at=utcnow(),
        sender=Party(agency.code, agency.name),
        receiver=Party(incoming.from_agency),
        dossier_code=incoming.remote_dossier_code or "",
        procedure_code=dossier.procedure_version.code,
        procedure_name=dossier.procedure_version.name,
        note=note,
        reply_to=incoming.message_id,
        status=status,
        reason=reason,
        staff=actor.full_name or actor.login,
        dossier={"reference": dossier.code},
        files=_refs(dossier, records or []),
    )
    return _queue(session, peer, manifest, dossier, incoming.remote_dossier_code)


def accept(
    session: Session, dossier: Dossier, actor: Actor, note: str = "", printer: Printer | None = None
) -> ExchangeMessage:
    """Accept a dossier sent by another installation: the desk's acceptance (the promised date
    is fixed from our procedure's time limit) and an «accepted» status message back."""
    incoming, peer = _incoming(session, dossier)
    accept_dossier(session, actor, dossier, printer=printer)
    return _reply(
        session,
        dossier,
        incoming,
        peer,
        MessageKind.STATUS,
        actor,
        status="accepted",
        note=note.strip(),
    )


def reject(
    session: Session, dossier: Dossier, actor: Actor, reason: str, printer: Printer | None = None
) -> ExchangeMessage:
    """Send the dossier back with the reason (Đ4.3); the sender sees TRANSFER_REJECTED."""
    incoming, peer = _incoming(session, dossier)
    refuse_dossier(session, actor, dossier, reason, printer=printer)
    return _reply(
        session,
        dossier,
        incoming,
        peer,
        MessageKind.STATUS,
        actor,
        status="refused",
        reason=reason.strip(),
    )


def complete(
    session: Session,
    dossier: Dossier,
    actor: Actor,
    store: FileStore,
    files: list[Upload],
    note: str = "",
) -> ExchangeMessage:
    """Return our result or opinion, with its files, to the installation that sent the dossier.

    The files are stored in the dossier as results (Đ12.1.e). When our own processing has
    issued the result (RESULT_READY), handing it back is its return (RESULT_RETURNED).
    """
    incoming, peer = _incoming(session, dossier)
    if dossier.status not in _WORKING:
        raise IllegalTransition(
            "Chỉ trả kết quả liên thông cho hồ sơ đã tiếp nhận, đang xử lý",
            "Only a dossier accepted and in progress can return a result",
        )
    if not files and not note.strip():
        raise InvalidInput(
            "Cần tệp kết quả hoặc ý kiến",
            "A result file or an opinion is required",
            code="empty_result",
        )
    authorize(session, actor, dossier, Kind.DOCUMENT_ADDED)
    records = [
        _add_result(session, store, dossier, actor, upload, peer, incoming) for upload in files
    ]
    message = _reply(
        session,
        dossier,
        incoming,
        peer,
        MessageKind.RESULT,
        actor,
        status="completed",
        note=note.strip(),
        records=records,
    )
    if dossier.status == Status.RESULT_READY:
        apply(
            session,
            dossier,
            Kind.RESULT_RETURNED,
            peer_actor(peer),
            payload={"exchange": {"message_id": message.message_id}},
        )
    return message


def _add_result(
    session: Session,
    store: FileStore,
    dossier: Dossier,
    actor: Actor,
    upload: Upload,
    peer: Peer,
    incoming: ExchangeMessage,
) -> DossierFile:
    checked = check_upload(upload.data, upload.filename)
    blob = store_bytes(session, store, upload.data)
    record = DossierFile(
        dossier=dossier,
        component_id=None,
        sha256=blob.sha256,
        size=blob.size,
        filename=clean_filename(upload.filename, checked.extension),
        content_type=checked.content_type,
        kind=FileKind.RESULT,
        uploaded_by_id=actor.user_id,
        details={"exchange": {"peer": peer.name, "for": incoming.remote_dossier_code}},
    )
    session.add(record)
    session.flush()
    apply(
        session,
        dossier,
        Kind.DOCUMENT_ADDED,
        actor,
        payload={"file_id": record.id, "title": "Kết quả xử lý liên thông"},
    )
    return record


# --- export ---------------------------------------------------------------------------------


def export_edxml(session: Session, dossier: Dossier, actor: Actor, store: FileStore) -> bytes:
    """The documents a dossier carries as one edXML document with base64 attachments."""
    require_view(session, actor, dossier)
    if not actor.is_staff:
        raise Forbidden("Chỉ cán bộ được xuất edXML", "Only staff may export edXML")
    holder = dossier.holder_agency
    manifest = dossier_manifest(
        dossier,
        Party(holder.code, holder.name),
        message_id=uuid.uuid4().hex,
        staff=actor.full_name or actor.login,
    )
    contents = {ref.cid: store.read(ref.sha256) for ref in manifest.files}
    return export_document(manifest, contents)
