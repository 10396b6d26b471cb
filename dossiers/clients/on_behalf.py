"""Dossiers an integration client submits on an applicant's behalf, and what it may read.

The national portal, a kiosk or a post office has already identified the applicant (CCCD or tax
code) and collected the files; it files the dossier through the same use cases as the citizen
portal (``create_draft``, ``attach_file``, ``mark_component``, ``submit_dossier``), acting *for*
the applicant: the dossier lands in the desk's queue like any online dossier and in the
applicant's account when they have one. An applicant without an account gets a non-login record
so the dossier still has an owner the use cases recognise.
"""

import hashlib
import json
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dossiers import identity
from dossiers.accounts import AccountKind, User
from dossiers.actors import Actor
from dossiers.clients.models import ClientSubmission, IntegrationClient
from dossiers.clients.operations import acting_client
from dossiers.clients.scopes import READ, READ_AGENCY, SUBMIT_ON_BEHALF
from dossiers.db import utcnow
from dossiers.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from dossiers.files import FileStore
from dossiers.intake import Applicant, attach_file, create_draft, mark_component, submit_dossier
from dossiers.lifecycle import Role
from dossiers.records import Channel, ComponentState, Dossier
from dossiers.uploads import MAX_FILE_BYTES

# The channel an integration names, and the intake channel it is for the rules (fees, paper
# originals, how the result is returned): a kiosk or a portal sends electronic files.
CHANNELS: dict[str, Channel] = {
    "national_portal": Channel.ONLINE,  # Cổng Dịch vụ công quốc gia
    "provincial_portal": Channel.ONLINE,
    "mobile_app": Channel.ONLINE,
    "kiosk": Channel.ONLINE,
    "vneid": Channel.VNEID,
    "post": Channel.POST,  # dịch vụ bưu chính công ích
}


class IdempotencyKeyReused(DomainError):
    """The same Idempotency-Key with a different request (IETF idempotency-key draft: 422)."""

    code = "idempotency_key_reused"
    status = 422


@dataclass
class ComponentInput:
    position: int  # the component's position in the procedure (GET /api/v1/procedures/{code})
    files: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, bytes)
    state: Literal["paper", "not_provided"] | None = None
    note: str | None = None


@dataclass
class OnBehalfRequest:
    procedure: str
    channel: str
    id_type: Literal["cccd", "tax_code"]
    id_number: str
    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    representative: str | None = None
    agency: str | None = None
    components: list[ComponentInput] = field(default_factory=list)

    def digest(self) -> str:
        """What a retry must repeat for its key to mean "the same request"."""
        data = {
            **{k: v for k, v in vars(self).items() if k != "components"},
            "components": [
                {
                    "position": c.position,
                    "state": c.state,
                    "note": c.note,
                    "files": [(n, hashlib.sha256(b).hexdigest()) for n, b in c.files],
                }
                for c in self.components
            ],
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _number(request: OnBehalfRequest) -> tuple[AccountKind, str]:
    if request.id_type == "cccd":
        return AccountKind.PERSON, identity.citizen_id(request.id_number)
    if request.id_type == "tax_code":
        return AccountKind.ORGANISATION, identity.tax_code(request.id_number)
    raise InvalidInput(
        "Loại giấy tờ phải là cccd hoặc tax_code",
        "The ID type must be cccd or tax_code",
        code="invalid_id_type",
    )


def applicant_account(session: Session, kind: AccountKind, number: str, name: str) -> User:
    """The applicant's own account (found by CCCD or tax code), or their non-login record.

    The record has no password and is inactive, so nobody can log in with it; it carries no
    CCCD or e-mail of its own, so the applicant can still register an account later (their
    later dossiers then go to that account).
    """
    account = session.scalar(
        select(User)
        .where(User.id_number == number, User.kind != AccountKind.STAFF)
        .order_by(User.id)
    )
    if account is not None:
        return account
    login = f"applicant:{number}"
    record = session.scalar(select(User).where(User.login == login))
    if record is None:
        record = User(
            login=login,
            full_name=name.strip(),
            kind=kind,
            password_hash="!",  # noqa: S106 - not a hash: no password matches it
            is_active=False,
            created_at=utcnow(),
        )
        session.add(record)
        session.flush()
    return record


def _delegate(actor: Actor, applicant: User) -> Actor:
    """The client acting for the applicant: the use cases see the dossier's owner; the event
    log names the client (actor name, ``client_id``)."""
    return Actor(
        user_id=applicant.id,
        login=actor.login,
        full_name=actor.full_name,
        grants=frozenset({(Role.CITIZEN, None)}),
        client_id=actor.client_id,
        scopes=actor.scopes,
    )


def submit_on_behalf(
    session: Session,
    actor: Actor,
    store: FileStore,
    request: OnBehalfRequest,
    *,
    idempotency_key: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> tuple[Dossier, bool]:
    """Create and submit a dossier for an applicant; returns it and whether it is a replay
    (the same Idempotency-Key seen before: nothing new is created)."""
    actor.require_scope(SUBMIT_ON_BEHALF)
    client = acting_client(session, actor)
    key = (idempotency_key or "").strip() or None
    if key is not None and len(key) > 200:
        raise InvalidInput(
            "Idempotency-Key quá dài (tối đa 200 ký tự)",
            "The Idempotency-Key is too long (200 characters at most)",
        )
    digest = request.digest()
    if key is not None:
        seen = session.scalar(
            select(ClientSubmission).where(
                ClientSubmission.client_pk == client.id, ClientSubmission.idempotency_key == key
            )
        )
        if seen is not None:
            return _replay(session, seen, digest), True
    channel = CHANNELS.get(request.channel)
    if channel is None:
        raise InvalidInput(
            f"Kênh {request.channel} không được hỗ trợ",
            f"Channel {request.channel} is not supported",
            code="invalid_channel",
        )
    kind, number = _number(request)
    row = ClientSubmission(
        client_pk=client.id,
        channel=request.channel,
        idempotency_key=key,
        request_digest=digest,
        created_at=utcnow(),
    )
    try:
        with session.begin_nested():  # a concurrent twin holds the key: refuse, do not wait
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(
            "Yêu cầu với Idempotency-Key này đang được xử lý; hãy thử lại sau",
            "A request with this Idempotency-Key is in progress; retry later",
            code="idempotency_in_progress",
        ) from None
    delegate = _delegate(actor, applicant_account(session, kind, number, request.name))
    extra = {"representative": request.representative} if request.representative else {}
    dossier = create_draft(
        session,
        delegate,
        request.procedure,
        Applicant(
            name=request.name,
            id_number=number,
            phone=request.phone,
            email=request.email,
            address=request.address,
            extra={**extra, "channel": request.channel},
        ),
        channel=channel,
        agency_code=request.agency,
    )
    row.dossier_id = dossier.id
    by_position = {c.position: c for c in dossier.components}
    for item in request.components:
        component = by_position.get(item.position)
        if component is None:
            raise InvalidInput(
                f"Thủ tục không có thành phần số {item.position}",
                f"The procedure has no component {item.position}",
                code="unknown_component",
            )
        for filename, data in item.files:
            attach_file(
                session,
                delegate,
                store,
                dossier,
                component.id,
                filename=filename,
                content_type="application/octet-stream",
                data=data,
                max_bytes=max_bytes,
            )
        if item.state is not None:
            mark_component(
                session, delegate, dossier, component.id, ComponentState(item.state), item.note
            )
    submit_dossier(session, delegate, dossier)
    return dossier, False


def _replay(session: Session, seen: ClientSubmission, digest: str) -> Dossier:
    if seen.request_digest != digest:
        raise IdempotencyKeyReused(
            "Idempotency-Key này đã được dùng cho một yêu cầu khác",
            "This Idempotency-Key was used for a different request",
        )
    dossier = session.get(Dossier, seen.dossier_id) if seen.dossier_id else None
    if dossier is None:
        raise Conflict(
            "Yêu cầu với Idempotency-Key này đang được xử lý; hãy thử lại sau",
            "A request with this Idempotency-Key is in progress; retry later",
            code="idempotency_in_progress",
        )
    return dossier


# --- what a client may read ---------------------------------------------------------------


def may_see(
    session: Session,
    client: IntegrationClient,
    scopes: frozenset[str] | list[str],
    dossier: Dossier,
) -> bool:
    """A client sees the dossiers it submitted; with ``dossiers:read-agency`` also those its
    agency receives, holds or decides."""
    if READ_AGENCY in scopes and client.agency_id in (
        dossier.receiving_agency_id,
        dossier.holder_agency_id,
        dossier.competent_agency_id,
    ):
        return True
    return (
        session.scalar(
            select(ClientSubmission.id).where(
                ClientSubmission.client_pk == client.id, ClientSubmission.dossier_id == dossier.id
            )
        )
        is not None
    )


def _reader(session: Session, actor: Actor) -> IntegrationClient:
    if READ_AGENCY not in actor.scopes:
        actor.require_scope(READ)
    return acting_client(session, actor)


def client_dossiers(session: Session, actor: Actor, limit: int = 200) -> list[Dossier]:
    client = _reader(session, actor)
    own = select(ClientSubmission.dossier_id).where(ClientSubmission.client_pk == client.id)
    condition: ColumnElement[bool] = Dossier.id.in_(own)
    if READ_AGENCY in actor.scopes and client.agency_id is not None:
        condition = or_(
            condition,
            Dossier.receiving_agency_id == client.agency_id,
            Dossier.holder_agency_id == client.agency_id,
            Dossier.competent_agency_id == client.agency_id,
        )
    return list(
        session.scalars(select(Dossier).where(condition).order_by(Dossier.id.desc()).limit(limit))
    )


def client_dossier(session: Session, actor: Actor, dossier_id: int) -> Dossier:
    try:
        client = _reader(session, actor)
    except Forbidden:  # a route naming a dossier answers as if it did not exist (no oracle)
        raise NotFound("Không tìm thấy hồ sơ", "Dossier not found") from None
    dossier = session.get(Dossier, dossier_id)
    if dossier is None or not may_see(session, client, actor.scopes, dossier):
        raise NotFound("Không tìm thấy hồ sơ", "Dossier not found")
    return dossier


def submission_of(session: Session, dossier: Dossier) -> ClientSubmission | None:
    return session.scalar(select(ClientSubmission).where(ClientSubmission.dossier_id == dossier.id))
