"""Administration of the exchange between installations: peers, the message log, edXML export.

Administrators register peers (base URL, agency identifiers, certificates, tokens) and see every
message in and out with its state; staff who may see a dossier can download its edXML.
"""

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from dossiers import exchange
from dossiers.actors import Actor
from dossiers.errors import DomainError
from dossiers.exchange import keys
from dossiers.exchange.models import ExchangeMessage, Peer
from dossiers.exchange.operations import messages, new_inbound_token
from dossiers.exchange.send import retry, signer_from
from dossiers.lifecycle import Role
from dossiers.records import Dossier, get_dossier
from motcua.auth import current_actor
from motcua.database import get_session
from motcua.files import content_disposition, store

bp = Blueprint("exchange", __name__, url_prefix="/backoffice/exchange")


def _admin(naming: bool = False) -> Actor:
    actor = current_actor()
    if not actor.has(Role.ADMIN):
        abort(404 if naming else 403)  # a route naming a peer or message: no oracle
    return actor


def _own_certificate() -> dict[str, str] | None:
    try:
        signer = signer_from(current_app.config)
    except DomainError:
        return None
    return {**keys.describe(signer.certificate_pem), "pem": signer.certificate_pem}


@bp.get("/")
@login_required
def index() -> str:
    _admin()
    db = get_session()
    return render_template(
        "backoffice/exchange_index.html",
        peers=exchange.list_peers(db),
        messages=messages(db),
        own=_own_certificate(),
    )


def _codes(text: str) -> list[str]:
    return [c for c in text.replace(",", "\n").split() if c]


@bp.route("/peers/new", methods=["GET", "POST"])
@login_required
def peer_new() -> str | BaseResponse:
    actor = _admin()
    form: dict[str, Any] = dict(request.form)
    if request.method == "POST":
        db = get_session()
        try:
            peer, token = exchange.add_peer(
                db,
                actor,
                name=form.get("name", ""),
                base_url=form.get("base_url", ""),
                agency_codes=_codes(form.get("agency_codes", "")),
                certificates=form.get("certificates", ""),
                outbound_token=form.get("outbound_token") or None,
            )
            db.commit()
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
        else:
            return render_template("backoffice/exchange_token.html", peer=peer, token=token)
    return render_template("backoffice/exchange_peer.html", peer=None, form=form)


@bp.route("/peers/<id:peer_id>", methods=["GET", "POST"])
@login_required
def peer_edit(peer_id: int) -> str | BaseResponse:
    actor = _admin(naming=True)
    db = get_session()
    peer = db.get(Peer, peer_id) or abort(404)
    if request.method == "POST":
        form = request.form
        try:
            if form.get("action") == "token":
                token = new_inbound_token(db, actor, peer)
                db.commit()
                return render_template("backoffice/exchange_token.html", peer=peer, token=token)
            exchange.update_peer(
                db,
                actor,
                peer,
                base_url=form.get("base_url", ""),
                agency_codes=_codes(form.get("agency_codes", "")),
                certificates=form.get("certificates", ""),
                outbound_token=form.get("outbound_token", ""),
                is_active=form.get("is_active") == "y",
            )
            db.commit()
            flash("Đã lưu. / Saved.", "info")
            return redirect(url_for("exchange.index"))
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
    certificates = [keys.describe(p) for p in keys.split_pem(peer.certificates)]
    return render_template(
        "backoffice/exchange_peer.html",
        peer=peer,
        form={
            "name": peer.name,
            "base_url": peer.base_url,
            "agency_codes": "\n".join(peer.agency_codes),
            "is_active": peer.is_active,
        },
        certificates=certificates,
    )


@bp.get("/messages/<id:message_id>")
@login_required
def message(message_id: int) -> str:
    _admin(naming=True)
    row = get_session().get(ExchangeMessage, message_id) or abort(404)
    return render_template("backoffice/exchange_message.html", m=row)


@bp.post("/messages/<id:message_id>/retry")
@login_required
def message_retry(message_id: int) -> BaseResponse:
    _admin(naming=True)
    db = get_session()
    row = db.get(ExchangeMessage, message_id) or abort(404)
    if retry(db, row) is None:
        flash("Thông điệp không còn chờ gửi. / Nothing to resend.", "error")
    else:
        db.commit()  # dispatched after the commit (inline, or to the RQ workers)
        flash("Đã gửi lại. / Resent.", "info")
    return redirect(url_for("exchange.message", message_id=message_id))


@bp.get("/dossiers/<id:dossier_id>/edxml")
@login_required
def edxml(dossier_id: int) -> Response:
    db = get_session()
    try:
        dossier = get_dossier(db, dossier_id)
        data = exchange.export_edxml(db, dossier, current_actor(), store())
    except DomainError:  # not theirs to see, or not staff: the same 404 (no oracle)
        abort(404)
    return edxml_download(dossier, data)


def edxml_download(dossier: Dossier, data: bytes) -> Response:
    response = Response(data, mimetype="application/xml")
    # a code received from another installation is not trusted to keep the header whole
    response.headers["Content-Disposition"] = content_disposition(
        f"{dossier.code or dossier.id}.edxml"
    )
    return response
