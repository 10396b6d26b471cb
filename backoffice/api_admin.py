"""Administration through the API: the same use cases as the admin pages and the CLI."""

from datetime import date
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from backoffice.admin_schemas import (
    AdminAgencySchema,
    AgenciesFileSchema,
    AgencyPlanSchema,
    DryRunSchema,
)
from backoffice.integration_schemas import errors
from dossiers.agencies import Agency, parent_on
from dossiers.agency_import import (
    import_agencies,
    list_agencies,
    plan_agencies,
    plan_as_dict,
)
from dossiers.calendar import today_in_vietnam
from motcua.api import require_user
from motcua.database import get_session

bp = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin",
               description="Administration (administrators) / Quản trị hệ thống")
SECURITY = [{"bearerAuth": []}]


def agency_dict(session: Any, agency: Agency, today: date) -> dict[str, Any]:
    parent = parent_on(session, agency, today)
    successor = session.get(Agency, agency.successor_id) if agency.successor_id else None
    return {"code": agency.code, "name": agency.name, "kind": agency.kind,
            "parent": parent.code if parent else None, "valid_from": agency.valid_from,
            "valid_to": agency.valid_to, "successor": successor.code if successor else None}


@bp.route("/agencies")
class Agencies(MethodView):
    @bp.response(200, AdminAgencySchema(many=True))
    @errors(bp, 401, 403, 404)
    @bp.doc(operationId="adminListAgencies", security=SECURITY)
    def get(self) -> list[dict[str, Any]]:
        """Every agency, closed ones included / Danh sách cơ quan"""
        actor, session, today = require_user(), get_session(), today_in_vietnam()
        return [agency_dict(session, a, today) for a in list_agencies(session, actor)]


@bp.route("/agencies/import")
class AgenciesImport(MethodView):
    @bp.arguments(DryRunSchema, location="query")
    @bp.arguments(AgenciesFileSchema)
    @bp.response(200, AgencyPlanSchema)
    @errors(bp, 400, 401, 403, 404, 422)
    @bp.doc(operationId="importAgencies", security=SECURITY)
    def post(self, query: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        """Import agencies (dated, idempotent, closures with successors); ``dry_run`` previews
        / Nhập danh sách cơ quan"""
        actor, session = require_user(), get_session()
        if query["dry_run"]:
            plan = plan_agencies(session, actor, data)
        else:
            plan = import_agencies(session, actor, data)
            session.commit()
        return {"applied": not query["dry_run"], **plan_as_dict(plan)}
