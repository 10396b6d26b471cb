"""This installation's exchange key and certificate, and checking a peer's signature.

Each installation signs what it sends with one ECDSA P-256 key (SHA-256); its self-issued
X.509 certificate is what an administrator of a peer registers for us. The key file is
PKCS#8 PEM encrypted with the configured passphrase; both files live in the exchange folder
(``MOTCUA_EXCHANGE_DIR``). A signature is detached: it covers the exact bytes of the envelope
as sent, so nothing has to be canonicalised on either side.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dossiers.errors import InvalidInput, NotFound

KEY_FILE = "exchange-key.pem"
CERT_FILE = "exchange-cert.pem"
VALID_DAYS = 3 * 365


@dataclass(frozen=True)
class Signer:
    key: ec.EllipticCurvePrivateKey
    certificate_pem: str

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate_pem)


def generate(
    folder: str | Path,
    passphrase: str,
    common_name: str,
    organisation: str = "",
    *,
    overwrite: bool = False,
) -> Signer:
    """Create the key and its self-issued certificate (``motcua exchange keygen``)."""
    folder = Path(folder)
    if (folder / KEY_FILE).exists() and not overwrite:
        raise InvalidInput(
            f"Khóa trao đổi đã có tại {folder}; dùng --overwrite để thay",
            f"An exchange key already exists in {folder}; use --overwrite",
            code="key_exists",
        )
    if not passphrase:
        raise InvalidInput(
            "Cần mật khẩu bảo vệ khóa (MOTCUA_EXCHANGE_PASSPHRASE)",
            "A passphrase is required (MOTCUA_EXCHANGE_PASSPHRASE)",
        )
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]))
    name = x509.Name(attributes)
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=VALID_DAYS))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    key_path = folder / KEY_FILE
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
    key_path.chmod(0o600)
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    (folder / CERT_FILE).write_text(cert_pem)
    return Signer(key, cert_pem)


def load(folder: str | Path, passphrase: str) -> Signer:
    folder = Path(folder)
    try:
        key_bytes = (folder / KEY_FILE).read_bytes()
        cert_pem = (folder / CERT_FILE).read_text()
    except FileNotFoundError:
        raise NotFound(
            f"Chưa có khóa trao đổi tại {folder} (chạy: motcua exchange keygen)",
            f"No exchange key in {folder} (run: motcua exchange keygen)",
            code="no_exchange_key",
        ) from None
    try:
        key = serialization.load_pem_private_key(key_bytes, passphrase.encode() or None)
    except (ValueError, TypeError):
        raise InvalidInput(
            "Không mở được khóa trao đổi: sai mật khẩu?",
            "Cannot open the exchange key: wrong passphrase?",
            code="bad_passphrase",
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise InvalidInput("Khóa trao đổi phải là khóa ECDSA", "The exchange key must be ECDSA")
    return Signer(key, cert_pem)


def split_pem(bundle: str) -> list[str]:
    """The certificates of a PEM bundle, each checked to parse."""
    marker = "-----END CERTIFICATE-----"
    parts = [p.strip() + "\n" + marker + "\n" for p in bundle.split(marker) if p.strip()]
    try:
        for part in parts:
            x509.load_pem_x509_certificate(part.encode())
    except ValueError:
        raise InvalidInput(
            "Chứng thư số không đúng định dạng PEM",
            "The certificate is not valid PEM",
            code="bad_certificate",
        ) from None
    return parts


def fingerprint(certificate_pem: str) -> str:
    cert = x509.load_pem_x509_certificate(certificate_pem.encode())
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def describe(certificate_pem: str) -> dict[str, str]:
    cert = x509.load_pem_x509_certificate(certificate_pem.encode())
    return {
        "subject": cert.subject.rfc4514_string(),
        "fingerprint": fingerprint(certificate_pem),
        "valid_from": cert.not_valid_before_utc.isoformat(),
        "valid_to": cert.not_valid_after_utc.isoformat(),
    }


def verify(
    registered: list[str],
    certificate_pem: str,
    data: bytes,
    signature: bytes,
    at: datetime | None = None,
) -> str | None:
    """Why the signature is not acceptable, or None when it is.

    The signer's certificate must be one registered for that peer (by fingerprint), be valid
    now, and its key must verify the signature over ``data``.
    """
    try:
        cert = x509.load_pem_x509_certificate(certificate_pem.encode())
    except ValueError:
        return "certificate_unreadable"
    if fingerprint(certificate_pem) not in {fingerprint(p) for p in registered}:
        return "certificate_not_registered"
    now = at or datetime.now(UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        return "certificate_expired"
    public = cert.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        return "unsupported_key"
    try:
        public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return "bad_signature"
    return None
