"""Signing in the back office (Đ12.3, Phụ lục II): the leader reads every page of the result
they are about to sign (the officer's draft, or the filled template: dossiers.result_drafts),
signs exactly that, cancels an issued result with a reason (NĐ 45 Art. 15), and uploads their
signature image and the agency's seal. Views are thin over dossiers.results."""

import hashlib
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from dossiers import events
from dossiers.agencies import Agency
from dossiers.errors import DomainError
from dossiers.lifecycle import STATUS_LABELS, Role, Status
from dossiers.pdf.preview import MAX_PAGES, page_count, render_page
from dossiers.records import Dossier, DossierFile, FileKind, get_dossier
from dossiers.register import SigningImage
from dossiers.results import (
    cancel_result,
    current_result,
    issue_result,
    result_candidate,
    upload_seal_image,
    upload_signature_image,
)
from dossiers.signing.result import find_placement
from motcua.auth import current_actor
from motcua.database import get_session
from motcua.files import send_stored, store
from motcua.keyring import signing

bp = Blueprint("signing", __name__, url_prefix="/backoffice/signing")
MAX_PNG = 2 * 1024 * 1024
PREVIEW_SECONDS = 4 * 3600  # a preview link outlives a long read, not a working day


def _leader_agencies() -> frozenset[int]:
    agencies = current_actor().agencies(Role.LEADER)
    if not agencies:
        abort(403)
    return agencies


@bp.get("/")
@login_required
def queue() -> str:
    """Dossiers approved and awaiting signature, and results this leader's agencies issued."""
    agencies = _leader_agencies()
    db = get_session()
    mine = or_(Dossier.holder_agency_id.in_(agencies), Dossier.competent_agency_id.in_(agencies))
    waiting = db.scalars(
        select(Dossier).where(mine, Dossier.status == Status.APPROVED).order_by(Dossier.id)
    ).all()
    issued = db.scalars(
        select(Dossier)
        .where(
            mine,
            Dossier.status.in_([Status.RESULT_READY, Status.RETURNED, Status.RESULT_CANCELLED]),
        )
        .order_by(Dossier.id.desc())
        .limit(100)
    ).all()
    return render_template(
        "backoffice/signing_queue.html",
        waiting=waiting,
        issued=issued,
        labels=STATUS_LABELS,
        Status=Status,
    )


def _viewable(dossier_id: int) -> Dossier:
    """The dossier (404 for whoever may not see it, as every route naming one), then leaders
    only."""
    db, actor = get_session(), current_actor()
    record = get_dossier(db, dossier_id)
    events.require_view(db, actor, record)
    _leader_agencies()
    return record


def _preview_token(dossier_id: int, sha256: str) -> str:
    return _tokens().dumps([dossier_id, sha256])


def _tokens() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="result-preview")


def _previewed(dossier_id: int) -> bytes:
    """The candidate bytes the page showed this leader (bound to the dossier by a token)."""
    try:
        bound, sha256 = _tokens().loads(request.args.get("t", ""), max_age=PREVIEW_SECONDS)
    except BadSignature:
        abort(404)
    if bound != dossier_id:
        abort(404)
    try:
        return store().read(str(sha256))
    except DomainError:  # collected since: the page is reloaded for a fresh candidate
        abort(404)


def _candidate_view(record: Dossier) -> dict[str, Any]:
    """The candidate and its preview for the page, or why there is none."""
    db, actor = get_session(), current_actor()
    try:
        found = result_candidate(db, signing(), record, actor)
        pages = page_count(found.pdf)
    except DomainError as error:
        return {"problem": error.message}
    store().put(found.pdf)  # the preview reads it back by hash; unreferenced, it is collected
    view: dict[str, Any] = {
        "c": found,
        "pages": pages,
        "shown": min(pages, MAX_PAGES),
        "token": _preview_token(record.id, found.sha256),
    }
    try:
        find_placement(found.pdf, actor.full_name)
    except DomainError as error:
        view["placement_problem"] = error.message
    return view


@bp.get("/<id:dossier_id>")
@login_required
def dossier(dossier_id: int) -> str:
    db = get_session()
    record = _viewable(dossier_id)
    results = [f for f in record.files if f.kind == FileKind.RESULT]
    can_sign = record.status == Status.APPROVED
    return render_template(
        "backoffice/signing_dossier.html",
        d=record,
        results=results,
        issued=current_result(db, record),
        status=STATUS_LABELS[Status(record.status)][0],
        can_sign=can_sign,
        preview=_candidate_view(record) if can_sign else None,
        can_cancel=record.status in (Status.RESULT_READY, Status.RETURNED),
    )


@bp.get("/<id:dossier_id>/preview/<int:page>.png")
@login_required
def preview_page(dossier_id: int, page: int) -> Response:
    """One page of the candidate, drawn on the server (the leader reads before signing)."""
    _viewable(dossier_id)
    pdf = _previewed(dossier_id)
    try:
        png = render_page(pdf, page)
    except DomainError:
        abort(404)
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=600"
    return response


@bp.get("/<id:dossier_id>/candidate.pdf")
@login_required
def candidate_pdf(dossier_id: int) -> Response:
    """The exact bytes the signature will be placed on."""
    _viewable(dossier_id)
    pdf = _previewed(dossier_id)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'attachment; filename="du-thao-ket-qua.pdf"'
    response.headers["X-Content-SHA256"] = hashlib.sha256(pdf).hexdigest()
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<id:dossier_id>/issue")
@login_required
def issue(dossier_id: int) -> Response | tuple[str, int]:
    """Sign the candidate the leader saw: its SHA-256 comes back with the form."""
    db, actor = get_session(), current_actor()
    record = _viewable(dossier_id)
    try:
        issue_result(db, signing(), record, actor, seen_sha256=request.form.get("sha256"))
        db.commit()
        flash("Đã ký số và ban hành kết quả. / The result is signed and issued.", "info")
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
        if error.status == 409:  # changed since the preview: show the new one, sign nothing
            return dossier(dossier_id), 409
    return redirect(url_for("signing.dossier", dossier_id=dossier_id))


@bp.post("/<id:dossier_id>/cancel")
@login_required
def cancel(dossier_id: int) -> Response:
    db, actor = get_session(), current_actor()
    record = _viewable(dossier_id)
    try:
        cancel_result(db, record, actor, request.form.get("reason", ""))
        db.commit()
        flash(
            "Đã hủy hiệu lực kết quả; người nộp đã được thông báo. / The result is cancelled.",
            "info",
        )
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
    return redirect(url_for("signing.dossier", dossier_id=dossier_id))


@bp.get("/<id:dossier_id>/files/<int:file_id>")
@login_required
def result_file(dossier_id: int, file_id: int) -> Response:
    """The signed file, for the leader to read (the desk prints it from its own page)."""
    db = get_session()
    record = _viewable(dossier_id)
    stored = db.get(DossierFile, file_id)
    if stored is None or stored.dossier_id != record.id:
        abort(404)
    return send_stored(stored, inline=request.args.get("inline") == "1")


@bp.route("/images", methods=["GET", "POST"])
@login_required
def images() -> str | Response:
    agencies = _leader_agencies()
    db, actor = get_session(), current_actor()
    if request.method == "POST":
        upload = request.files.get("png")
        data = upload.stream.read(MAX_PNG + 1) if upload and upload.filename else b""
        try:
            if not data or len(data) > MAX_PNG:
                raise DomainError(
                    "Hãy chọn một tệp PNG (tối đa 2 MB)", "Choose a PNG file (at most 2 MB)"
                )
            if request.form.get("what") == "seal":
                agency = db.get(Agency, request.form.get("agency_id", type=int) or 0)
                if agency is None or agency.id not in agencies:
                    abort(404)
                upload_seal_image(db, store(), actor, agency, data)
            else:
                upload_signature_image(db, store(), actor, data)
            db.commit()
            flash("Đã lưu ảnh. / Image saved.", "info")
            return redirect(url_for("signing.images"))
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
    mine = db.scalars(select(Agency).where(Agency.id.in_(agencies))).all()
    owners = [f"user:{actor.login}"] + [f"agency:{a.code}" for a in mine]
    saved: dict[str, Any] = {
        i.owner: i for i in db.scalars(select(SigningImage).where(SigningImage.owner.in_(owners)))
    }
    return render_template(
        "backoffice/signing_images.html", saved=saved, me=actor.login, agencies=mine
    )
