"""The configured file store, and sending a stored file back (its hash re-checked on read)."""

from urllib.parse import quote

from flask import Response, current_app

from dossiers.documents import Printer
from dossiers.files import FileStore
from dossiers.records import DossierFile


def store() -> FileStore:
    return FileStore(current_app.config["MOTCUA_STORAGE"])


def printer() -> Printer:
    """What forms need: the store, the public address their QR codes link to, and the keyring
    whose agency seals sign them (keys parsed once per process)."""
    from dossiers.signing.keys import shared_keyring  # pyHanko only where forms are issued

    return Printer(store(), current_app.config["MOTCUA_BASE_URL"],
                   keyring=shared_keyring(current_app.config))


def send_stored(record: DossierFile, *, inline: bool = False) -> Response:
    """The file's bytes, refused by the store if they no longer match their SHA-256."""
    response = Response(store().read(record.sha256), mimetype=record.content_type)
    ascii_name = record.filename.encode("ascii", "ignore").decode() or "tep"
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(record.filename)}")
    response.headers["X-Content-SHA256"] = record.sha256
    return response
