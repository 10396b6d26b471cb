"""Portal pages: home, procedure catalogue and procedure page."""

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from dossiers.agencies import Agency
from dossiers.calendar import VN_TZ
from dossiers.catalogue import fields, search
from dossiers.db import utcnow
from dossiers.errors import NotFound
from dossiers.procedures import version_in_force
from motcua.database import get_session
from motcua.presenters import procedure_detail, procedure_summary

bp = Blueprint("portal", __name__)


@bp.get("/")
def home() -> str:
    session = get_session()
    featured = [procedure_summary(v) for v in search(session, limit=8)]
    return render_template("portal/home.html", featured=featured, fields=fields(session))


@bp.get("/procedures")
def procedures() -> str:
    session = get_session()
    query = request.args.get("q", "").strip()[:200]
    field_ = request.args.get("field") or None
    agency_code = request.args.get("agency") or None
    agency = None
    if agency_code:
        agency = session.scalar(select(Agency).where(Agency.code == agency_code.upper()))
    found = search(
        session, query, field_=field_, agency_id=agency.id if agency else None, limit=100
    )
    return render_template(
        "portal/procedures.html",
        query=query,
        field=field_,
        fields=fields(session),
        results=[procedure_summary(v) for v in found],
    )


@bp.get("/procedures/<code>")
def procedure(code: str) -> str:
    try:
        version = version_in_force(get_session(), code, utcnow().astimezone(VN_TZ).date())
    except NotFound:
        abort(404)
    return render_template("portal/procedure.html", p=procedure_detail(version))
