"""The app's keyring and signing context: keys are loaded once per process and kept."""

from flask import current_app

from dossiers.results import Signing
from dossiers.signing.keys import Keyring, shared_keyring
from motcua.files import store


def keyring() -> Keyring:
    """Shared with the jobs this process runs (dossiers.signing.keys.shared_keyring)."""
    return shared_keyring(current_app.config)


def signing() -> Signing:
    return Signing(
        store(),
        keyring(),
        current_app.config["MOTCUA_BASE_URL"],
        code_key=str(current_app.config["SECRET_KEY"]).encode(),
    )
