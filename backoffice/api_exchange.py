"""Exchange between installations in the JSON API.

``POST /api/v1/exchange/messages`` is what a peer calls: authenticated by the token an
administrator issued to that peer (not a user token), multipart with the signed edXML envelope,
its detached signature, the signer's certificate and the files named by content id. The answer
is always a signed receipt: 200 received (also for a message id already received: the same
receipt, nothing stored twice), 422 refused with the reason. The other routes are the officers'
verbs on a dossier and the administrator's log.
"""

import base64
import binascii
from typing import Any

from flask import Response, abort, current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.access import STAFF, visible_dossier
from backoffice.exchange import edxml_download
from dossiers import exchange
from dossiers.errors import InvalidInput, Unauthenticated
from dossiers.exchange.models import ExchangeMessage, Peer
from dossiers.exchange.operations import messages as message_log
from dossiers.exchange.operations import peer_for_token
from dossiers.exchange.receive import Delivery, receive
from dossiers.exchange.send import signer_from
from dossiers.lifecycle import Role
from dossiers.records import Dossier
from motcua.api import require_user
from motcua.database import get_session
from motcua.files import store

bp = Blueprint(
    "exchange_api",
    __name__,
    url_prefix="/api/v1/exchange",
    description="Liên thông giữa các hệ thống / exchange between installations",
)


def message_dict(row: ExchangeMessage) -> dict[str, Any]:
    return {
        "id": row.id,
        "message_id": row.message_id,
        "direction": row.direction,
        "kind": row.kind,
        "state": row.state,
        "reason": row.reason,
        "peer": row.peer.name if row.peer else None,
        "dossier_id": row.dossier_id,
        "from_agency": row.from_agency,
        "to_agency": row.to_agency,
        "remote_dossier_code": row.remote_dossier_code,
        "status_code": row.status_code,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "created_at": row.created_at.isoformat(),
        "done_at": row.done_at.isoformat() if row.done_at else None,
    }


def _peer() -> Peer:
    header = request.headers.get("Authorization", "")
    peer = (
        peer_for_token(get_session(), header[7:].strip()) if header.startswith("Bearer ") else None
    )
    if peer is None:
        raise Unauthenticated("Token liên thông không hợp lệ", "Invalid exchange token")
    return peer


@bp.route("/messages")
class Messages(MethodView):
    @bp.response(200)
    @bp.doc(security=[{"bearerAuth": []}])
    def post(self) -> Response:
        """Receive a signed message from a peer / Nhận thông điệp liên thông"""
        peer = _peer()
        envelope = request.files.get("envelope")
        try:
            signature = base64.b64decode(request.form.get("signature", ""), validate=True)
        except (binascii.Error, ValueError):
            signature = b""
        if envelope is None or not signature:
            raise InvalidInput("Thiếu phong bì hoặc chữ ký", "Envelope or signature missing")
        parts = {name: f.read() for name, f in request.files.items() if name != "envelope"}
        delivery = Delivery(
            envelope=envelope.read(),
            signature=signature,
            certificate=request.form.get("certificate", ""),
            parts=parts,
        )
        signer = signer_from(current_app.config)
        db = get_session()
        for _ in range(2):
            answer = receive(db, store(), signer, peer, delivery)
            try:
                db.commit()
                break
            except IntegrityError:  # the same message delivered twice at once: one wins
                db.rollback()
        return jsonify(answer.as_dict()), answer.status  # type: ignore[return-value]

    @bp.response(200)
    @bp.doc(security=[{"bearerAuth": []}])
    def get(self) -> list[dict[str, Any]]:
        """The log of every message in and out (administrators)"""
        actor = require_user()
        if not actor.has(Role.ADMIN):
            abort(403)
        return [message_dict(m) for m in message_log(get_session())]


def _done(db: Session, dossier: Dossier, row: ExchangeMessage) -> dict[str, Any]:
    db.commit()  # without Redis the message is delivered right after this commit
    db.refresh(row)
    db.refresh(dossier)
    return {
        "dossier": {"id": dossier.id, "code": dossier.code, "status": dossier.status},
        "message": message_dict(row),
    }


# Fields are checked by the domain after the dossier is found, so a route naming someone
# else's dossier answers 404 whatever the body (no existence oracle).
class SendArgs(Schema):
    peer = fields.String(load_default="", validate=validate.Length(max=200))
    agency = fields.String(load_default="", validate=validate.Length(max=35))
    note = fields.String(load_default="", validate=validate.Length(max=4000))


class NoteArgs(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=4000))


class ReasonArgs(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=4000))


@bp.route("/dossiers/<id:dossier_id>/send")
class Send(MethodView):
    @bp.arguments(SendArgs)
    @bp.response(200)
    @bp.doc(security=[{"bearerAuth": []}])
    def post(self, args: dict[str, Any], dossier_id: int) -> dict[str, Any]:
        """Send the dossier to an agency of another installation / Chuyển liên thông"""
        db, actor, dossier = visible_dossier(dossier_id)
        peer = exchange.get_peer(db, args["peer"])
        row = exchange.send_dossier(db, dossier, actor, peer, args["agency"], args["note"])
        return _done(db, dossier, row)


@bp.route("/dossiers/<id:dossier_id>/accept")
class Accept(MethodView):
    @bp.arguments(NoteArgs)
    @bp.response(200)
    @bp.doc(security=[{"bearerAuth": []}])
    def post(self, args: dict[str, Any], dossier_id: int) -> dict[str, Any]:
        """Accept a dossier another installation sent / Nhận hồ sơ liên thông"""
        db, actor, dossier = visible_dossier(dossier_id)
        return _done(db, dossier, exchange.accept(db, dossier, actor, args["note"]))


@bp.route("/dossiers/<id:dossier_id>/reject")
class Reject(MethodView):
    @bp.arguments(ReasonArgs)
    @bp.response(200)
    @bp.doc(security=[{"bearerAuth": []}])
    def post(self, args: dict[str, Any], dossier_id: int) -> dict[str, Any]:
        """Send it back with the reason / Trả lại hồ sơ liên thông"""
        db, actor, dossier = visible_dossier(dossier_id)
        return _done(db, dossier, exchange.reject(db, dossier, actor, args["reason"]))


@bp.route("/dossiers/<id:dossier_id>/complete")
class Complete(MethodView):
    @bp.response(200)
    @bp.doc(security=[{"bearerAuth": []}])
    def post(self, dossier_id: int) -> dict[str, Any]:
        """Return the result (multipart: files, note) / Trả kết quả liên thông"""
        db, actor, dossier = visible_dossier(dossier_id)
        uploads = [
            exchange.Upload(
                f.filename or "ket-qua", f.read(), f.mimetype or "application/octet-stream"
            )
            for f in request.files.getlist("files")
        ]
        row = exchange.complete(
            db, dossier, actor, store(), uploads, request.form.get("note", "")[:4000]
        )
        return _done(db, dossier, row)


@bp.route("/dossiers/<id:dossier_id>/messages")
class DossierMessages(MethodView):
    @bp.response(200)
    @bp.doc(security=[{"bearerAuth": []}])
    def get(self, dossier_id: int) -> list[dict[str, Any]]:
        """Messages about this dossier"""
        db, _actor, dossier = visible_dossier(dossier_id)
        return [message_dict(m) for m in message_log(db, dossier_id=dossier.id)]


@bp.route("/dossiers/<id:dossier_id>/edxml")
class Export(MethodView):
    @bp.response(200, content_type="application/xml")
    @bp.doc(security=[{"bearerAuth": []}])
    def get(self, dossier_id: int) -> Response:
        """The documents the dossier carries as one edXML document"""
        db, actor, dossier = visible_dossier(dossier_id, STAFF)
        return edxml_download(dossier, exchange.export_edxml(db, dossier, actor, store()))
