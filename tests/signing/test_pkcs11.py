"""Signing through PKCS#11 (a USB token or HSM) against SoftHSM2, configured per signer."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from dossiers.signing import result
from dossiers.signing.keys import Keyring
from dossiers.verification import inspect
from tests.signing.conftest import AGENCY, LEADER, PASS, pdfsig

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "123456"


@pytest.fixture(scope="module")
def token(pki_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SoftHSM2 token holding the leader's key and certificate, as a USB token would."""
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\n"
    )
    before = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    key, cert, _ = pkcs12.load_key_and_certificates(
        (pki_dir / f"users/{LEADER[0]}.p12").read_bytes(), PASS.encode()
    )
    assert key is not None
    assert cert is not None
    pem = folder / "key.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            "LANHDAO",
            "--so-pin",
            "654321",
            "--pin",
            PIN,
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            "softhsm2-util",
            "--import",
            str(pem),
            "--token",
            "LANHDAO",
            "--label",
            "ky-so",
            "--id",
            "01",
            "--pin",
            PIN,
        ],
        check=True,
        capture_output=True,
    )
    pem.unlink()
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    lib = pkcs11.lib(MODULE)
    with lib.get_token(token_label="LANHDAO").open(user_pin=PIN, rw=True) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: "ky-so",
                Attribute.ID: b"\x01",
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            }
        )
    yield "LANHDAO"
    if before is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = before


def test_leader_signs_with_a_token_and_the_seal_from_pkcs12(
    token: str,
    pki_dir: Path,
    letter: bytes,
    signature_png: bytes,
    seal_png: bytes,
    nss_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANHDAO_PIN", PIN)
    ring = Keyring(
        pki_dir,
        PASS,
        overrides={
            f"user:{LEADER[0]}": {
                "pkcs11": {
                    "module": MODULE,
                    "token": token,
                    "key_label": "ky-so",
                    "pin_env": "LANHDAO_PIN",
                }
            }
        },
    )
    signed = result.sign_result(
        letter,
        leader=ring.user(LEADER[0]),
        agency=ring.agency(AGENCY[0]),
        signature_png=signature_png,
        seal_png=seal_png,
        seal_mm=(36.0, 36.0),
        placement=result.find_placement(letter, LEADER[1]),
    )
    report = inspect(signed, ring.trust_roots())
    assert report.valid
    assert report.signatures[0].signer == LEADER[1]
    assert [r["Signature Validation"] for r in pdfsig(signed, nss_db, tmp_path)] == [
        "Signature is Valid.",
        "Signature is Valid.",
    ]
    ring.close()


def test_a_wrong_pin_is_a_clear_error(token: str, pki_dir: Path) -> None:
    from dossiers.signing.keys import SignerUnavailable

    ring = Keyring(
        pki_dir,
        PASS,
        overrides={
            f"user:{LEADER[0]}": {
                "pkcs11": {"module": MODULE, "token": token, "key_label": "ky-so", "pin": "000000"}
            }
        },
    )
    with pytest.raises(SignerUnavailable) as error:
        ring.user(LEADER[0])
    assert "token" in error.value.message
