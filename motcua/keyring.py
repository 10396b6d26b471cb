"""The app's keyring and signing context: keys are loaded once per process and kept."""

from typing import Any

from flask import current_app

from dossiers.results import Signing
from dossiers.signing.keys import Keyring, keyring_from_config
from motcua.files import store


def keyring() -> Keyring:
    ring: Any = current_app.extensions.get("motcua_keyring")
    if ring is None:
        ring = current_app.extensions["motcua_keyring"] = keyring_from_config(current_app.config)
    return ring  # type: ignore[no-any-return]


def signing() -> Signing:
    return Signing(store(), keyring(), current_app.config["MOTCUA_BASE_URL"])
