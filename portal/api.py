"""Portal operations of the JSON API: catalogue, agencies, and the applicant's dossiers."""

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from dossiers import catalogue, events
from dossiers.agencies import Agency
from dossiers.calendar import VN_TZ
from dossiers.db import utcnow
from dossiers.errors import InvalidInput
from dossiers.files import FileStore
from dossiers.intake import Applicant, attach_file, create_draft, mark_component, submit_dossier
from dossiers.procedures import version_in_force
from dossiers.records import Channel, ComponentState, get_dossier
from motcua.api import require_user
from motcua.auth import current_actor
from motcua.database import get_session
from portal.presenters import dossier_detail, procedure_detail, procedure_summary

bp = Blueprint("portal_api", __name__, url_prefix="/api/v1",
               description="Catalogue and the applicant's dossiers / Danh mục thủ tục và hồ sơ")


class SearchArgs(Schema):
    q = fields.String(load_default="", metadata={"description": "words, accents optional"})
    field = fields.String(load_default=None)
    agency = fields.String(load_default=None, metadata={"description": "agency identifier"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0))


class AgencySchema(Schema):
    code = fields.String()
    name = fields.String()
    short_name = fields.String(allow_none=True)
    kind = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)


class ApplicantSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    id_number = fields.String(load_default=None, validate=validate.Length(max=20))
    phone = fields.String(load_default=None, validate=validate.Length(max=20))
    email = fields.Email(load_default=None)
    address = fields.String(load_default=None, validate=validate.Length(max=300))


class NewDossierSchema(Schema):
    procedure = fields.String(required=True, metadata={"description": "procedure code"})
    agency = fields.String(load_default=None, metadata={"description": "receiving agency"})
    applicant = fields.Nested(ApplicantSchema, required=True)


class ComponentMarkSchema(Schema):
    state = fields.String(required=True, validate=validate.OneOf(
        [ComponentState.PAPER, ComponentState.NOT_PROVIDED, ComponentState.NOT_DIGITIZABLE,
         ComponentState.PENDING]))
    note = fields.String(load_default=None)


class FileUploadSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


@bp.route("/procedures")
class Procedures(MethodView):
    @bp.arguments(SearchArgs, location="query")
    @bp.response(200)
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Search procedures in force (accent-insensitive) / Tìm thủ tục"""
        session = get_session()
        agency_id = None
        if args["agency"]:
            agency = session.scalar(select(Agency).where(Agency.code == args["agency"].upper()))
            agency_id = agency.id if agency else -1
        found = catalogue.search(session, args["q"], field_=args["field"], agency_id=agency_id,
                                 limit=args["limit"], offset=args["offset"])
        return [procedure_summary(v) for v in found]


@bp.route("/procedures/<code>")
class ProcedureItem(MethodView):
    @bp.response(200)
    def get(self, code: str) -> dict[str, Any]:
        """A procedure version in force, with components, fees and steps"""
        version = version_in_force(get_session(), code, utcnow().astimezone(VN_TZ).date())
        return procedure_detail(version)


@bp.route("/agencies")
class Agencies(MethodView):
    @bp.response(200, AgencySchema(many=True))
    def get(self) -> list[Agency]:
        """Agencies in force / Danh sách cơ quan"""
        today = utcnow().astimezone(VN_TZ).date()
        rows = get_session().scalars(
            select(Agency).where(Agency.valid_from <= today)
            .where((Agency.valid_to.is_(None)) | (Agency.valid_to > today))
            .order_by(Agency.code))
        return list(rows)


@bp.route("/me")
class Me(MethodView):
    @bp.response(200)
    @bp.doc(security=[{"bearerAuth": []}])
    def get(self) -> dict[str, Any]:
        """The account behind the token or session"""
        actor = require_user()
        session = get_session()
        roles = []
        for role, agency_id in sorted(actor.grants, key=lambda g: (g[0], g[1] or 0)):
            agency = session.get(Agency, agency_id) if agency_id else None
            roles.append({"role": role, "agency": agency.code if agency else None})
        return {"login": actor.login, "full_name": actor.full_name, "roles": roles}


@bp.route("/dossiers")
class Dossiers(MethodView):
    @bp.arguments(NewDossierSchema)
    @bp.response(201)
    @bp.doc(security=[{"bearerAuth": []}])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Start a draft dossier / Tạo hồ sơ nháp"""
        actor, session = require_user(), get_session()
        dossier = create_draft(session, actor, data["procedure"], Applicant(**data["applicant"]),
                               channel=Channel.ONLINE, agency_code=data["agency"])
        session.commit()
        return dossier_detail(dossier, events.history(session, dossier))


def _own(dossier_id: int) -> Any:
    session, actor = get_session(), current_actor()
    dossier = get_dossier(session, dossier_id)
    events.require_view(session, actor, dossier)
    return session, actor, dossier


@bp.route("/dossiers/<int:dossier_id>")
class DossierItem(MethodView):
    @bp.response(200)
    @bp.doc(security=[{"bearerAuth": []}])
    def get(self, dossier_id: int) -> dict[str, Any]:
        """A dossier with its components, files and history"""
        require_user()
        session, _, dossier = _own(dossier_id)
        return dossier_detail(dossier, events.history(session, dossier))


@bp.route("/dossiers/<int:dossier_id>/components/<int:component_id>")
class ComponentItem(MethodView):
    @bp.arguments(ComponentMarkSchema)
    @bp.response(200)
    @bp.doc(security=[{"bearerAuth": []}])
    def put(self, data: dict[str, Any], dossier_id: int, component_id: int) -> dict[str, Any]:
        """Say a component comes on paper / is not provided / cannot be digitized"""
        require_user()
        session, actor, dossier = _own(dossier_id)
        mark_component(session, actor, dossier, component_id, ComponentState(data["state"]),
                       data["note"])
        session.commit()
        return dossier_detail(dossier, events.history(session, dossier))


@bp.route("/dossiers/<int:dossier_id>/components/<int:component_id>/files")
class ComponentFiles(MethodView):
    @bp.arguments(FileUploadSchema, location="files")
    @bp.response(201)
    @bp.doc(security=[{"bearerAuth": []}])
    def post(self, data: dict[str, Any], dossier_id: int, component_id: int) -> dict[str, Any]:
        """Attach a file to a component (multipart field ``file``)"""
        require_user()
        session, actor, dossier = _own(dossier_id)
        upload = data["file"]
        payload = upload.read()
        if not upload.filename:
            raise InvalidInput("Thiếu tên tệp", "The file has no name")
        store = FileStore(current_app.config["MOTCUA_STORAGE"])
        record = attach_file(session, actor, store, dossier, component_id,
                             filename=upload.filename,
                             content_type=upload.mimetype or "application/octet-stream",
                             data=payload)
        session.commit()
        return {"id": record.id, "sha256": record.sha256, "size": record.size,
                "filename": record.filename}


@bp.route("/dossiers/<int:dossier_id>/submit")
class SubmitDossier(MethodView):
    @bp.response(200)
    @bp.doc(security=[{"bearerAuth": []}])
    def post(self, dossier_id: int) -> dict[str, Any]:
        """Submit a draft: it gets its dossier code / Nộp hồ sơ"""
        require_user()
        session, actor, dossier = _own(dossier_id)
        submit_dossier(session, actor, dossier)
        session.commit()
        return dossier_detail(dossier, events.history(session, dossier))
