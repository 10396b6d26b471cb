"""Back-office pages: login, the agency's dossiers, a dossier, the working calendar."""

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from backoffice.forms import OverrideForm
from dossiers import events
from dossiers.calendar import VN_TZ
from dossiers.calendar_store import CalendarOverride, load_calendar, remove_override, set_override
from dossiers.db import utcnow
from dossiers.errors import DomainError
from dossiers.lifecycle import STATUS_LABELS, Audience, Role, Status
from dossiers.records import Dossier, get_dossier
from motcua.auth import current_actor
from motcua.database import get_session
from motcua.presenters import dossier_detail

bp = Blueprint("backoffice", __name__, url_prefix="/backoffice")


@bp.get("/login")
def login() -> Response:
    """One login page for everyone; staff land in the back office."""
    return redirect(url_for("account.login", next=request.args.get("next")))


@bp.get("/")
@login_required
def dashboard() -> str:
    actor = current_actor()
    db = get_session()
    agencies = actor.agencies(Role.RECEPTION, Role.OFFICER, Role.LEADER)
    query = select(Dossier).where(Dossier.status != Status.DRAFT)
    if not actor.has(Role.SUPERVISOR):
        query = query.where(
            Dossier.holder_agency_id.in_(agencies) | Dossier.receiving_agency_id.in_(agencies)
        )
    rows = db.scalars(
        query.order_by(Dossier.due_at.is_(None), Dossier.due_at, Dossier.id.desc()).limit(200)
    ).all()
    now = utcnow()
    items: list[dict[str, Any]] = [
        {
            "id": d.id,
            "code": d.code,
            "procedure": d.procedure_version.name,
            "applicant": d.applicant_name,
            "status": STATUS_LABELS[Status(d.status)][0],
            "due": d.due_at.astimezone(VN_TZ) if d.due_at else None,
            "overdue": bool(d.due_at and d.due_at < now and d.finished_at is None),
        }
        for d in rows
    ]
    return render_template(
        "backoffice/dashboard.html", items=items, is_desk=bool(actor.agencies(Role.RECEPTION))
    )


@bp.get("/dossiers/<id:dossier_id>")
@login_required
def dossier(dossier_id: int) -> str:
    db, actor = get_session(), current_actor()
    record = get_dossier(db, dossier_id)
    events.require_view(db, actor, record)
    return render_template(
        "backoffice/dossier.html",
        d=dossier_detail(record, events.history(db, record), Audience.STAFF),
    )


@bp.route("/calendar", methods=["GET", "POST"])
@login_required
def calendar() -> str | Response:
    db, actor = get_session(), current_actor()
    year = request.args.get("year", type=int) or utcnow().astimezone(VN_TZ).year
    year = min(max(year, 1990), 2100)
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            set_override(
                db,
                actor,
                form.day.data or date.today(),
                bool(form.working.data),
                form.reason.data or "",
            )
            db.commit()
            flash("Đã lưu điều chỉnh lịch. / Override saved.", "info")
            return redirect(url_for("backoffice.calendar", year=year))
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
    days = load_calendar(db).year(year)
    overrides = db.scalars(select(CalendarOverride).order_by(CalendarOverride.day)).all()
    return render_template(
        "backoffice/calendar.html",
        year=year,
        days=days,
        form=form,
        overrides=overrides,
        is_admin=actor.has(Role.ADMIN),
    )


@bp.post("/calendar/<day>/delete")
@login_required
def calendar_delete(day: str) -> Response:
    db = get_session()
    try:
        remove_override(db, current_actor(), date.fromisoformat(day))
        db.commit()
        flash("Đã xóa điều chỉnh. / Override removed.", "info")
    except (DomainError, ValueError) as error:
        db.rollback()
        flash(getattr(error, "message", str(error)), "error")
    return redirect(url_for("backoffice.calendar"))
