"""Delivering webhook events: signed POSTs, retried with backoff, in order per dossier.

Signature (Stripe's scheme, which receivers know how to check): the header
``Motcua-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``; a receiver
recomputes it over the raw body and refuses an old timestamp (replays). ``Motcua-Delivery``
names the delivery: a receiver that timed out on us may see it twice and drops the repeat.

Order: for one subscription and one dossier, a delivery is sent only once every earlier one is
delivered. The outbox row of a later event whose predecessor has not gone through does
nothing; the predecessor, once accepted, sends the ones waiting behind it. A failed attempt is
logged and a retry is written as a new outbox row due after an exponential backoff (the
sweeper picks it up), so the log of every attempt commits with it.
"""

import hashlib
import hmac
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.clients.models import IntegrationClient
from dossiers.db import utcnow
from dossiers.outbox import JobContext, OutboxMessage, handler
from dossiers.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

JOB = "webhook_deliver"
SIGNATURE_HEADER = "Motcua-Signature"


def sign(secret: str, timestamp: int, body: str) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def signature_header(secret: str, body: str, timestamp: int | None = None) -> str:
    stamp = int(time.time()) if timestamp is None else timestamp
    return f"t={stamp},v1={sign(secret, stamp, body)}"


def verify(
    secret: str, header: str, body: str, *, tolerance: int = 300, now: int | None = None
) -> bool:
    """What a receiver does with ``Motcua-Signature`` (shipped for receivers and tests)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((int(time.time()) if now is None else now) - stamp) > tolerance:
        return False
    return hmac.compare_digest(parts.get("v1", ""), sign(secret, stamp, body))


def _head(session: Session, delivery: WebhookDelivery) -> WebhookDelivery | None:
    """The earliest undelivered delivery of the same subscription and dossier, locked."""
    query = (
        select(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == delivery.subscription_id,
            WebhookDelivery.dossier_id == delivery.dossier_id,
            WebhookDelivery.state != "delivered",
        )
        .order_by(WebhookDelivery.event_seq, WebhookDelivery.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # a second worker on this queue waits for the first
    return session.scalar(query)


def _refused_address(url: str, allow_loopback: bool) -> str:
    """Why we will not POST there: a client must not make us call ourselves or the cloud
    metadata service (loopback, link-local, unspecified). Private networks stay allowed:
    agencies' receivers often live on them (LGSP)."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        return f"cannot resolve {host}: {error}"[:500]
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if (
            address.is_link_local
            or address.is_unspecified
            or address.is_multicast
            or (address.is_loopback and not allow_loopback)
        ):
            return f"address not allowed: {address}"
    return ""


def _post(
    url: str, body: str, headers: dict[str, str], timeout: float, allow_loopback: bool = False
) -> tuple[int | None, str]:
    """POST once; returns (status code or None, error text or "")."""
    refused = _refused_address(url, allow_loopback)
    if refused:
        return None, refused
    request = urllib.request.Request(  # noqa: S310 - the URL was checked to be http(s)
        url, data=body.encode(), method="POST", headers=headers
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (OSError, ValueError) as error:  # refused, reset, timed out, bad address
        return None, f"{type(error).__name__}: {error}"[:500]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure to deliver: we never re-send a signed body somewhere else."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _attempt(
    session: Session,
    subscription: WebhookSubscription,
    delivery: WebhookDelivery,
    settings: dict[str, Any],
) -> bool:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Motcua-Webhooks/1",
        SIGNATURE_HEADER: signature_header(subscription.secret, delivery.body),
        "Motcua-Delivery": str(delivery.id),
        "Motcua-Event": delivery.kind,
    }
    timeout = float(settings.get("MOTCUA_WEBHOOK_TIMEOUT") or 10)
    status, error = _post(
        subscription.url,
        delivery.body,
        headers,
        timeout,
        bool(settings.get("MOTCUA_WEBHOOK_ALLOW_LOOPBACK")),
    )
    ok = status is not None and 200 <= status < 300
    now = utcnow()
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = status, None if ok else error
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id, at=now, status_code=status, error=None if ok else error, ok=ok
        )
    )
    if ok:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
    session.flush()
    return ok


def _retry_later(session: Session, delivery: WebhookDelivery, settings: dict[str, Any]) -> None:
    limit = int(settings.get("MOTCUA_WEBHOOK_MAX_ATTEMPTS") or 10)
    if delivery.attempts >= limit:
        delivery.state, delivery.next_attempt_at = "failed", None  # a person re-sends it
        session.flush()
        return
    base = float(settings.get("MOTCUA_WEBHOOK_RETRY_SECONDS") or 30)
    delay = min(base * 2 ** (delivery.attempts - 1), 6 * 3600)
    delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
    # Not through ``enqueue``: that would dispatch it right after this commit; the sweeper
    # runs it once due.
    session.add(
        OutboxMessage(
            job=JOB,
            payload={"delivery_id": delivery.id},
            key=f"webhook:{delivery.id}:retry:{delivery.attempts}",
            run_after=delivery.next_attempt_at,
        )
    )
    session.flush()


@handler(JOB)
def deliver(session: Session, payload: dict[str, Any], ctx: JobContext) -> None:
    delivery = session.get(WebhookDelivery, int(payload["delivery_id"]))
    if delivery is None or delivery.state == "delivered":
        return
    # PostgreSQL: a head that changed while we waited for its lock reads as no row; look again.
    head = _head(session, delivery) or _head(session, delivery)
    if head is None or head.id != delivery.id:
        return  # delivered meanwhile, or waits for an earlier one, which sends it when through
    subscription = session.get(WebhookSubscription, delivery.subscription_id)
    client = session.get(IntegrationClient, subscription.client_pk) if subscription else None
    if subscription is None or not subscription.is_active or client is None or not client.is_active:
        return  # unsubscribed or disabled: the delivery stays pending in the log
    current: WebhookDelivery | None = head
    while current is not None:
        if not _attempt(session, subscription, current, ctx.settings):
            _retry_later(session, current, ctx.settings)
            return
        current = _head(session, current)
