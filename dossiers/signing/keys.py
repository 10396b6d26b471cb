"""Where each signer's key is: a PKCS#12 file (default) or a PKCS#11 token / HSM.

Vietnamese officials sign with USB tokens; pyHanko's PKCS#11 signer drives them. A signer is
named ``agency:<code>`` (the seal) or ``user:<login>`` (a leader). Configuration (a YAML/JSON
mapping, MOTCUA_SIGNERS) overrides the default PKCS#12 file per signer:

    user:lanhdao.tc:
      pkcs11: {module: /usr/lib/softhsm/libsofthsm2.so, token: LANHDAO, key_label: sign,
               pin_env: LANHDAO_PIN}

Keys are loaded once per process and kept: loading a PKCS#12 file costs far more than a
signature (DESIGN "Known traps").
"""

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.keys import load_cert_from_pemder
from pyhanko.sign import signers
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from dossiers.errors import DomainError
from dossiers.signing.pki import slug


class CachedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses its private key for every signature (~50 ms for RSA,
    measured); this keeps the parsed key, which is what "load the key once" has to mean."""

    _parsed: Any = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        if self._parsed is None:
            self._parsed = serialization.load_der_private_key(self.signing_key.dump(), None)
        signature: bytes = self._parsed.sign(
            data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm)
        )
        return signature


class SignerUnavailable(DomainError):
    code = "signer_unavailable"
    status = 409


@dataclass
class Keyring:
    pki_dir: Path
    passphrase: str
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    trust_root_files: tuple[Path, ...] = ()
    tsa_url: str | None = None
    _loaded: dict[str, signers.Signer] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _sessions: list[Any] = field(default_factory=list, repr=False)

    def agency(self, code: str) -> signers.Signer:
        return self.get(f"agency:{code}")

    def user(self, login: str) -> signers.Signer:
        return self.get(f"user:{login}")

    def get(self, name: str) -> signers.Signer:
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = self._load(name)
            return self._loaded[name]

    def _load(self, name: str) -> signers.Signer:
        spec = self.overrides.get(name) or {}
        if "pkcs11" in spec:
            return self._load_pkcs11(name, spec["pkcs11"])
        kind, _, ident = name.partition(":")
        folder = {"agency": "agencies", "user": "users"}.get(kind)
        path = Path(spec.get("pkcs12") or self.pki_dir / f"{folder}/{slug(ident)}.p12")
        passphrase = (
            os.environ.get(spec["passphrase_env"], "")
            if "passphrase_env" in spec
            else self.passphrase
        )
        if folder is None or not path.exists():
            raise SignerUnavailable(
                f"Chưa có khóa ký số cho «{ident}»; hãy cấu hình chứng thư số",
                f"No signing key is configured for '{ident}'",
            )
        load: Any = signers.SimpleSigner.load_pkcs12
        signer: signers.Signer | None = load(str(path), passphrase=passphrase.encode())
        if not isinstance(signer, signers.SimpleSigner):
            raise SignerUnavailable(
                f"Không mở được khóa ký số của «{ident}»",
                f"Cannot open the signing key of '{ident}'",
            )
        return CachedKeySigner(
            signing_key=signer.signing_key,
            signing_cert=signer.signing_cert,
            cert_registry=signer.cert_registry,
        )

    def _load_pkcs11(self, name: str, spec: dict[str, Any]) -> signers.Signer:
        from pyhanko.sign import pkcs11

        pin = os.environ.get(spec.get("pin_env", ""), spec.get("pin"))
        try:
            from pyhanko.config.pkcs11 import TokenCriteria

            session = pkcs11.open_pkcs11_session(
                spec["module"], token_criteria=TokenCriteria(label=spec.get("token")), user_pin=pin
            )
        except Exception as error:  # the token is absent, locked, or the PIN is wrong
            raise SignerUnavailable(
                f"Không mở được thiết bị ký số (token) của «{name}»",
                f"Cannot open the PKCS#11 token of '{name}': {error}",
            ) from None
        self._sessions.append(session)  # kept open: the signer uses it for every signature
        return pkcs11.PKCS11Signer(
            session,
            key_label=spec.get("key_label"),
            cert_label=spec.get("cert_label", spec.get("key_label")),
        )

    def close(self) -> None:
        """Forget loaded keys and log out of the tokens (a process shutting down)."""
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()
            self._loaded.clear()

    def trust_roots(self) -> list[asn1_x509.Certificate]:
        files = list(self.trust_root_files)
        demo_root = self.pki_dir / "root.pem"
        if demo_root.exists() and demo_root not in files:
            files.append(demo_root)
        return [
            load_cert_from_pemder(str(path))  # type: ignore[no-untyped-call]
            for path in files
        ]


_SHARED: dict[tuple[Any, ...], Keyring] = {}
_SHARED_LOCK = threading.Lock()


def shared_keyring(config: Any) -> Keyring:
    """The process's keyring for this configuration: web requests, jobs run inline and worker
    jobs all reuse keys already parsed, instead of opening a PKCS#12 file per document."""
    key = tuple(
        config.get(name)
        for name in (
            "MOTCUA_PKI_DIR",
            "MOTCUA_KEY_PASSPHRASE",
            "MOTCUA_SIGNERS",
            "MOTCUA_TRUST_ROOTS",
            "MOTCUA_TSA_URL",
        )
    )
    with _SHARED_LOCK:
        ring = _SHARED.get(key)
        if ring is None:
            ring = _SHARED[key] = keyring_from_config(config)
        return ring


def keyring_from_config(config: Any) -> Keyring:
    """The keyring the app's configuration describes (see motcua/config.py)."""
    import json

    import yaml

    overrides: dict[str, dict[str, Any]] = {}
    source = config.get("MOTCUA_SIGNERS")
    if source:
        text = Path(source).read_text(encoding="utf-8")
        overrides = json.loads(text) if source.endswith(".json") else yaml.safe_load(text)
    roots = tuple(Path(p) for p in (config.get("MOTCUA_TRUST_ROOTS") or "").split(os.pathsep) if p)
    return Keyring(
        Path(config["MOTCUA_PKI_DIR"]),
        config["MOTCUA_KEY_PASSPHRASE"],
        overrides or {},
        roots,
        config.get("MOTCUA_TSA_URL") or None,
    )
