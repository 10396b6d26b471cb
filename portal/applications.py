"""The applicant's dossiers: start, fill component by component, submit, follow, amend.

Every route that takes an id loads the dossier through ``_own``, which answers 404 for a
dossier that is not the current user's.
"""

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from dossiers import events
from dossiers.actors import Actor
from dossiers.calendar import VN_TZ
from dossiers.db import utcnow
from dossiers.errors import DomainError, NotFound
from dossiers.intake import (
    EDITABLE,
    Applicant,
    attach_file,
    create_draft,
    mark_component,
    missing_components,
    paper_allowed,
    remove_file,
    submit_dossier,
    withdraw_dossier,
)
from dossiers.lifecycle import Audience, Kind, Status, allowed_kinds
from dossiers.procedures import AgencyPart, version_in_force
from dossiers.records import Channel, ComponentState, Dossier, get_own_dossier
from motcua.auth import current_actor
from motcua.database import get_session
from motcua.files import send_stored, store
from motcua.presenters import dossier_detail, procedure_detail, supplement_reasons
from portal.forms import ApplicantForm, ReasonForm

bp = Blueprint("my", __name__, url_prefix="/my")


def _own(dossier_id: int) -> tuple[Any, Actor, Dossier]:
    db, actor = get_session(), current_actor()
    try:
        return db, actor, get_own_dossier(db, actor.user_id, dossier_id)
    except NotFound:
        abort(404)


def _fail(db: Any, error: DomainError) -> None:
    db.rollback()
    flash(error.message, "error")


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@bp.get("/dossiers")
@login_required
def dossiers() -> str:
    db, actor = get_session(), current_actor()
    rows = db.scalars(
        select(Dossier)
        .where(Dossier.applicant_user_id == actor.user_id, Dossier.status != Status.DISCARDED)
        .order_by(Dossier.id.desc())
    ).all()
    return render_template(
        "portal/my_dossiers.html",
        items=[dossier_detail(d, [], Audience.APPLICANT) for d in rows],
        unconfirmed=current_user.user.confirmed_at is None,
    )


@bp.route("/dossiers/new/<code>", methods=["GET", "POST"])
@login_required
def new(code: str) -> str | BaseResponse:
    db, actor = get_session(), current_actor()
    try:
        version = version_in_force(db, code, utcnow().astimezone(VN_TZ).date())
    except NotFound:
        abort(404)
    receiving = [a.agency for a in version.agencies if a.part == AgencyPart.RECEIVING]
    form = ApplicantForm()
    if request.method == "GET":  # pre-filled from the account (NĐ 45 Art. 9)
        user = current_user.user
        form.name.data, form.id_number.data = user.full_name, user.id_number
        form.phone.data, form.email.data = user.phone, user.email
    if form.validate_on_submit():
        agency = request.form.get("agency_code") or None
        try:
            dossier = create_draft(
                db,
                actor,
                code,
                Applicant(
                    name=form.name.data or "",
                    id_number=form.id_number.data or None,
                    phone=form.phone.data or None,
                    email=form.email.data or None,
                    address=form.address.data or None,
                ),
                channel=Channel.ONLINE,
                agency_code=agency,
            )
            db.commit()
        except DomainError as error:
            _fail(db, error)
        else:
            flash("Đã lưu bản nháp; bạn có thể tiếp tục trên thiết bị khác. / Draft saved.", "info")
            return redirect(url_for("my.step", dossier_id=dossier.id, position=1))
    return render_template(
        "portal/dossier_new.html", p=procedure_detail(version), form=form, receiving=receiving
    )


@bp.get("/dossiers/<id:dossier_id>/steps/<int(max=999):position>")
@login_required
def step(dossier_id: int, position: int) -> str | BaseResponse:
    _, _, dossier = _own(dossier_id)
    if dossier.status not in EDITABLE:
        return redirect(url_for("my.detail", dossier_id=dossier.id))
    if not 1 <= position <= len(dossier.components):
        return redirect(url_for("my.review", dossier_id=dossier.id))
    component = dossier.components[position - 1]
    return render_template(
        "portal/dossier_step.html",
        d=dossier,
        c=component,
        position=position,
        total=len(dossier.components),
        paper_ok=paper_allowed(dossier, component),
        reasons=supplement_reasons(dossier, events.history(get_session(), dossier)),
        upload_form=ReasonForm(),
    )


@bp.post("/dossiers/<id:dossier_id>/components/<id:component_id>/files")
@login_required
def upload(dossier_id: int, component_id: int) -> BaseResponse | tuple[Response, int]:
    db, actor, dossier = _own(dossier_id)
    files = [f for f in request.files.getlist("file") if f.filename]
    replace = request.form.get("replace") == "y"
    position = next((c.position for c in dossier.components if c.id == component_id), 1)
    back = url_for("my.step", dossier_id=dossier.id, position=position)
    if not files:
        message = "Hãy chọn ít nhất một tệp. / Choose at least one file."
        if _wants_json():
            return jsonify({"code": "no_file", "message": message}), 400
        flash(message, "error")
        return redirect(back)
    try:
        for i, upload_ in enumerate(files):
            attach_file(
                db,
                actor,
                store(),
                dossier,
                component_id,
                filename=upload_.filename or "tep",
                content_type=upload_.mimetype,
                data=upload_.read(),
                replace=replace and i == 0,
                max_bytes=current_app.config["MOTCUA_MAX_FILE_BYTES"],
            )
        db.commit()
    except DomainError as error:
        db.rollback()
        if _wants_json():
            return jsonify(error.as_dict()), error.status
        flash(error.message, "error")
        return redirect(back)
    names = ", ".join(f.filename or "" for f in files)
    if _wants_json():
        return jsonify({"uploaded": [f.filename for f in files], "next": back}), 201
    flash(f"Đã tải lên: {names}", "info")
    return redirect(back)


@bp.post("/dossiers/<id:dossier_id>/components/<id:component_id>/mark")
@login_required
def mark(dossier_id: int, component_id: int) -> BaseResponse:
    db, actor, dossier = _own(dossier_id)
    position = next((c.position for c in dossier.components if c.id == component_id), 1)
    try:
        mark_component(
            db, actor, dossier, component_id, ComponentState(request.form.get("state", "pending"))
        )
        db.commit()
    except (DomainError, ValueError) as error:
        _fail(db, error if isinstance(error, DomainError) else DomainError(str(error)))
        return redirect(url_for("my.step", dossier_id=dossier.id, position=position))
    return redirect(url_for("my.step", dossier_id=dossier.id, position=position + 1))


@bp.post("/dossiers/<id:dossier_id>/files/<id:file_id>/remove")
@login_required
def remove(dossier_id: int, file_id: int) -> BaseResponse:
    db, actor, dossier = _own(dossier_id)
    record = next((f for f in dossier.files if f.id == file_id), None)
    position = next(
        (c.position for c in dossier.components if record and c.id == record.component_id), 1
    )
    try:
        remove_file(db, actor, dossier, file_id)
        db.commit()
    except DomainError as error:
        _fail(db, error)
    return redirect(url_for("my.step", dossier_id=dossier.id, position=position))


@bp.get("/dossiers/<id:dossier_id>/review")
@login_required
def review(dossier_id: int) -> str | BaseResponse:
    db, _, dossier = _own(dossier_id)
    if dossier.status not in EDITABLE:
        return redirect(url_for("my.detail", dossier_id=dossier.id))
    return render_template(
        "portal/dossier_review.html",
        d=dossier_detail(dossier, events.history(db, dossier), Audience.APPLICANT),
        missing=missing_components(dossier),
        status=dossier.status,
    )


@bp.post("/dossiers/<id:dossier_id>/submit")
@login_required
def submit(dossier_id: int) -> BaseResponse:
    db, actor, dossier = _own(dossier_id)
    try:
        submit_dossier(db, actor, dossier)
        db.commit()
    except DomainError as error:
        _fail(db, error)
        return redirect(url_for("my.review", dossier_id=dossier.id))
    return redirect(url_for("my.detail", dossier_id=dossier.id, submitted=1))


@bp.get("/dossiers/<id:dossier_id>")
@login_required
def detail(dossier_id: int) -> str:
    db, _, dossier = _own(dossier_id)
    log = events.history(db, dossier)
    return render_template(
        "portal/dossier.html",
        d=dossier_detail(dossier, log, Audience.APPLICANT),
        reasons=supplement_reasons(dossier, log),
        can_amend=dossier.status in (Status.INCOMPLETE, Status.AWAITING_SUPPLEMENT),
        can_withdraw=Kind.WITHDRAWN in allowed_kinds(Status(dossier.status)),
        just_submitted=request.args.get("submitted") == "1",
        withdraw_form=ReasonForm(),
    )


@bp.post("/dossiers/<id:dossier_id>/withdraw")
@login_required
def withdraw(dossier_id: int) -> BaseResponse:
    db, actor, dossier = _own(dossier_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("Vui lòng nêu lý do rút hồ sơ. / Please give a reason.", "error")
        return redirect(url_for("my.detail", dossier_id=dossier.id))
    try:
        withdraw_dossier(db, actor, dossier, form.reason.data or "")
        db.commit()
        flash("Đã rút hồ sơ. / Dossier withdrawn.", "info")
    except DomainError as error:
        _fail(db, error)
    return redirect(url_for("my.detail", dossier_id=dossier.id))


@bp.get("/dossiers/<id:dossier_id>/files/<id:file_id>")
@login_required
def download(dossier_id: int, file_id: int) -> Response:
    _, _, dossier = _own(dossier_id)
    record = next((f for f in dossier.files if f.id == file_id), None)
    if record is None:
        abort(404)
    return send_stored(record)
