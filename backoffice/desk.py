"""The reception desk (Bộ phận Tiếp nhận và Trả kết quả): queue, counter intake, decisions.

Each view parses the form, calls one domain function and redirects; the domain checks who may
act on which dossier.
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
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from backoffice.access import DESK, visible_dossier
from dossiers import events
from dossiers.actors import Actor
from dossiers.calendar import VN_TZ
from dossiers.catalogue import search
from dossiers.db import utcnow
from dossiers.errors import DomainError
from dossiers.exchange import operations as exchange
from dossiers.intake import Applicant, attach_file, create_draft, mark_component, receive_at_counter
from dossiers.lifecycle import Audience, Role, Status
from dossiers.records import Channel, ComponentState, Dossier, FileKind
from dossiers.review import accept_dossier, compare_originals, refuse_dossier, request_supplement
from motcua.auth import current_actor
from motcua.database import get_session
from motcua.files import printer, send_stored, store
from motcua.presenters import dossier_detail

bp = Blueprint("desk", __name__, url_prefix="/backoffice/desk")


def _clerk() -> Actor:
    actor = current_actor()
    if not actor.agencies(Role.RECEPTION):
        abort(403)
    return actor


def _done(db: Any, message: str, dossier: Dossier) -> BaseResponse:
    db.commit()
    flash(message, "info")
    return redirect(url_for("desk.dossier", dossier_id=dossier.id))


def _failed(db: Any, error: DomainError, dossier_id: int) -> BaseResponse:
    db.rollback()
    flash(error.message, "error")
    return redirect(url_for("desk.dossier", dossier_id=dossier_id))


@bp.get("/")
@login_required
def queue() -> str:
    """Online dossiers waiting for the desk's check, oldest first (NĐ 45 Art. 11)."""
    db, actor = get_session(), _clerk()
    rows = db.scalars(
        select(Dossier)
        .where(
            Dossier.receiving_agency_id.in_(actor.agencies(Role.RECEPTION)),
            Dossier.status == Status.SUBMITTED,
        )
        .order_by(Dossier.submitted_at)
    ).all()
    now = utcnow()
    items = [
        {
            "id": d.id,
            "code": d.code,
            "applicant": d.applicant_name,
            "procedure": d.procedure_version.name,
            "submitted": d.submitted_at.astimezone(VN_TZ) if d.submitted_at else None,
            "waiting_hours": round((now - d.submitted_at).total_seconds() / 3600, 1)
            if d.submitted_at
            else None,
        }
        for d in rows
    ]
    return render_template("backoffice/desk_queue.html", items=items)


@bp.get("/find")
@login_required
def find() -> BaseResponse:
    """A keyboard-wedge scanner types the label's code and Enter: open that dossier."""
    db, actor = get_session(), _clerk()
    code = (request.args.get("code") or "").strip().upper()
    dossier = db.scalar(select(Dossier).where(Dossier.code == code)) if code else None
    if dossier is None or not events.can_view(
        actor, dossier, events.agencies_that_held(db, dossier)
    ):
        flash(f"Không tìm thấy hồ sơ {code}. / Dossier not found.", "error")
        return redirect(url_for("desk.queue"))
    return redirect(url_for("desk.dossier", dossier_id=dossier.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> str | BaseResponse:
    """Counter intake, step 1: the applicant (found by ID number) and the procedure."""
    db, actor = get_session(), _clerk()
    id_number = (request.values.get("id_number") or "").strip()
    previous = None
    if id_number:  # the applicant's details from their earlier dossiers
        previous = db.scalar(
            select(Dossier)
            .where(Dossier.applicant_id_number == id_number)
            .order_by(Dossier.id.desc())
        )
    if request.method == "POST" and request.form.get("procedure"):
        agencies = actor.agencies(Role.RECEPTION)
        try:
            dossier = create_draft(
                db,
                actor,
                request.form["procedure"],
                Applicant(
                    name=request.form.get("name", ""),
                    id_number=id_number or None,
                    phone=request.form.get("phone") or None,
                    email=request.form.get("email") or None,
                    address=request.form.get("address") or None,
                ),
                channel=Channel.COUNTER,
                agency_code=_agency_code(db, agencies),
            )
            db.commit()
            return redirect(url_for("desk.dossier", dossier_id=dossier.id))
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
    procedures = [
        v
        for v in search(db, request.values.get("q", ""), limit=200)
        if any(a.agency_id in actor.agencies(Role.RECEPTION) for a in v.agencies)
    ]
    return render_template(
        "backoffice/desk_new.html",
        procedures=procedures,
        previous=previous,
        id_number=id_number,
        form=request.form,
    )


def _agency_code(db: Any, agencies: frozenset[int]) -> str | None:
    from dossiers.agencies import Agency

    agency = db.get(Agency, min(agencies)) if agencies else None
    return agency.code if agency else None


@bp.get("/dossiers/<id:dossier_id>")
@login_required
def dossier(dossier_id: int) -> str:
    db, actor, record = visible_dossier(dossier_id, DESK)
    log = events.history(db, record)
    compared = next((e for e in reversed(log) if e.kind == "originals_compared"), None)
    return render_template(
        "backoffice/desk_dossier.html",
        d=dossier_detail(record, log, Audience.STAFF),
        record=record,
        compared=compared,
        scan_reports={f.id: f.details.get("scan_check") for f in record.files},
    )


@bp.post("/dossiers/<id:dossier_id>/components/<id:component_id>/scan")
@login_required
def scan(dossier_id: int, component_id: int) -> BaseResponse:
    db, actor, record = visible_dossier(dossier_id, DESK)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Chọn tệp scan. / Choose a scan.", "error")
        return redirect(url_for("desk.dossier", dossier_id=dossier_id))
    try:
        attach_file(
            db,
            actor,
            store(),
            record,
            component_id,
            filename=upload.filename,
            content_type=upload.mimetype,
            data=upload.read(),
            kind=FileKind.SCAN,
            replace=True,
            max_bytes=current_app.config["MOTCUA_MAX_FILE_BYTES"],
        )
    except DomainError as error:
        return _failed(db, error, dossier_id)
    return _done(db, f"Đã đính kèm bản scan {upload.filename}.", record)


@bp.post("/dossiers/<id:dossier_id>/components/<id:component_id>/mark")
@login_required
def mark(dossier_id: int, component_id: int) -> BaseResponse:
    db, actor, record = visible_dossier(dossier_id, DESK)
    try:
        mark_component(
            db,
            actor,
            record,
            component_id,
            ComponentState(request.form.get("state", "pending")),
            request.form.get("note"),
        )
    except (DomainError, ValueError) as error:
        return _failed(
            db, error if isinstance(error, DomainError) else DomainError(str(error)), dossier_id
        )
    return _done(db, "Đã cập nhật thành phần hồ sơ.", record)


@bp.post("/dossiers/<id:dossier_id>/receive")
@login_required
def receive(dossier_id: int) -> BaseResponse:
    db, actor, record = visible_dossier(dossier_id, DESK)
    try:
        receive_at_counter(db, actor, record, printer=printer())
    except DomainError as error:
        return _failed(db, error, dossier_id)
    return _done(db, f"Đã tiếp nhận hồ sơ {record.code}. In giấy tiếp nhận và nhãn hồ sơ.", record)


@bp.post("/dossiers/<id:dossier_id>/accept")
@login_required
def accept(dossier_id: int) -> BaseResponse:
    db, actor, record = visible_dossier(dossier_id, DESK)
    try:
        if exchange.incoming_message(db, record) is not None:  # sent by another installation
            exchange.accept(db, record, actor, printer=printer())
        else:
            accept_dossier(db, actor, record, printer=printer())
    except DomainError as error:
        return _failed(db, error, dossier_id)
    return _done(db, "Đã tiếp nhận hồ sơ; giấy tiếp nhận đã gửi người nộp.", record)


@bp.post("/dossiers/<id:dossier_id>/supplement")
@login_required
def supplement(dossier_id: int) -> BaseResponse:
    db, actor, record = visible_dossier(dossier_id, DESK)
    reasons = {c.id: request.form.get(f"reason-{c.id}", "") for c in record.components}
    try:
        request_supplement(
            db, actor, record, reasons, request.form.get("note", ""), printer=printer()
        )
    except DomainError as error:
        return _failed(db, error, dossier_id)
    return _done(db, "Đã gửi yêu cầu bổ sung tới người nộp.", record)


@bp.post("/dossiers/<id:dossier_id>/refuse")
@login_required
def refuse(dossier_id: int) -> BaseResponse:
    db, actor, record = visible_dossier(dossier_id, DESK)
    try:
        if exchange.incoming_message(db, record) is not None:
            exchange.reject(db, record, actor, request.form.get("reason", ""), printer=printer())
        else:
            refuse_dossier(db, actor, record, request.form.get("reason", ""), printer=printer())
    except DomainError as error:
        return _failed(db, error, dossier_id)
    return _done(db, "Đã từ chối tiếp nhận; người nộp đã được thông báo.", record)


@bp.post("/dossiers/<id:dossier_id>/compare")
@login_required
def compare(dossier_id: int) -> BaseResponse:
    db, actor, record = visible_dossier(dossier_id, DESK)
    results = {
        c.id: (request.form.get(f"match-{c.id}") == "yes", request.form.get(f"note-{c.id}", ""))
        for c in record.components
        if request.form.get(f"match-{c.id}")
    }
    try:
        matched = compare_originals(db, actor, record, results, printer=printer())
    except DomainError as error:
        return _failed(db, error, dossier_id)
    return _done(
        db,
        "Bản giấy khớp hồ sơ điện tử."
        if matched
        else "Có thành phần không khớp: hồ sơ được đánh dấu cho cán bộ xử lý.",
        record,
    )


@bp.get("/dossiers/<id:dossier_id>/files/<id:file_id>")
@login_required
def file(dossier_id: int, file_id: int) -> Response:
    """A file of the dossier, inline (for the preview frame) with its hash re-checked."""
    _, _, record = visible_dossier(dossier_id, DESK)
    stored = next((f for f in record.files if f.id == file_id), None)
    if stored is None:
        abort(404)
    return send_stored(stored, inline=True)
