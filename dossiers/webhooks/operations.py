"""Subscribing to events, the delivery log, manual re-sends, and the hook that turns events
into deliveries.

The hook runs inside ``events.apply``: a delivery and its outbox row are written in the
transaction of the event, so an event that rolls back is never announced and one that commits
is never lost. Delivery itself (signing, retries, order) is in ``dossiers.webhooks.delivery``.
"""

import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers import events
from dossiers.actors import Actor
from dossiers.calendar import VN_TZ
from dossiers.clients.models import IntegrationClient
from dossiers.clients.on_behalf import may_see
from dossiers.clients.operations import acting_client, audit
from dossiers.clients.scopes import WEBHOOKS
from dossiers.errors import InvalidInput, NotFound
from dossiers.events import Event
from dossiers.lifecycle import APPLICANT_NOTIFIED, Kind, Role
from dossiers.outbox import enqueue
from dossiers.records import Dossier
from dossiers.webhooks.delivery import JOB
from dossiers.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

ALL = "*"


def _url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise InvalidInput(
            "Địa chỉ nhận sự kiện phải là URL http:// hoặc https://",
            "The webhook URL must be an http:// or https:// URL",
            code="bad_url",
        )
    return url


def _kinds(kinds: list[str]) -> list[str]:
    cleaned = sorted({k.strip() for k in kinds if k.strip()})
    known = {k.value for k in Kind} | {ALL}
    unknown = [k for k in cleaned if k not in known]
    if unknown or not cleaned:
        raise InvalidInput(
            f"Loại sự kiện không hợp lệ: {', '.join(unknown) or '(trống)'}",
            f"Unknown event kinds: {', '.join(unknown) or '(none)'}",
            code="invalid_kinds",
        )
    return cleaned


def subscribe(
    session: Session, actor: Actor, *, url: str, kinds: list[str]
) -> tuple[WebhookSubscription, str]:
    """Subscribe the acting client; returns the subscription and its signing secret (once)."""
    actor.require_scope(WEBHOOKS)
    client = acting_client(session, actor)
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = WebhookSubscription(
        client_pk=client.id, url=_url(url), kinds=_kinds(kinds), secret=secret
    )
    session.add(subscription)
    session.flush()
    return subscription, secret


def subscriptions(session: Session, actor: Actor) -> list[WebhookSubscription]:
    """The acting client's subscriptions; an administrator sees every client's."""
    query = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if actor.client_id is not None:
        actor.require_scope(WEBHOOKS)
        query = query.where(WebhookSubscription.client_pk == actor.client_id)
    else:
        actor.require(Role.ADMIN)
    return list(session.scalars(query))


def get_subscription(session: Session, actor: Actor, subscription_id: int) -> WebhookSubscription:
    """A subscription its own client, or an administrator, may see; 404 for anyone else."""
    subscription = session.get(WebhookSubscription, subscription_id)
    if actor.client_id is not None:
        actor.require_scope(WEBHOOKS)
        mine = subscription is not None and subscription.client_pk == actor.client_id
    else:
        mine = subscription is not None and (actor.has(Role.ADMIN) or actor.is_system)
    if subscription is None or not mine:
        raise NotFound("Không tìm thấy đăng ký nhận sự kiện", "Subscription not found")
    return subscription


def unsubscribe(session: Session, actor: Actor, subscription_id: int) -> WebhookSubscription:
    subscription = get_subscription(session, actor, subscription_id)
    subscription.is_active = False
    session.flush()
    _audit_staff(session, actor, subscription, "webhook_unsubscribed", url=subscription.url)
    return subscription


def _audit_staff(
    session: Session,
    actor: Actor,
    subscription: WebhookSubscription,
    action: str,
    **details: object,
) -> None:
    """What an administrator does to a client's webhooks goes in the client's audit log."""
    if actor.client_id is None:
        client = session.get(IntegrationClient, subscription.client_pk)
        if client is not None:
            audit(session, actor, client, action, subscription=subscription.id, **details)


def deliveries(
    session: Session, actor: Actor, subscription_id: int, limit: int = 200
) -> list[WebhookDelivery]:
    subscription = get_subscription(session, actor, subscription_id)
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == subscription.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def attempts(session: Session, delivery: WebhookDelivery) -> list[WebhookAttempt]:
    return list(
        session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery.id)
            .order_by(WebhookAttempt.id)
        )
    )


def get_delivery(session: Session, actor: Actor, delivery_id: int) -> WebhookDelivery:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound("Không tìm thấy lần gửi sự kiện", "Delivery not found")
    get_subscription(session, actor, delivery.subscription_id)  # 404 when not theirs
    return delivery


def resend(session: Session, actor: Actor, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again (failed for good, or asked for once more): it goes back in its
    place in the dossier's order, and later ones still wait for it."""
    delivery = get_delivery(session, actor, delivery_id)
    delivery.state, delivery.next_attempt_at = "pending", None
    session.flush()
    subscription = session.get(WebhookSubscription, delivery.subscription_id)
    if subscription is not None:
        _audit_staff(session, actor, subscription, "webhook_resent", delivery=delivery.id)
    enqueue(
        session,
        JOB,
        {"delivery_id": delivery.id},
        key=f"webhook:{delivery.id}:resend:{delivery.attempts}:{secrets.token_hex(4)}",
    )
    return delivery


# --- events become deliveries -------------------------------------------------------------


def body_for(dossier: Dossier, event: Event) -> str:
    """The JSON every subscriber gets for ``event``; staff-only reasons are left out."""
    kind = Kind(event.kind)
    data: dict[str, Any] = {
        "event": {
            "id": event.id,
            "kind": event.kind,
            "seq": event.seq,
            "at": event.at.astimezone(VN_TZ).isoformat(timespec="seconds"),
            "from_status": event.from_status,
            "to_status": event.to_status,
        },
        "dossier": {
            "id": dossier.id,
            "code": dossier.code,
            "status": dossier.status,
            "national_status": dossier.national_status,
            "procedure": dossier.procedure_version.code,
            "due_at": dossier.due_at.astimezone(VN_TZ).isoformat(timespec="seconds")
            if dossier.due_at
            else None,
        },
    }
    if kind in APPLICANT_NOTIFIED and event.reason:
        data["event"]["reason"] = event.reason
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def on_event(session: Session, dossier: Dossier, event: Event) -> None:
    """The ``events.apply`` hook: one delivery and outbox row per matching subscription."""
    rows = session.execute(
        select(WebhookSubscription, IntegrationClient)
        .join(IntegrationClient, IntegrationClient.id == WebhookSubscription.client_pk)
        .where(WebhookSubscription.is_active.is_(True), IntegrationClient.is_active.is_(True))
        .order_by(WebhookSubscription.id)
    ).all()
    body: str | None = None
    for subscription, client in rows:
        if ALL not in subscription.kinds and event.kind not in subscription.kinds:
            continue
        if WEBHOOKS not in client.scopes:
            continue
        acted = event.payload.get("client_id") == client.id
        if not (acted or may_see(session, client, client.scopes, dossier)):
            continue
        body = body or body_for(dossier, event)
        delivery = WebhookDelivery(
            subscription_id=subscription.id,
            dossier_id=dossier.id,
            event_id=event.id,
            event_seq=event.seq,
            kind=event.kind,
            body=body,
        )
        session.add(delivery)
        session.flush()
        enqueue(session, JOB, {"delivery_id": delivery.id}, key=f"webhook:{delivery.id}")


def install() -> None:
    """Called from create_app: hook the deliveries into ``events.apply`` (once)."""
    if on_event not in events.EVENT_HOOKS:
        events.EVENT_HOOKS.append(on_event)
