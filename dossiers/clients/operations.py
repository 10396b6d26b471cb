"""Registering and administering integration clients, and turning their tokens into actors.

An administrator registers a client with a name, an agency and scopes; the client gets an id
and a secret (shown once, stored hashed) and trades them for short-lived bearer tokens (OAuth 2
client credentials, RFC 6749 §4.4, served by the shell with Authlib). A token's actor carries
the client and its scopes; use cases check scopes with ``Actor.require_scope``. Every change an
administrator makes to a client is an audit event (who, when, what).
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.agencies import get_by_code
from dossiers.clients.models import ClientAuditEvent, ClientToken, IntegrationClient
from dossiers.clients.scopes import DESK, READ_AGENCY, SCOPES
from dossiers.db import utcnow
from dossiers.errors import InvalidInput, NotFound
from dossiers.lifecycle import Role

TOKEN_PREFIX = "mct_"  # noqa: S105 - a prefix, not a secret


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _scopes(scopes: list[str]) -> list[str]:
    cleaned = sorted({s.strip() for s in scopes if s.strip()})
    unknown = [s for s in cleaned if s not in SCOPES]
    if unknown:
        raise InvalidInput(
            f"Phạm vi không hợp lệ: {', '.join(unknown)}",
            f"Unknown scopes: {', '.join(unknown)}",
            code="invalid_scope",
        )
    if not cleaned:
        raise InvalidInput(
            "Cần ít nhất một phạm vi", "At least one scope is required", code="invalid_scope"
        )
    return cleaned


def audit(
    session: Session, actor: Actor, client: IntegrationClient, action: str, **details: object
) -> None:
    session.add(
        ClientAuditEvent(
            client_pk=client.id,
            action=action,
            at=utcnow(),
            actor_user_id=actor.user_id,
            actor_name=actor.full_name or actor.login,
            details=details,
        )
    )
    session.flush()


def register_client(
    session: Session, actor: Actor, *, name: str, agency_code: str | None, scopes: list[str]
) -> tuple[IntegrationClient, str]:
    """Register a client; returns it and its secret, which is never shown again."""
    actor.require(Role.ADMIN)
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput(
            "Cần đặt tên (tối đa 200 ký tự) cho ứng dụng tích hợp",
            "The client needs a name (at most 200 characters)",
            code="name_required",
        )
    cleaned = _scopes(scopes)
    agency = get_by_code(session, agency_code) if agency_code else None
    if agency is None and ({DESK, READ_AGENCY} & set(cleaned)):
        raise InvalidInput(
            "Phạm vi của cơ quan cần gắn ứng dụng với một cơ quan",
            "Agency scopes need the client to belong to an agency",
            code="agency_required",
        )
    secret = "mcs_" + secrets.token_urlsafe(32)
    client = IntegrationClient(
        client_id="mcc_" + secrets.token_urlsafe(12),
        secret_hash=_digest(secret),
        name=name,
        agency_id=agency.id if agency else None,
        scopes=cleaned,
        created_at=utcnow(),
    )
    session.add(client)
    session.flush()
    audit(
        session,
        actor,
        client,
        "registered",
        name=name,
        scopes=cleaned,
        agency=agency.code if agency else None,
    )
    return client, secret


def list_clients(session: Session, actor: Actor) -> list[IntegrationClient]:
    actor.require(Role.ADMIN)
    return list(session.scalars(select(IntegrationClient).order_by(IntegrationClient.id)))


def get_client(session: Session, actor: Actor, client_id: str) -> IntegrationClient:
    actor.require(Role.ADMIN)
    client = session.scalar(
        select(IntegrationClient).where(IntegrationClient.client_id == client_id.strip())
    )
    if client is None:
        raise NotFound(
            f"Không tìm thấy ứng dụng tích hợp {client_id}",
            f"Integration client {client_id} not found",
        )
    return client


def _revoke_tokens(session: Session, client: IntegrationClient, when: datetime) -> None:
    session.execute(
        update(ClientToken)
        .where(ClientToken.client_pk == client.id, ClientToken.revoked_at.is_(None))
        .values(revoked_at=when)
    )


def set_active(
    session: Session, actor: Actor, client: IntegrationClient, active: bool
) -> IntegrationClient:
    """Disable (its tokens stop working at once) or enable a client."""
    actor.require(Role.ADMIN)
    if client.is_active == active:
        return client
    now = utcnow()
    client.is_active, client.disabled_at = active, None if active else now
    if not active:
        _revoke_tokens(session, client, now)
    session.flush()
    audit(session, actor, client, "enabled" if active else "disabled")
    return client


def rotate_secret(session: Session, actor: Actor, client: IntegrationClient) -> str:
    """A new secret; the old one and every token issued with it stop working."""
    actor.require(Role.ADMIN)
    secret = "mcs_" + secrets.token_urlsafe(32)
    now = utcnow()
    client.secret_hash, client.secret_rotated_at = _digest(secret), now
    _revoke_tokens(session, client, now)
    session.flush()
    audit(session, actor, client, "secret_rotated")
    return secret


def audit_log(session: Session, actor: Actor, client: IntegrationClient) -> list[ClientAuditEvent]:
    actor.require(Role.ADMIN)
    return list(
        session.scalars(
            select(ClientAuditEvent)
            .where(ClientAuditEvent.client_pk == client.id)
            .order_by(ClientAuditEvent.id)
        )
    )


# --- credentials and tokens (called by the OAuth 2 token endpoint) --------------------------


def active_client(session: Session, client_id: str) -> IntegrationClient | None:
    client = session.scalar(
        select(IntegrationClient).where(IntegrationClient.client_id == (client_id or "").strip())
    )
    return client if client is not None and client.is_active else None


def check_secret(client: IntegrationClient, secret: str) -> bool:
    return hmac.compare_digest(client.secret_hash, _digest(secret or ""))


def allowed_scopes(client: IntegrationClient, requested: str | None) -> list[str] | None:
    """The token's scopes: all the client's when none are asked for, else exactly those asked
    (RFC 6749 §3.3); None when one asked for is not the client's (invalid_scope)."""
    if not requested or not requested.strip():
        return list(client.scopes)
    wanted = sorted(set(requested.split()))
    return wanted if set(wanted) <= set(client.scopes) else None


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def save_token(
    session: Session, client: IntegrationClient, token: str, scopes: list[str], expires_in: int
) -> ClientToken:
    now = utcnow()
    # Tokens long expired are of no use, not even to the audit (which records admin actions):
    # a client that asks for a token per request must not grow the table without end.
    session.execute(
        delete(ClientToken).where(
            ClientToken.client_pk == client.id, ClientToken.expires_at < now - timedelta(days=1)
        )
    )
    row = ClientToken(
        client_pk=client.id,
        token_hash=_digest(token),
        scopes=scopes,
        issued_at=now,
        expires_at=now + timedelta(seconds=expires_in),
    )
    session.add(row)
    session.flush()
    return row


def client_actor(client: IntegrationClient, scopes: list[str] | frozenset[str]) -> Actor:
    """The actor of a client's token. ``desk:*`` makes it a reception desk of its agency, so
    the desk's use cases check it like a clerk; other scopes are checked by the use cases."""
    grants: set[tuple[Role, int | None]] = set()
    if DESK in scopes and client.agency_id is not None:
        grants.add((Role.RECEPTION, client.agency_id))
    return Actor(
        user_id=None,
        login=f"client:{client.client_id}",
        full_name=client.name,
        grants=frozenset(grants),
        client_id=client.id,
        scopes=frozenset(scopes),
    )


def actor_for_token(session: Session, token: str, now: datetime | None = None) -> Actor | None:
    row = session.scalar(select(ClientToken).where(ClientToken.token_hash == _digest(token)))
    when = now or utcnow()
    if (
        row is None
        or row.revoked_at is not None
        or row.expires_at <= when
        or not row.client.is_active
    ):
        return None
    return client_actor(row.client, row.scopes)


def acting_client(session: Session, actor: Actor) -> IntegrationClient:
    if actor.client_id is None:
        raise NotFound("Không tìm thấy ứng dụng tích hợp", "Integration client not found")
    client = session.get(IntegrationClient, actor.client_id)
    if client is None or not client.is_active:
        raise NotFound("Không tìm thấy ứng dụng tích hợp", "Integration client not found")
    return client
