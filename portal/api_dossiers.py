"""The applicant's dossiers through the JSON API: the same domain functions as the pages."""

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from dossiers import events
from dossiers.actors import Actor
from dossiers.errors import InvalidInput, NotFound
from dossiers.intake import (
    Applicant,
    attach_file,
    create_draft,
    mark_component,
    remove_file,
    submit_dossier,
    withdraw_dossier,
)
from dossiers.lifecycle import Audience, Status
from dossiers.records import Channel, ComponentState, Dossier, get_own_dossier
from motcua.api import require_user
from motcua.database import get_session
from motcua.files import send_stored, store
from motcua.presenters import dossier_detail

bp = Blueprint(
    "dossiers_api",
    __name__,
    url_prefix="/api/v1/dossiers",
    description="The applicant's dossiers / Hồ sơ của người nộp",
)
SECURITY = [{"bearerAuth": []}]


class ApplicantSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    id_number = fields.String(load_default=None, validate=validate.Length(max=20))
    phone = fields.String(load_default=None, validate=validate.Length(max=20))
    email = fields.Email(load_default=None)
    address = fields.String(load_default=None, validate=validate.Length(max=300))


class NewDossierSchema(Schema):
    procedure = fields.String(
        required=True, validate=validate.Length(1, 60), metadata={"description": "procedure code"}
    )
    agency = fields.String(
        load_default=None,
        validate=validate.Length(max=35),
        metadata={"description": "receiving agency identifier"},
    )
    applicant = fields.Nested(ApplicantSchema, required=True)


class ComponentMarkSchema(Schema):
    state = fields.String(
        required=True,
        validate=validate.OneOf(
            [ComponentState.PAPER, ComponentState.NOT_PROVIDED, ComponentState.PENDING]
        ),
    )
    note = fields.String(load_default=None, validate=validate.Length(max=1000))


class FileUploadSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    # Documented in the multipart body; flask-smorest parses only the file part here, so the
    # handler reads this field from the form itself.
    replace = fields.Boolean(
        load_default=False, metadata={"description": "replace the component's files"}
    )


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


def _own(dossier_id: int) -> tuple[Any, Actor, Dossier]:
    """The caller's own dossier, or 404 (someone else's dossier does not exist for them)."""
    actor, session = require_user(), get_session()
    return session, actor, get_own_dossier(session, actor.user_id, dossier_id)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "y", "on")


def _detail(session: Any, dossier: Dossier) -> dict[str, Any]:
    return dossier_detail(dossier, events.history(session, dossier), Audience.APPLICANT)


@bp.route("")
class Dossiers(MethodView):
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def get(self) -> list[dict[str, Any]]:
        """My dossiers, newest first / Hồ sơ của tôi"""
        actor, session = require_user(), get_session()
        rows = session.scalars(
            select(Dossier)
            .where(Dossier.applicant_user_id == actor.user_id, Dossier.status != Status.DISCARDED)
            .order_by(Dossier.id.desc())
        ).all()
        return [dossier_detail(d, [], Audience.APPLICANT) for d in rows]

    @bp.arguments(NewDossierSchema)
    @bp.response(201)
    @bp.doc(security=SECURITY)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Start a draft dossier / Tạo hồ sơ nháp"""
        actor, session = require_user(), get_session()
        dossier = create_draft(
            session,
            actor,
            data["procedure"],
            Applicant(**data["applicant"]),
            channel=Channel.ONLINE,
            agency_code=data["agency"],
        )
        session.commit()
        return _detail(session, dossier)


@bp.route("/<id:dossier_id>")
class DossierItem(MethodView):
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def get(self, dossier_id: int) -> dict[str, Any]:
        """A dossier with its components, files, documents and history"""
        session, _, dossier = _own(dossier_id)
        return _detail(session, dossier)


@bp.route("/<id:dossier_id>/components/<id:component_id>")
class ComponentItem(MethodView):
    @bp.arguments(ComponentMarkSchema)
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def put(self, data: dict[str, Any], dossier_id: int, component_id: int) -> dict[str, Any]:
        """Say a component comes on paper, is not provided, or is still to do"""
        session, actor, dossier = _own(dossier_id)
        mark_component(
            session, actor, dossier, component_id, ComponentState(data["state"]), data["note"]
        )
        session.commit()
        return _detail(session, dossier)


@bp.route("/<id:dossier_id>/components/<id:component_id>/files")
class ComponentFiles(MethodView):
    @bp.arguments(FileUploadSchema, location="files")
    @bp.response(201)
    @bp.doc(security=SECURITY)
    def post(self, data: dict[str, Any], dossier_id: int, component_id: int) -> dict[str, Any]:
        """Attach a file (PDF, JPEG, PNG) to a component; multipart field ``file``"""
        session, actor, dossier = _own(dossier_id)
        upload = data["file"]
        if not getattr(upload, "filename", None):
            raise InvalidInput("Thiếu tệp hoặc tên tệp", "The file or its name is missing")
        record = attach_file(
            session,
            actor,
            store(),
            dossier,
            component_id,
            filename=upload.filename,
            content_type=upload.mimetype or "application/octet-stream",
            data=upload.read(),
            replace=_flag(request.form.get("replace")),
            max_bytes=current_app.config["MOTCUA_MAX_FILE_BYTES"],
        )
        session.commit()
        return {
            "id": record.id,
            "sha256": record.sha256,
            "size": record.size,
            "filename": record.filename,
            "content_type": record.content_type,
        }


@bp.route("/<id:dossier_id>/files/<id:file_id>")
class FileItem(MethodView):
    @bp.response(200, content_type="application/octet-stream")
    @bp.doc(security=SECURITY)
    def get(self, dossier_id: int, file_id: int) -> Response:
        """Download a file of the dossier (its bytes are re-checked against their SHA-256)"""
        _, _, dossier = _own(dossier_id)
        record = next((f for f in dossier.files if f.id == file_id), None)
        if record is None:
            raise NotFound("Không tìm thấy tệp", "File not found")
        return send_stored(record)

    @bp.response(204)
    @bp.doc(security=SECURITY)
    def delete(self, dossier_id: int, file_id: int) -> None:
        """Take a file out of the dossier (kept in its history)"""
        session, actor, dossier = _own(dossier_id)
        remove_file(session, actor, dossier, file_id)
        session.commit()


@bp.route("/<id:dossier_id>/submit")
class SubmitDossier(MethodView):
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def post(self, dossier_id: int) -> dict[str, Any]:
        """Submit a draft (it gets its dossier code), or resubmit after a supplement request"""
        session, actor, dossier = _own(dossier_id)
        submit_dossier(session, actor, dossier)
        session.commit()
        return _detail(session, dossier)


@bp.route("/<id:dossier_id>/withdraw")
class WithdrawDossier(MethodView):
    @bp.arguments(ReasonSchema)
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def post(self, data: dict[str, Any], dossier_id: int) -> dict[str, Any]:
        """Withdraw the dossier (national status 7) / Rút hồ sơ"""
        session, actor, dossier = _own(dossier_id)
        withdraw_dossier(session, actor, dossier, data["reason"])
        session.commit()
        return _detail(session, dossier)
