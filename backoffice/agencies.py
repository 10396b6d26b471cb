"""Administration of agencies: the tree as it stands, and an import by upload that shows what
will change before anything is written. The same use cases as the API and the CLI."""

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from backoffice.admin_files import read_setup_file
from backoffice.api_admin import agency_dict
from dossiers import audit
from dossiers.actors import Actor
from dossiers.agency_import import import_agencies, list_agencies, plan_agencies
from dossiers.calendar import today_in_vietnam
from dossiers.errors import DomainError
from dossiers.lifecycle import Role
from motcua.auth import current_actor
from motcua.database import get_session

bp = Blueprint("agencies_admin", __name__, url_prefix="/backoffice/admin/agencies")


def _admin() -> Actor:
    actor = current_actor()
    if not actor.has(Role.ADMIN):
        abort(403)
    return actor


def _index(actor: Actor, status: int = 200) -> tuple[str, int]:
    db, today = get_session(), today_in_vietnam()
    rows = [agency_dict(db, a, today) for a in list_agencies(db, actor)]
    return render_template(
        "backoffice/agencies.html",
        agencies=rows,
        today=today,
        imports=audit.recent(db, actor, action_prefix="agencies:", limit=10),
    ), status


@bp.get("/")
@login_required
def index() -> tuple[str, int]:
    return _index(_admin())


@bp.post("/preview")
@login_required
def preview() -> tuple[str, int]:
    actor, db = _admin(), get_session()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Hãy chọn tệp YAML hoặc JSON."), "error")
        return _index(actor, 400)
    try:
        data = read_setup_file(upload.read())
        plan = plan_agencies(db, actor, data)
    except DomainError as error:
        flash(error.message, "error")
        return _index(actor, 422)
    return render_template(
        "backoffice/agencies_preview.html",
        plan=plan,
        filename=upload.filename,
        data=json.dumps(data, ensure_ascii=False, default=str),
    ), 200


@bp.post("/apply")
@login_required
def apply() -> BaseResponse | tuple[str, int]:
    actor, db = _admin(), get_session()
    try:
        plan = import_agencies(db, actor, json.loads(request.form.get("data") or "null"))
    except ValueError:
        flash(_("Dữ liệu xem trước bị hỏng; hãy tải tệp lên lại."), "error")
        return _index(actor, 400)
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
        return _index(actor, 422)
    db.commit()
    if plan.changed:
        flash(
            _(
                "Đã nhập: %(created)d cơ quan mới, %(updated)d cơ quan cập nhật.",
                created=len(plan.created),
                updated=len(plan.updated),
            ),
            "info",
        )
    else:
        flash(_("Không có thay đổi."), "info")
    return redirect(url_for("agencies_admin.index"))
