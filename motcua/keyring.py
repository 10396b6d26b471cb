"""The app's keyring and signing context: keys are loaded once per process and kept."""

from typing import Any

from flask import Flask, current_app

from dossiers.files import FileStore
from dossiers.results import Signing
from dossiers.signing.keys import Keyring, keyring_from_config


def keyring(app: Flask | None = None) -> Keyring:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    ring: Any = app.extensions.get("motcua_keyring")
    if ring is None:
        ring = app.extensions["motcua_keyring"] = keyring_from_config(app.config)
    return ring  # type: ignore[no-any-return]


def signing(app: Flask | None = None) -> Signing:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return Signing(FileStore(app.config["MOTCUA_STORAGE"]), keyring(app),
                   app.config["MOTCUA_BASE_URL"])
