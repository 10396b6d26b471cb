"""The demo PKI: a root, the agencies' and leaders' certificates, a timestamping unit.

Only for the demo and the tests: in production the keys live on USB tokens or an HSM and the
certificates come from Ban Cơ yếu Chính phủ (official use) or a public CA under the national
root (FACTS §9). Keys are written as PKCS#12 files protected by the configured passphrase; the
root's certificate is the trust root ``motcua demo --json`` prints. Creating it is idempotent.
"""

import re
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_NAME = "Tổ chức chứng thực số thử nghiệm Motcua (DEMO)"


@dataclass(frozen=True)
class Subject:
    """Whom a certificate names: an agency (its seal) or a person (a leader's signature)."""

    filename: str  # agencies/<code> or users/<login>
    common_name: str
    organisation: str
    title: str | None = None


def slug(value: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_).strip("-") or "x"


def agency_subject(code: str, name: str) -> Subject:
    return Subject(f"agencies/{slug(code)}", name, name)


def person_subject(
    login: str, full_name: str, agency_name: str, title: str | None = None
) -> Subject:
    return Subject(f"users/{slug(login)}", full_name, agency_name, title)


def _name(common: str, organisation: str, title: str | None = None) -> x509.Name:
    def attr(oid: x509.ObjectIdentifier, value: str) -> x509.NameAttribute[str]:
        # RFC 5280's upper bound is 64 characters; cryptography counts UTF-8 bytes instead.
        value = unicodedata.normalize("NFC", value)[:64]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return x509.NameAttribute(oid, value, _validate=False)

    attrs = [attr(NameOID.COUNTRY_NAME, "VN"), attr(NameOID.ORGANIZATION_NAME, organisation)]
    if title:
        attrs.append(attr(NameOID.TITLE, title))
    attrs.append(attr(NameOID.COMMON_NAME, common))
    return x509.Name(attrs)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class DemoPKI:
    def __init__(self, folder: str | Path, passphrase: str) -> None:
        self.folder = Path(folder)
        self.passphrase = passphrase.encode()

    @property
    def root_pem(self) -> Path:
        return self.folder / "root.pem"

    def path(self, subject_filename: str) -> Path:
        return self.folder / f"{subject_filename}.p12"

    def ensure_root(self) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        key_path = self.folder / "root-key.pem"
        if self.root_pem.exists() and key_path.exists():
            cert = x509.load_pem_x509_certificate(self.root_pem.read_bytes())
            key = serialization.load_pem_private_key(key_path.read_bytes(), self.passphrase)
            assert isinstance(key, rsa.RSAPrivateKey)
            return cert, key
        self.folder.mkdir(parents=True, exist_ok=True)
        key = _key()
        name = _name(ROOT_NAME, "Motcua DEMO")
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365 * 20))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        _write(
            key_path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(self.passphrase),
            ),
        )
        _write(self.root_pem, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
        return cert, key

    def ensure(self, subject: Subject, *, timestamping: bool = False) -> Path:
        """Issue ``subject`` a key and certificate once; return its PKCS#12 path."""
        target = self.path(subject.filename)
        if target.exists():
            return target
        root, root_key = self.ensure_root()
        key = _key()
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(subject.common_name, subject.organisation, subject.title))
            .issuer_name(root.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365 * 10))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                critical=False,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
        )
        if timestamping:
            builder = builder.add_extension(
                x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                critical=True,
            ).add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
        else:
            builder = builder.add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                critical=True,
            )
        cert = builder.sign(root_key, hashes.SHA256())
        data = pkcs12.serialize_key_and_certificates(
            slug(subject.common_name).encode(),
            key,
            cert,
            [root],
            serialization.BestAvailableEncryption(self.passphrase),
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        _write(target, data)
        return target


def _write(path: Path, data: bytes, mode: int = 0o600) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.chmod(mode)
    tmp.replace(path)
