"""The configured file store, and sending a stored file back (its hash re-checked on read)."""

import unicodedata
from urllib.parse import quote

from flask import Response, current_app

from dossiers.documents import Printer
from dossiers.files import FileStore
from dossiers.pdf.active import is_active
from dossiers.records import DossierFile


def store() -> FileStore:
    return FileStore(current_app.config["MOTCUA_STORAGE"])


def printer() -> Printer:
    """What forms need: the store, the public address their QR codes link to, and the keyring
    whose agency seals sign them (keys parsed once per process)."""
    from dossiers.signing.keys import shared_keyring  # pyHanko only where forms are issued

    return Printer(
        store(), current_app.config["MOTCUA_BASE_URL"], keyring=shared_keyring(current_app.config)
    )


def send_stored(record: DossierFile, *, inline: bool = False) -> Response:
    """The file's bytes, refused by the store if they no longer match their SHA-256.

    ``inline`` is only a wish: a PDF with JavaScript, launch or open actions always goes as an
    attachment, so a browser never runs it in our origin.
    """
    data = store().read(record.sha256)
    if inline and record.content_type == "application/pdf" and _active_pdf(record.sha256, data):
        inline = False
    response = Response(data, mimetype=record.content_type)
    response.headers["Content-Disposition"] = content_disposition(record.filename, inline=inline)
    response.headers["X-Content-SHA256"] = record.sha256
    return response


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A header no file name can break: a plain-ASCII ``filename`` (diacritics dropped, anything
    else replaced) and the whole name in RFC 5987 ``filename*``, both without quotes, line
    breaks or direction overrides (U+202E would show "gpj.exe" as "exe.jpg")."""
    name = (
        "".join(
            c
            for c in unicodedata.normalize("NFC", filename)
            if unicodedata.category(c)[0] not in "CZ" or c == " "
        )
        or "tep"
    )
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = (
        "".join(
            c if c.isascii() and (c.isalnum() or c in " ._-()") else "_"
            for c in plain
            if not unicodedata.combining(c)
        ).strip()
        or "tep"
    )
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


_ACTIVE: dict[str, bool] = {}  # stored files are named by their hash: the answer holds


def _active_pdf(sha256: str, data: bytes) -> bool:
    if sha256 not in _ACTIVE:
        if len(_ACTIVE) > 4096:
            _ACTIVE.clear()
        _ACTIVE[sha256] = is_active(data)
    return _ACTIVE[sha256]
