"""Reading and checking a PDF sent for verification, shared by the public page and the staff
API: size-limited, and a hostile or broken file gets "cannot verify" with a reason."""

import logging

from flask import current_app, request

from dossiers.errors import DomainError, InvalidFile
from dossiers.verification import Report, verify
from motcua.database import get_session
from motcua.keyring import keyring

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
        return None, InvalidFile(
            "Tệp PDF bị lỗi cấu trúc, không kiểm tra được chữ ký",
            "The PDF is malformed: its signatures cannot be checked",
        )


def read_limited() -> tuple[bytes | None, str, DomainError | None]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, "", InvalidFile("Hãy chọn một tệp PDF", "Choose a PDF file")
    limit = max_bytes()
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        mib = limit // (1024 * 1024)
        return (
            None,
            upload.filename,
            InvalidFile(
                f"Tệp quá lớn (tối đa {mib} MB)", f"The file is too large (at most {mib} MB)"
            ),
        )
    return data, upload.filename, None
