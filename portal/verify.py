"""Public verification (Đ12.3, NĐ 45 Art. 15): upload a PDF, or follow a document's QR code.

No login. Uploads are size-limited and the page is rate-limited per address; a hostile or
broken file gets "cannot verify" with a reason, never an error page.
"""

import logging

from flask import Blueprint, abort, current_app, render_template, request
from werkzeug.wrappers import Response

from dossiers.errors import DomainError, InvalidFile
from dossiers.records import DossierFile
from dossiers.register import IssuedDocument, by_code
from dossiers.verification import Report, describe, dossier_code, verify
from motcua import limits
from motcua.database import get_session
from motcua.files import send_stored, store
from motcua.keyring import keyring

bp = Blueprint("verify", __name__)
log = logging.getLogger(__name__)
VERIFICATIONS = 30  # per address per window (motcua.limits.WINDOW)
MAX_BYTES = 10 * 1024 * 1024


def max_bytes() -> int:
    return min(int(current_app.config.get("MOTCUA_MAX_FILE_BYTES") or MAX_BYTES), MAX_BYTES)


def check_file(data: bytes, filename: str) -> tuple[Report | None, DomainError | None]:
    """The report, or why it cannot be given, in Vietnamese and English (never an exception
    for bad input)."""
    try:
        return verify(get_session(), data, keyring().trust_roots(), filename=filename), None
    except DomainError as error:
        return None, error
    except Exception as error:  # noqa: BLE001 — a hostile PDF must not become a 500
        log.warning("verification failed on %r: %r", filename, error)
        return None, InvalidFile("Tệp PDF bị lỗi cấu trúc, không kiểm tra được chữ ký",
                                 "The PDF is malformed: its signatures cannot be checked")


def read_limited() -> tuple[bytes | None, str, DomainError | None]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, "", InvalidFile("Hãy chọn một tệp PDF", "Choose a PDF file")
    limit = max_bytes()
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        mib = limit // (1024 * 1024)
        return None, upload.filename, InvalidFile(f"Tệp quá lớn (tối đa {mib} MB)",
                                                  f"The file is too large (at most {mib} MB)")
    return data, upload.filename, None


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
    return render_template("portal/verify.html", report=report,
                           error=error.message if error else None,
                           filename=filename), (200 if report else 422)


@bp.get("/verify/<code>")
def verify_code(code: str) -> tuple[str, int] | str:
    """Where an issued document's QR code leads: the register's word and the stored file's."""
    if limits.over_limit("verify", VERIFICATIONS):
        return _limited()
    issued = by_code(get_session(), code)
    if issued is None:
        return render_template("portal/verify.html", report=None, error=None,
                               unknown=True), 404
    report: Report | None
    error = None
    record = _stored_file(issued)
    if record is not None:
        report, problem = check_file(store().read(record.sha256), record.filename)
        error = problem.message if problem else None
    else:
        report = Report(file=issued.title, sha256=issued.sha256)
        describe(report, issued, dossier_code(get_session(), issued))
    return render_template("portal/verify.html", report=report, error=error, code=code,
                           downloadable=record is not None)


@bp.get("/verify/<code>/file")
def verify_file(code: str) -> Response:
    record = _stored_file(by_code(get_session(), code))
    if record is None:
        abort(404)
    return send_stored(record)
