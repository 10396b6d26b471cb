"""Public verification (Đ12.3, NĐ 45 Art. 15): upload a PDF, or follow a document's QR code.

No login. Uploads are size-limited and the page is rate-limited per address; a hostile or
broken file gets "cannot verify" with a reason, never an error page.
"""

import logging

from flask import Blueprint, abort, render_template, request
from werkzeug.wrappers import Response

from dossiers.records import DossierFile
from dossiers.register import IssuedDocument, by_code
from dossiers.verification import Report, describe, dossier_code
from motcua import limits
from motcua.database import get_session
from motcua.files import send_stored, store
from motcua.verify_upload import VERIFICATIONS, check_file, read_limited

bp = Blueprint("verify", __name__)
log = logging.getLogger(__name__)


def _limited() -> tuple[str, int]:
    return render_template("portal/verify.html", report=None, limited=True, error=None), 429


def _stored_file(issued: IssuedDocument | None) -> DossierFile | None:
    """The issued document's stored file, when it was issued with one (a dossier's result)."""
    if issued is None or issued.file_id is None:
        return None
    return get_session().get(DossierFile, issued.file_id)


@bp.route("/verify", methods=["GET", "POST"])
def verify_page() -> tuple[str, int] | str:
    if request.method == "GET":
        return render_template("portal/verify.html", report=None, error=None)
    if limits.over_limit("verify", VERIFICATIONS):
        return _limited()
    data, filename, error = read_limited()
    report = None
    if data is not None:
        report, error = check_file(data, filename)
    return render_template(
        "portal/verify.html",
        report=report,
        error=error.message if error else None,
        filename=filename,
    ), (200 if report else 422)


@bp.get("/verify/<code>")
def verify_code(code: str) -> tuple[str, int] | str:
    """Where an issued document's QR code leads: the register's word and the stored file's."""
    if limits.over_limit("verify", VERIFICATIONS):
        return _limited()
    issued = by_code(get_session(), code)
    if issued is None:
        return render_template("portal/verify.html", report=None, error=None, unknown=True), 404
    report: Report | None
    error = None
    record = _stored_file(issued)
    if record is not None:
        report, problem = check_file(store().read(record.sha256), record.filename)
        error = problem.message if problem else None
    else:
        report = Report(file=issued.title, sha256=issued.sha256)
        describe(report, issued, dossier_code(get_session(), issued))
    return render_template(
        "portal/verify.html", report=report, error=error, code=code, downloadable=record is not None
    )


@bp.get("/verify/<code>/file")
def verify_file(code: str) -> Response:
    record = _stored_file(by_code(get_session(), code))
    if record is None:
        abort(404)
    return send_stored(record)
