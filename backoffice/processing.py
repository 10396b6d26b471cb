"""Officers' and leaders' pages: work queues, the dossier being worked, hand-offs, paperwork.

Each POST parses its form, calls one domain function (dossiers.processing, .transfers,
.apologies) and redirects back to the dossier; the domain decides who may do what.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from backoffice.access import WORK, visible_dossier
from dossiers import apologies, events, processing, transfers
from dossiers.accounts import User
from dossiers.actors import Actor
from dossiers.agencies import Agency
from dossiers.calendar import VN_TZ
from dossiers.calendar_store import load_calendar
from dossiers.db import utcnow
from dossiers.deadlines import TIMELINESS_LABELS, timeliness
from dossiers.errors import DomainError, InvalidInput, NotFound
from dossiers.exchange import operations as exchange
from dossiers.lifecycle import KIND_LABELS, STATUS_LABELS, Role, Status
from dossiers.plans import DossierStep, StepTemplate, set_process, steps_of
from dossiers.procedures import ProcedureVersion
from dossiers.queues import QUEUE_LABELS, Queue, counts, remaining_text, visible_queues, work_items
from dossiers.records import Dossier, FileKind
from dossiers.reports import control_sheet_pdf, register_pdf, register_rows, register_xlsx
from dossiers.review import request_supplement
from motcua.auth import current_actor
from motcua.database import get_session
from motcua.files import content_disposition, printer, send_stored, store

bp = Blueprint("work", __name__, url_prefix="/backoffice/work")


def _staff() -> Actor:
    actor = current_actor()
    if not actor.agencies(Role.RECEPTION, Role.OFFICER, Role.LEADER):
        abort(403)
    return actor


@bp.get("/")
@login_required
def queue() -> str:
    db, actor = get_session(), _staff()
    try:
        chosen = Queue(request.args.get("q") or Queue.MINE)
    except ValueError:
        abort(404)
    if chosen not in visible_queues(actor):
        abort(404)
    return render_template(
        "backoffice/work_queue.html",
        chosen=chosen,
        queues=visible_queues(actor),
        labels=QUEUE_LABELS,
        counts=counts(db, actor),
        items=work_items(db, actor, chosen),
        status_labels=STATUS_LABELS,
    )


@bp.get("/<id:dossier_id>")
@login_required
def dossier(dossier_id: int) -> str:
    db, actor, record = visible_dossier(dossier_id, WORK)
    history = events.history(db, record)
    now = utcnow()
    calendar = load_calendar(db)
    steps = steps_of(db, record)
    unit = record.holder_agency_id
    names = dict(
        db.execute(
            select(User.id, User.full_name).where(
                User.id.in_(
                    {s.assignee_id for s in steps}
                    | {e.to_user_id for e in history}
                    | {record.assignee_id}
                )
            )
        ).all()
    )
    agencies = _agency_names(db)
    step = next((s for s in steps if s.position == record.current_step), None)
    role_for_assign = Role.LEADER if record.status == Status.PENDING_APPROVAL else Role.OFFICER
    step_rows = [
        {
            "step": s,
            "unit": agencies.get(s.agency_id, ""),
            "who": names.get(s.assignee_id, "") if s.assignee_id else "",
            "outcome": TIMELINESS_LABELS[timeliness(s.finished_at, s.due_at)][0]
            if s.finished_at
            else "",
            "current": s.position == record.current_step,
        }
        for s in steps
    ]
    actions = processing.available_actions(db, actor, record)
    peers = [p for p in exchange.list_peers(db) if p.is_active and p.outbound_token]
    if "transfer" in actions and peers:
        actions.add("transfer_remote")
    if (
        exchange.incoming_message(db, record) is not None
        and record.status
        in (Status.IN_PROGRESS, Status.PENDING_APPROVAL, Status.APPROVED, Status.RESULT_READY)
        and actor.agencies(Role.OFFICER, Role.LEADER)
        & {record.holder_agency_id, record.competent_agency_id}
    ):
        actions.add("exchange_complete")
    return render_template(
        "backoffice/work_dossier.html",
        peers=peers,
        d=record,
        history=history,
        step_rows=step_rows,
        step=step,
        now=now,
        names=names,
        agencies=agencies,
        actions=actions,
        assignable=processing.staff_of(db, unit, role_for_assign, Role.LEADER),
        next_people=_next_people(db, record, steps),
        transfer_targets=db.scalars(
            select(Agency).where(Agency.id != unit, Agency.valid_to.is_(None)).order_by(Agency.name)
        ).all(),
        apology=apologies.open_apology(db, record),
        left=remaining_text(calendar.working_hours_between(now, record.due_at))
        if record.due_at
        else "",
        status_label=STATUS_LABELS[Status(record.status)][0],
        kind_labels=KIND_LABELS,
        timeliness_labels=TIMELINESS_LABELS,
        working=[
            f for f in record.files if f.kind in (FileKind.WORKING, FileKind.FORM, FileKind.RESULT)
        ],
        is_leader=actor.has(Role.LEADER, record.competent_agency_id),
    )


def _agency_names(db: Any) -> dict[int, str]:
    return dict(db.execute(select(Agency.id, Agency.name)).all())


def _next_people(db: Any, record: Dossier, steps: list[DossierStep]) -> list[User]:
    nxt = next((s for s in steps if s.position == (record.current_step or 0) + 1), None)
    if nxt is None:
        return []
    return processing.staff_of(db, nxt.agency_id, Role(nxt.role), Role.LEADER)


def _act(
    dossier_id: int, message: str, work: Callable[[Any, Actor, Dossier], object]
) -> BaseResponse:
    db, actor, record = visible_dossier(dossier_id, WORK)
    try:
        events.expect_revision(record, _int("revision"))
        work(db, actor, record)
        db.commit()
        flash(message, "info")
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
    return redirect(url_for("work.dossier", dossier_id=dossier_id))


def _text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _int(name: str) -> int | None:
    value = _text(name)
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput("Lựa chọn không hợp lệ", "Invalid choice")
    return int(value)


def _upload() -> tuple[bytes | None, str]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, ""
    return upload.read(), upload.filename


@bp.post("/<id:dossier_id>/assign")
@login_required
def assign(dossier_id: int) -> BaseResponse:
    def work(db: Any, actor: Actor, d: Dossier) -> object:
        user = _int("user_id") if "user_id" in request.form else actor.user_id
        if user is None:
            raise InvalidInput("Chọn người được phân công", "Choose who to assign")
        return processing.assign(db, actor, d, user, _text("note"))

    return _act(dossier_id, "Đã phân công. / Assigned.", work)


@bp.post("/<id:dossier_id>/forward")
@login_required
def forward(dossier_id: int) -> BaseResponse:
    return _act(
        dossier_id,
        "Đã chuyển bước xử lý. / Forwarded.",
        lambda db, a, d: processing.forward(db, a, d, _int("user_id"), _text("note")),
    )


@bp.post("/<id:dossier_id>/send-back")
@login_required
def send_back(dossier_id: int) -> BaseResponse:
    return _act(
        dossier_id,
        "Đã trả lại bước trước. / Sent back.",
        lambda db, a, d: processing.send_back(db, a, d, _text("reason")),
    )


@bp.post("/<id:dossier_id>/propose")
@login_required
def propose(dossier_id: int) -> BaseResponse:
    def work(db: Any, actor: Actor, d: Dossier) -> object:
        data, name = _upload()
        return processing.propose_result(
            db,
            actor,
            store(),
            d,
            note=_text("note"),
            draft=data,
            filename=name or "du-thao.pdf",
            to_user_id=_int("user_id"),
        )

    return _act(dossier_id, "Đã trình kết quả. / Result proposed.", work)


@bp.post("/<id:dossier_id>/approve")
@login_required
def approve(dossier_id: int) -> BaseResponse:
    return _act(
        dossier_id,
        "Đã phê duyệt. / Approved.",
        lambda db, a, d: processing.approve(db, a, d, _text("note"), _int("user_id")),
    )


@bp.post("/<id:dossier_id>/supplement")
@login_required
def supplement(dossier_id: int) -> BaseResponse:
    def work(db: Any, actor: Actor, d: Dossier) -> object:
        reasons = {c.id: _text(f"reason-{c.id}") for c in d.components}
        return request_supplement(db, actor, d, reasons, _text("note"), printer=printer())

    return _act(
        dossier_id, "Đã yêu cầu bổ sung; người nộp được thông báo. / Supplement requested.", work
    )


@bp.post("/<id:dossier_id>/return")
@login_required
def return_result(dossier_id: int) -> BaseResponse:
    return _act(
        dossier_id,
        "Đã trả kết quả cho người nộp. / Result returned.",
        lambda db, a, d: processing.return_result(db, a, d, _text("note")),
    )


@bp.post("/<id:dossier_id>/propose-stop")
@login_required
def propose_stop(dossier_id: int) -> BaseResponse:
    return _act(
        dossier_id,
        "Đã đề xuất dừng xử lý. / Stop proposed.",
        lambda db, a, d: processing.propose_stop(db, a, d, _text("reason")),
    )


@bp.post("/<id:dossier_id>/stop")
@login_required
def stop(dossier_id: int) -> BaseResponse:
    return _act(
        dossier_id,
        "Đã dừng xử lý hồ sơ. / Processing stopped.",
        lambda db, a, d: processing.stop(db, a, d, _text("reason")),
    )


@bp.post("/<id:dossier_id>/decline-stop")
@login_required
def decline_stop(dossier_id: int) -> BaseResponse:
    return _act(
        dossier_id,
        "Tiếp tục xử lý. / Processing goes on.",
        lambda db, a, d: processing.decline_stop(db, a, d, _text("note")),
    )


@bp.post("/<id:dossier_id>/note")
@login_required
def note(dossier_id: int) -> BaseResponse:
    return _act(
        dossier_id,
        "Đã ghi ý kiến. / Note added.",
        lambda db, a, d: processing.add_note(db, a, d, _text("note")),
    )


@bp.post("/<id:dossier_id>/document")
@login_required
def document(dossier_id: int) -> BaseResponse:
    def work(db: Any, actor: Actor, d: Dossier) -> object:
        data, name = _upload()
        if data is None:
            raise InvalidInput("Chọn tệp tài liệu", "Choose a file")
        return processing.add_working_document(db, actor, store(), d, data=data, filename=name)

    return _act(dossier_id, "Đã lưu tài liệu vào hồ sơ. / Document added.", work)


@bp.post("/<id:dossier_id>/transfer")
@login_required
def transfer(dossier_id: int) -> BaseResponse:
    def work(db: Any, actor: Actor, d: Dossier) -> object:
        agency = _int("agency_id")
        if agency is None:
            raise InvalidInput("Chọn cơ quan nhận liên thông", "Choose the receiving agency")
        return transfers.transfer(db, actor, d, agency, note=_text("note"), days=_int("days") or 1)

    return _act(dossier_id, "Đã chuyển liên thông. / Transferred.", work)


@bp.post("/<id:dossier_id>/transfer-remote")
@login_required
def transfer_remote(dossier_id: int) -> BaseResponse:
    """Send the dossier to an agency of another installation (signed message, outbox)."""

    def work(db: Any, actor: Actor, d: Dossier) -> object:
        peer_id = _int("peer_id")
        if peer_id is None:
            raise InvalidInput("Chọn hệ thống liên thông", "Choose the other installation")
        return exchange.send_dossier(
            db, d, actor, exchange.get_peer(db, peer_id), _text("agency_code"), _text("note")
        )

    return _act(
        dossier_id,
        "Đã gửi hồ sơ sang hệ thống liên thông; theo dõi ở nhật ký liên "
        "thông. / Sent to the other installation.",
        work,
    )


@bp.post("/<id:dossier_id>/exchange-complete")
@login_required
def exchange_complete(dossier_id: int) -> BaseResponse:
    """Return our result or opinion to the installation that sent the dossier."""

    def work(db: Any, actor: Actor, d: Dossier) -> object:
        data, name = _upload()
        files = [exchange.Upload(name, data, "application/pdf")] if data is not None else []
        return exchange.complete(db, d, actor, store(), files, _text("note"))

    return _act(dossier_id, "Đã gửi kết quả về hệ thống gửi hồ sơ. / Result sent back.", work)


@bp.post("/<id:dossier_id>/transfer/accept")
@login_required
def transfer_accept(dossier_id: int) -> BaseResponse:
    return _act(
        dossier_id,
        "Đã nhận hồ sơ liên thông. / Transfer accepted.",
        lambda db, a, d: transfers.accept_transfer(db, a, d, _text("note")),
    )


@bp.post("/<id:dossier_id>/transfer/reject")
@login_required
def transfer_reject(dossier_id: int) -> BaseResponse:
    return _act(
        dossier_id,
        "Đã trả lại hồ sơ liên thông. / Transfer rejected.",
        lambda db, a, d: transfers.reject_transfer(db, a, d, _text("reason")),
    )


@bp.post("/<id:dossier_id>/transfer/complete")
@login_required
def transfer_complete(dossier_id: int) -> BaseResponse:
    def work(db: Any, actor: Actor, d: Dossier) -> object:
        data, name = _upload()
        return transfers.complete_transfer(
            db,
            actor,
            store(),
            d,
            opinion=_text("opinion"),
            document=data,
            filename=name or "ket-qua.pdf",
        )

    return _act(dossier_id, "Đã gửi kết quả phần liên thông. / Part completed.", work)


@bp.post("/<id:dossier_id>/apology")
@login_required
def apology_prepare(dossier_id: int) -> BaseResponse:
    return _act(
        dossier_id,
        "Đã lập phiếu xin lỗi, chờ lãnh đạo duyệt. / Apology prepared.",
        lambda db, a, d: apologies.prepare(
            db, d, actor=a, reason=_text("reason") or apologies.DEFAULT_REASON
        ),
    )


@bp.post("/<id:dossier_id>/apology/<id:apology_id>")
@login_required
def apology_decide(dossier_id: int, apology_id: int) -> BaseResponse:
    def work(db: Any, actor: Actor, d: Dossier) -> object:
        letter = apologies.get_apology(db, apology_id)
        if letter.dossier_id != d.id:
            raise NotFound("Không tìm thấy phiếu xin lỗi", "Apology letter not found")
        if request.form.get("decision") == "dismiss":
            return apologies.dismiss(db, actor, letter, _text("note"))
        return apologies.approve(
            db,
            actor,
            letter,
            reason=_text("reason") or None,
            new_due_at=_local_datetime(_text("new_due")),
            printer=printer(),
        )

    return _act(dossier_id, "Đã xử lý phiếu xin lỗi. / Apology decided.", work)


def _local_datetime(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("Ngày giờ hẹn mới không hợp lệ", "Invalid new date") from None
    return parsed.replace(tzinfo=VN_TZ) if parsed.tzinfo is None else parsed


@bp.get("/<id:dossier_id>/files/<id:file_id>")
@login_required
def file(dossier_id: int, file_id: int) -> Response:
    _, _, record = visible_dossier(dossier_id, WORK)
    found = next((f for f in record.files if f.id == file_id), None)
    if found is None:
        abort(404)
    return send_stored(found, inline=request.args.get("inline") == "1")


@bp.get("/<id:dossier_id>/control-sheet.pdf")
@login_required
def control_sheet(dossier_id: int) -> Response:
    db, actor, record = visible_dossier(dossier_id, WORK)
    pdf = control_sheet_pdf(db, actor, printer(), record)
    db.commit()  # each print is sealed and registered as issued (Điều 5.5)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(
        f"phieu-kiem-soat-{record.code}.pdf", inline=True
    )
    return response


@bp.get("/register")
@login_required
def register() -> str | Response:
    """Sổ theo dõi hồ sơ of an agency the user works for (or any, for supervisors)."""
    db, actor = get_session(), current_actor()
    allowed = actor.agencies(Role.RECEPTION, Role.OFFICER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN)
    query = select(Agency).order_by(Agency.name)
    if not actor.has(Role.SUPERVISOR) and not actor.has(Role.ADMIN):
        query = query.where(Agency.id.in_(allowed))
    choices = db.scalars(query).all()
    if not choices:
        abort(403)
    today = utcnow().astimezone(VN_TZ).date()
    try:
        start = date.fromisoformat(request.args.get("from") or today.replace(day=1).isoformat())
        end = date.fromisoformat(request.args.get("to") or today.isoformat())
    except ValueError:
        flash("Ngày không hợp lệ (YYYY-MM-DD). / Invalid date.", "error")
        start, end = today.replace(day=1), today
    if end < start or (end - start).days > 366:
        flash("Kỳ báo cáo không hợp lệ (tối đa 1 năm). / Invalid period.", "error")
        start, end = today.replace(day=1), today
    chosen_id = request.args.get("agency", type=int) or choices[0].id
    agency = next((a for a in choices if a.id == chosen_id), None)
    if agency is None:
        abort(404)
    fmt = request.args.get("format")
    stem = f"so-theo-doi-{agency.code}-{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "pdf":
        response = Response(register_pdf(db, agency, start, end), mimetype="application/pdf")
        response.headers["Content-Disposition"] = content_disposition(f"{stem}.pdf", inline=True)
        return response
    if fmt == "xlsx":
        response = Response(
            register_xlsx(db, agency, start, end),
            mimetype=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
        response.headers["Content-Disposition"] = content_disposition(f"{stem}.xlsx")
        return response
    return render_template(
        "backoffice/register.html",
        choices=choices,
        agency=agency,
        start=start,
        end=end,
        rows=register_rows(db, agency.id, start, end),
    )


# -- the process editor (administrators) --------------------------------------------------


def _admin() -> Actor:
    actor = current_actor()
    if not actor.has(Role.ADMIN):
        abort(403)
    return actor


@bp.get("/processes")
@login_required
def processes() -> str:
    db, _ = get_session(), _admin()
    versions = db.scalars(select(ProcedureVersion).order_by(ProcedureVersion.name)).all()
    return render_template("backoffice/processes.html", versions=versions)


@bp.route("/processes/<id:version_id>", methods=["GET", "POST"])
@login_required
def process(version_id: int) -> str | BaseResponse:
    db, actor = get_session(), _admin()
    version = db.get(ProcedureVersion, version_id)
    if version is None:
        abort(404)
    if request.method == "POST":
        try:
            set_process(
                db,
                actor,
                version,
                _steps_from_form(),
                clock_pauses=request.form.get("clock_pauses") == "on",
            )
            db.commit()
            flash(
                "Đã lưu quy trình; áp dụng cho hồ sơ tiếp nhận từ nay. / Process saved; it "
                "applies to dossiers received from now on.",
                "info",
            )
            return redirect(url_for("work.process", version_id=version.id))
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
    rows = [
        {"name": s.name, "role": s.role, "agency_id": s.agency_id, "share_percent": s.share_percent}
        for s in version.steps
    ]
    rows += [{"name": "", "role": "", "agency_id": None, "share_percent": ""}] * 2
    agencies = db.scalars(
        select(Agency).where(Agency.valid_to.is_(None)).order_by(Agency.name)
    ).all()
    return render_template(
        "backoffice/process.html",
        version=version,
        rows=rows,
        agencies=agencies,
        roles=[Role.RECEPTION, Role.OFFICER, Role.LEADER],
    )


def _steps_from_form() -> list[StepTemplate]:
    names = request.form.getlist("name")
    roles = request.form.getlist("role")
    agencies = request.form.getlist("agency_id")
    shares = request.form.getlist("share_percent")
    steps = []
    for name, role, agency, share in zip(names, roles, agencies, shares, strict=False):
        if not name.strip() and not share.strip():
            continue  # an empty spare row
        try:
            steps.append(
                StepTemplate(name, Role(role), int(agency) if agency else None, int(share))
            )
        except ValueError:
            raise InvalidInput(
                f"Bước «{name}»: vai trò hoặc tỷ lệ không hợp lệ",
                f"Step '{name}': invalid role or share",
            ) from None
    return steps
