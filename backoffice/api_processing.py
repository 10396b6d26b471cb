"""Processing through the JSON API: queues, hand-offs, transfers, apologies, paperwork.

The same domain functions as the back-office pages. An action may name the dossier's
``revision`` it was decided on: a retried request then finds the dossier moved and is refused
(409) instead of acting twice.
"""

from datetime import date, datetime
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from backoffice.access import WORK, visible_dossier
from dossiers import apologies, events, processing, transfers
from dossiers.actors import Actor
from dossiers.agencies import Agency
from dossiers.calendar import VN_TZ
from dossiers.errors import Forbidden, InvalidInput, NotFound
from dossiers.lifecycle import Role
from dossiers.plans import steps_of
from dossiers.queues import Queue, visible_queues, work_items
from dossiers.records import Dossier
from dossiers.reports import control_sheet_pdf, control_sheet_rows, register_rows, register_xlsx
from dossiers.review import request_supplement
from motcua.api import require_user
from motcua.database import get_session
from motcua.files import printer, store

bp = Blueprint(
    "work_api",
    __name__,
    url_prefix="/api/v1/work",
    description="Processing by officers and leaders / Xử lý hồ sơ",
)
SECURITY = [{"bearerAuth": []}]
ACTIONS = (
    "assign",
    "forward",
    "send-back",
    "approve",
    "supplement",
    "propose",
    "propose-stop",
    "stop",
    "decline-stop",
    "note",
    "transfer",
    "transfer-accept",
    "transfer-reject",
    "transfer-complete",
    "return",
)


class QueueArgs(Schema):
    queue = fields.String(
        load_default=Queue.MINE.value, validate=validate.OneOf([q.value for q in Queue])
    )


class ActionSchema(Schema):
    revision = fields.Integer(
        load_default=None,
        metadata={"description": "the dossier revision this action was decided on"},
    )
    user_id = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))
    agency = fields.String(
        load_default=None,
        validate=validate.Length(max=35),
        metadata={"description": "receiving agency identifier (transfer)"},
    )
    days = fields.Integer(load_default=1, validate=validate.Range(1, 60))
    note = fields.String(load_default="", validate=validate.Length(max=4000))
    reason = fields.String(load_default="", validate=validate.Length(max=2000))
    opinion = fields.String(load_default="", validate=validate.Length(max=4000))
    reasons = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        load_default=dict,
        metadata={"description": "component id → what to supplement"},
    )


class ApologySchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "dismiss"]))
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))
    new_due_at = fields.AwareDateTime(load_default=None, default_timezone=VN_TZ)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class RegisterArgs(Schema):
    agency = fields.String(required=True, validate=validate.Length(1, 35))
    start = fields.Date(required=True, data_key="from")
    end = fields.Date(required=True, data_key="to")
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "xlsx", "pdf"]))


def _staff() -> Actor:
    actor = require_user()
    if not actor.agencies(Role.RECEPTION, Role.OFFICER, Role.LEADER) and not actor.has(
        Role.SUPERVISOR
    ):
        raise Forbidden("Chỉ cán bộ, công chức dùng chức năng này", "Staff only")
    return actor


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(VN_TZ).isoformat(timespec="minutes") if value else None


def work_detail(session: Any, actor: Actor, dossier: Dossier) -> dict[str, Any]:
    return {
        "id": dossier.id,
        "code": dossier.code,
        "revision": dossier.revision,
        "status": dossier.status,
        "national_status": dossier.national_status,
        "procedure": dossier.procedure_version.code,
        "applicant": dossier.applicant_name,
        "holder_agency": dossier.holder_agency.code,
        "assignee_id": dossier.assignee_id,
        "received_at": _iso(dossier.received_at),
        "due_at": _iso(dossier.due_at),
        "paused_since": _iso(dossier.paused_at),
        "current_step": dossier.current_step,
        "stop_proposed": dossier.stop_proposed_at is not None,
        "steps": [
            {
                "position": s.position,
                "name": s.name,
                "role": s.role,
                "agency_id": s.agency_id,
                "due_at": _iso(s.due_at),
                "started_at": _iso(s.started_at),
                "finished_at": _iso(s.finished_at),
                "assignee_id": s.assignee_id,
            }
            for s in steps_of(session, dossier)
        ],
        "actions": sorted(processing.available_actions(session, actor, dossier)),
        "apology": _apology(session, dossier),
        "history": [
            {
                "seq": e.seq,
                "kind": e.kind,
                "label": e.label,
                "at": _iso(e.at),
                "actor": e.actor_name,
                "to_agency_id": e.to_agency_id,
                "to_user_id": e.to_user_id,
                "reason": e.reason,
                "payload": e.payload,
            }
            for e in events.history(session, dossier)
        ],
    }


def _apology(session: Any, dossier: Dossier) -> dict[str, Any] | None:
    letter = apologies.open_apology(session, dossier)
    if letter is None:
        return None
    return {
        "id": letter.id,
        "reason": letter.reason,
        "due_before": _iso(letter.due_before),
        "new_due_at": _iso(letter.new_due_at),
    }


@bp.route("")
class WorkQueue(MethodView):
    @bp.arguments(QueueArgs, location="query")
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """A work queue: mine, unit, today, overdue, approval … / Hàng đợi xử lý"""
        actor, session = _staff(), get_session()
        queue = Queue(args["queue"])
        if queue not in visible_queues(actor):
            raise Forbidden("Hàng đợi này dành cho lãnh đạo", "This queue is for leaders")
        return [
            {
                "id": it.dossier.id,
                "code": it.dossier.code,
                "status": it.dossier.status,
                "procedure": it.dossier.procedure_version.code,
                "applicant": it.dossier.applicant_name,
                "step": it.step.name if it.step else None,
                "due": _iso(it.due),
                "dossier_due_at": _iso(it.dossier.due_at),
                "urgency": it.urgency.value,
                "left": it.left,
            }
            for it in work_items(session, actor, queue)
        ]


@bp.route("/<id:dossier_id>")
class WorkItem(MethodView):
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def get(self, dossier_id: int) -> dict[str, Any]:
        """A dossier as its officer sees it: plan, history, what you may do / Hồ sơ xử lý"""
        session, actor, dossier = visible_dossier(dossier_id, WORK)
        return work_detail(session, actor, dossier)


@bp.route("/<id:dossier_id>/<string:action>")
class WorkAction(MethodView):
    @bp.arguments(ActionSchema)
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def post(self, data: dict[str, Any], dossier_id: int, action: str) -> dict[str, Any]:
        """Hand the dossier on / Chuyển xử lý: assign, forward, send-back, approve, supplement,
        propose, propose-stop, stop, decline-stop, note, transfer, transfer-accept,
        transfer-reject, transfer-complete, return"""
        session, actor, dossier = visible_dossier(dossier_id, WORK)
        if action not in ACTIONS:
            raise NotFound("Thao tác không tồn tại", "Unknown action")
        events.expect_revision(dossier, data["revision"])
        _perform(session, actor, dossier, action, data)
        session.commit()
        return work_detail(session, actor, dossier)


def _perform(session: Any, actor: Actor, d: Dossier, action: str, data: dict[str, Any]) -> None:
    note, reason = data["note"], data["reason"]
    if action == "assign":
        processing.assign(session, actor, d, data["user_id"] or actor.user_id or 0, note)
    elif action == "forward":
        processing.forward(session, actor, d, data["user_id"], note)
    elif action == "send-back":
        processing.send_back(session, actor, d, reason)
    elif action == "approve":
        processing.approve(session, actor, d, note, data["user_id"])
    elif action == "propose":
        processing.propose_result(session, actor, store(), d, note=note, to_user_id=data["user_id"])
    elif action == "supplement":
        try:
            reasons = {int(k): v for k, v in data["reasons"].items()}
        except ValueError:
            raise InvalidInput("Mã thành phần không hợp lệ", "Invalid component id") from None
        request_supplement(session, actor, d, reasons, note, printer=printer())
    elif action == "propose-stop":
        processing.propose_stop(session, actor, d, reason)
    elif action == "stop":
        processing.stop(session, actor, d, reason)
    elif action == "decline-stop":
        processing.decline_stop(session, actor, d, note)
    elif action == "note":
        processing.add_note(session, actor, d, note)
    elif action == "transfer":
        code = data["agency"] or ""
        agency = session.scalar(select(Agency).where(Agency.code == code))
        if agency is None:
            raise InvalidInput(
                f"Không có cơ quan mã {code}", f"No agency {code}", code="unknown_agency"
            )
        transfers.transfer(session, actor, d, agency.id, note=note, days=data["days"])
    elif action == "transfer-accept":
        transfers.accept_transfer(session, actor, d, note)
    elif action == "transfer-reject":
        transfers.reject_transfer(session, actor, d, reason)
    elif action == "transfer-complete":
        transfers.complete_transfer(session, actor, store(), d, opinion=data["opinion"])
    elif action == "return":
        processing.return_result(session, actor, d, note)


@bp.route("/<id:dossier_id>/control-sheet")
class ControlSheet(MethodView):
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def get(self, dossier_id: int) -> list[dict[str, Any]]:
        """The process control sheet's rows / Phiếu kiểm soát (PDF at …/control-sheet.pdf)"""
        session, _, dossier = visible_dossier(dossier_id, WORK)
        return [
            {
                "kind": r.kind.value,
                "giver": r.giver,
                "giver_unit": r.giver_unit,
                "receiver": r.receiver,
                "receiver_unit": r.receiver_unit,
                "at": _iso(r.at),
                "timeliness": r.timeliness.value if r.timeliness else None,
                "outcome": r.outcome,
                "note": r.note,
            }
            for r in control_sheet_rows(session, dossier)
        ]


@bp.route("/<id:dossier_id>/control-sheet.pdf")
class ControlSheetPdf(MethodView):
    @bp.doc(security=SECURITY)
    def get(self, dossier_id: int) -> Response:
        """The process control sheet as PDF / Phiếu kiểm soát (Mẫu 05)"""
        session, actor, dossier = visible_dossier(dossier_id, WORK)
        pdf = control_sheet_pdf(session, actor, printer(), dossier)
        session.commit()  # each print is sealed and registered as issued (Điều 5.5)
        return Response(pdf, mimetype="application/pdf")


@bp.route("/apologies/<id:apology_id>")
class ApologyDecision(MethodView):
    @bp.arguments(ApologySchema)
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def post(self, data: dict[str, Any], apology_id: int) -> dict[str, Any]:
        """Approve (or dismiss) an apology letter / Duyệt phiếu xin lỗi"""
        actor, session = _staff(), get_session()
        letter = apologies.get_apology(session, apology_id)
        events.require_view(session, actor, letter.dossier)
        if data["decision"] == "dismiss":
            apologies.dismiss(session, actor, letter, data["note"])
        else:
            apologies.approve(
                session,
                actor,
                letter,
                reason=data["reason"],
                new_due_at=data["new_due_at"],
                printer=printer(),
            )
        session.commit()
        return work_detail(session, actor, letter.dossier)


@bp.route("/register")
class Register(MethodView):
    @bp.arguments(RegisterArgs, location="query")
    @bp.doc(security=SECURITY)
    def get(self, args: dict[str, Any]) -> Any:
        """The dossier register of an agency and period / Sổ theo dõi hồ sơ (json, xlsx, pdf)"""
        from dossiers.reports import register_pdf

        actor, session = _staff(), get_session()
        agency = session.scalar(select(Agency).where(Agency.code == args["agency"]))
        if agency is None or not (actor.has(Role.SUPERVISOR) or agency.id in actor.agencies()):
            raise NotFound("Không tìm thấy cơ quan", "Agency not found")
        start, end = args["start"], args["end"]
        _period(start, end)
        if args["format"] == "xlsx":
            return Response(
                register_xlsx(session, agency, start, end),
                mimetype=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )
        if args["format"] == "pdf":
            return Response(register_pdf(session, agency, start, end), mimetype="application/pdf")
        return register_rows(session, agency.id, start, end)


def _period(start: date, end: date) -> None:
    if end < start or (end - start).days > 366:
        raise InvalidInput(
            "Kỳ báo cáo không hợp lệ (tối đa 1 năm)", "Invalid period (one year at most)"
        )
