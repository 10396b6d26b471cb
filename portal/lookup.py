"""Public lookup without login: status, promised date and milestones; nothing personal."""

from typing import Any

from flask import Blueprint, render_template, request

from dossiers.calendar import VN_TZ
from dossiers.events import history
from dossiers.intake import lookup
from dossiers.lifecycle import STATUS_LABELS, Audience, Status
from motcua import limits
from motcua.database import get_session
from motcua.presenters import timeline
from portal.forms import LookupForm

bp = Blueprint("lookup", __name__)


def public_view(code: str, secret: str) -> dict[str, Any] | None:
    session = get_session()
    dossier = lookup(session, code, secret)
    if dossier is None:
        return None
    return {
        "code": dossier.code,
        "status": STATUS_LABELS[Status(dossier.status)][0],
        "national_status": dossier.national_status,
        "procedure": dossier.procedure_version.name,
        "due": (
            dossier.due_at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y") if dossier.due_at else None
        ),
        # Milestones with their dates, no names or reasons (lifecycle.AUDIENCES).
        "events": [
            {"label": e["label"], "at": e["at"]}
            for e in timeline(history(session, dossier), Audience.PUBLIC)
        ],
    }


@bp.get("/lookup")
def lookup_view() -> tuple[str, int] | str:
    form = LookupForm(request.args)
    if not request.args:
        return render_template("portal/lookup.html", form=form, result=None, asked=False)
    if limits.over_limit("lookup", limits.LOOKUPS):
        return render_template(
            "portal/lookup.html", form=form, result=None, asked=False, limited=True
        ), 429
    result = public_view(form.code.data or "", form.secret.data or "") if form.validate() else None
    return render_template("portal/lookup.html", form=form, result=result, asked=True)
