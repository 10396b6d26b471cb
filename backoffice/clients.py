"""Administration of integration clients: register, disable, rotate the secret, read the audit
and the webhook delivery log, re-send a delivery. The same use cases as the API and the CLI."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from dossiers.actors import Actor
from dossiers.agencies import Agency
from dossiers.clients import operations as clients
from dossiers.clients.models import IntegrationClient
from dossiers.clients.scopes import SCOPES
from dossiers.errors import DomainError, NotFound
from dossiers.lifecycle import Role
from dossiers.webhooks import operations as webhooks
from dossiers.webhooks.models import WebhookDelivery, WebhookSubscription
from motcua.auth import current_actor
from motcua.database import get_session

bp = Blueprint("clients", __name__, url_prefix="/backoffice/admin/clients")


def _admin(naming: bool = False) -> Actor:
    actor = current_actor()
    if not actor.has(Role.ADMIN):
        abort(404 if naming else 403)
    return actor


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> str:
    actor, db = _admin(), get_session()
    created = None
    if request.method == "POST":
        try:
            client, secret = clients.register_client(
                db,
                actor,
                name=request.form.get("name", ""),
                agency_code=request.form.get("agency") or None,
                scopes=request.form.getlist("scopes"),
            )
            db.commit()
            created = {"client_id": client.client_id, "secret": secret, "name": client.name}
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
    agencies = {a.id: a for a in db.scalars(select(Agency))}
    return render_template(
        "backoffice/clients.html",
        clients=clients.list_clients(db, actor),
        agencies=agencies,
        scopes=SCOPES,
        created=created,
        form=request.form,
    )


def _client(client_id: str) -> tuple[Actor, object]:
    actor = _admin(naming=True)
    try:
        return actor, clients.get_client(get_session(), actor, client_id)
    except NotFound:
        abort(404)


@bp.get("/<client_id>")
@login_required
def client(client_id: str) -> str:
    actor, row = _client(client_id)
    db = get_session()
    subscriptions = db.scalars(
        select(WebhookSubscription)
        .where(WebhookSubscription.client_pk == row.id)
        .order_by(WebhookSubscription.id)
    ).all()
    recent = db.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id.in_([s.id for s in subscriptions]))
        .order_by(WebhookDelivery.id.desc())
        .limit(100)
    ).all()
    return render_template(
        "backoffice/client.html",
        client=row,
        audit=clients.audit_log(db, actor, row),
        scopes=SCOPES,
        subscriptions=subscriptions,
        deliveries=recent,
        attempts={d.id: webhooks.attempts(db, d) for d in recent},
    )


@bp.post("/<client_id>/active")
@login_required
def active(client_id: str) -> BaseResponse:
    actor, row = _client(client_id)
    db = get_session()
    clients.set_active(db, actor, row, request.form.get("active") == "1")
    db.commit()
    flash("Đã cập nhật trạng thái ứng dụng.", "info")
    return redirect(url_for("clients.client", client_id=client_id))


@bp.post("/<client_id>/secret")
@login_required
def secret(client_id: str) -> str:
    actor, row = _client(client_id)
    db = get_session()
    value = clients.rotate_secret(db, actor, row)
    db.commit()
    return render_template("backoffice/client_secret.html", client=row, secret=value)


@bp.post("/deliveries/<id:delivery_id>/resend")
@login_required
def resend(delivery_id: int) -> BaseResponse:
    actor = _admin(naming=True)
    db = get_session()
    try:
        delivery = webhooks.resend(db, actor, delivery_id)
    except NotFound:
        abort(404)
    subscription = db.get(WebhookSubscription, delivery.subscription_id)
    row = db.get(IntegrationClient, subscription.client_pk)  # type: ignore[union-attr]
    db.commit()
    flash("Đã xếp lịch gửi lại.", "info")
    return redirect(url_for("clients.client", client_id=row.client_id))  # type: ignore[union-attr]
