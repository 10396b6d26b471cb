"""Public verification (Đ12.3, NĐ 45 Art. 15): upload a PDF, or follow a document's QR code.

No login. Uploads are size-limited and the page is rate-limited per address; a hostile or
broken file gets "cannot verify" with a reason, never an error page.
"""

import logging
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from werkzeug.wrappers import Response

from dossiers.errors import DomainError
from dossiers.records import DossierFile
from dossiers.register import by_code
from dossiers.verification import Report, describe, verify
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


def check_upload(data: bytes, filename: str) -> tuple[Report | None, str | None]:
    """The report, or the reason it cannot be given (never an exception for bad input)."""
    try:
        return verify(get_session(), data, keyring().trust_roots(), filename=filename), None
    except DomainError as error:
        return None, error.message
    except Exception as error:  # noqa: BLE001 — a hostile PDF must not become a 500
        log.warning("verification failed on %r: %r", filename, error)
        return None, "Tệp PDF bị lỗi cấu trúc, không kiểm tra được chữ ký"


def read_limited() -> tuple[bytes | None, str, str | None]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, "", "Hãy chọn một tệp PDF"
    data = upload.stream.read(max_bytes() + 1)
    if len(data) > max_bytes():
        return None, upload.filename, (f"Tệp quá lớn (tối đa {max_bytes() // (1024 * 1024)} MB)")
    return data, upload.filename, None


@bp.route("/verify", methods=["GET", "POST"])
def verify_page() -> tuple[str, int] | str:
    if request.method == "GET":
        return render_template("portal/verify.html", report=None, error=None)
    if limits.over_limit("verify", VERIFICATIONS):
        return render_template("portal/verify.html", report=None, limited=True,
                               error=None), 429
    data, filename, error = read_limited()
    report = None
    if data is not None:
        report, error = check_upload(data, filename)
    return render_template("portal/verify.html", report=report, error=error,
                           filename=filename), (200 if report else 422)


@bp.get("/verify/<code>")
def verify_code(code: str) -> tuple[str, int] | str:
    """Where an issued document's QR code leads: the register's word and the stored file's."""
    if limits.over_limit("verify", VERIFICATIONS):
        return render_template("portal/verify.html", report=None, limited=True,
                               error=None), 429
    issued = by_code(get_session(), code)
    if issued is None:
        return render_template("portal/verify.html", report=None, error=None,
                               unknown=True), 404
    report: Any = None
    error = None
    record = get_session().get(DossierFile, issued.file_id) if issued.file_id else None
    if record is not None:
        report, error = check_upload(store().read(record.sha256), record.filename)
    else:
        report = Report(file=issued.title, sha256=issued.sha256)
        describe(report, issued)
    return render_template("portal/verify.html", report=report, error=error, code=code,
                           downloadable=record is not None)


@bp.get("/verify/<code>/file")
def verify_file(code: str) -> Response:
    issued = by_code(get_session(), code)
    record = get_session().get(DossierFile, issued.file_id) if issued and issued.file_id \
        else None
    if record is None:
        abort(404)
    return send_stored(record)
