"""Portal operations of the JSON API: the catalogue, agencies and the current account."""

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from dossiers import catalogue
from dossiers.agencies import Agency
from dossiers.calendar import VN_TZ
from dossiers.db import utcnow
from dossiers.procedures import version_in_force
from motcua.api import require_user
from motcua.database import get_session
from motcua.presenters import procedure_detail, procedure_summary

bp = Blueprint(
    "portal_api",
    __name__,
    url_prefix="/api/v1",
    description="Catalogue and agencies / Danh mục thủ tục và cơ quan",
)


class SearchArgs(Schema):
    q = fields.String(load_default="", metadata={"description": "words, accents optional"})
    field = fields.String(load_default=None)
    agency = fields.String(load_default=None, metadata={"description": "agency identifier"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 10**6))


class AgencySchema(Schema):
    code = fields.String()
    name = fields.String()
    short_name = fields.String(allow_none=True)
    kind = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)


@bp.route("/procedures")
class Procedures(MethodView):
    @bp.arguments(SearchArgs, location="query")
    @bp.response(200)
    @bp.doc(security=[])
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Search procedures in force (accent-insensitive) / Tìm thủ tục"""
        session = get_session()
        agency_id = None
        if args["agency"]:
            agency = session.scalar(select(Agency).where(Agency.code == args["agency"].upper()))
            agency_id = agency.id if agency else -1
        found = catalogue.search(
            session,
            args["q"],
            field_=args["field"],
            agency_id=agency_id,
            limit=args["limit"],
            offset=args["offset"],
        )
        return [procedure_summary(v) for v in found]


@bp.route("/procedures/<code>")
class ProcedureItem(MethodView):
    @bp.response(200)
    @bp.doc(security=[])
    def get(self, code: str) -> dict[str, Any]:
        """A procedure version in force, with components, fees and steps"""
        version = version_in_force(get_session(), code, utcnow().astimezone(VN_TZ).date())
        return procedure_detail(version)


@bp.route("/agencies")
class Agencies(MethodView):
    @bp.response(200, AgencySchema(many=True))
    @bp.doc(security=[])
    def get(self) -> list[Agency]:
        """Agencies in force / Danh sách cơ quan"""
        today = utcnow().astimezone(VN_TZ).date()
        rows = get_session().scalars(
            select(Agency)
            .where(Agency.valid_from <= today)
            .where((Agency.valid_to.is_(None)) | (Agency.valid_to > today))
            .order_by(Agency.code)
        )
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
