"""PAdES B-T with validation data embedded (LTV), against a local timestamping and OCSP/CRL
service on loopback: certomancer's animator serves both."""

import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from werkzeug.serving import make_server

from dossiers.signing import core, result
from dossiers.signing.keys import Keyring
from dossiers.signing.sync import run_sync
from dossiers.verification import inspect
from tests.signing.conftest import LEADER

VALID = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2100-01-01T00:00:00+0000"}
KU = "key-usage"


def _ext(*usages: str) -> dict[str, Any]:
    return {
        "id": "key_usage",
        "critical": True,
        "smart-value": {"schema": KU, "params": list(usages)},
    }


def _config(port: int) -> dict[str, Any]:
    revocation = [
        {
            "id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}},
        },
        {
            "id": "authority_information_access",
            "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["root"]}},
        },
    ]
    names = ["root", "ocsp", "tsa", "leader", "agency"]
    return {
        "external-url-prefix": f"http://127.0.0.1:{port}",
        "keysets": {"vn": {"keys": {n: {"path": f"{n}.key.pem"} for n in names}}},
        "pki-architectures": {
            "vn": {
                "keyset": "vn",
                "entity-defaults": {"country-name": "VN", "organization-name": "Sở Thử nghiệm LTV"},
                "entities": {
                    "root": {"common-name": "CA gốc thử nghiệm"},
                    "ocsp": {"common-name": "OCSP thử nghiệm"},
                    "tsa": {"common-name": "Dấu thời gian thử nghiệm"},
                    "leader": {"common-name": LEADER[1]},
                    "agency": {"common-name": "Sở Thử nghiệm LTV"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "issuer": "root",
                        "validity": VALID,
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            _ext("digital_signature", "key_cert_sign", "crl_sign"),
                        ],
                    },
                    "ocsp": {
                        "issuer": "root",
                        "validity": VALID,
                        "extensions": [
                            _ext("digital_signature"),
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["ocsp_signing"],
                            },
                            {"id": "ocsp_no_check"},
                        ],
                    },
                    "tsa": {
                        "issuer": "root",
                        "validity": VALID,
                        "extensions": [
                            _ext("digital_signature"),
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["time_stamping"],
                            },
                            *revocation,
                        ],
                    },
                    "leader": {
                        "issuer": "root",
                        "validity": VALID,
                        "extensions": [_ext("digital_signature", "non_repudiation"), *revocation],
                    },
                    "agency": {"template": "leader", "subject": "agency"},
                },
                "services": {
                    "ocsp": {
                        "root": {
                            "for-issuer": "root",
                            "responder-cert": "ocsp",
                            "signing-key": "ocsp",
                        }
                    },
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "P90D",
                        }
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertomancerConfig

    folder = tmp_path_factory.mktemp("certomancer")
    for name in ("root", "ocsp", "tsa", "leader", "agency"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (folder / f"{name}.key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (folder / "certomancer.yml").write_text(
        yaml.safe_dump(_config(port), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    config = CertomancerConfig.from_file(str(folder / "certomancer.yml"))
    arch = config.get_pki_arch("vn")
    app = Animator(AnimatorArchStore({"vn": arch}), with_web_ui=False)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    keys = folder / "keys"
    for kind, label, name in (("users", "leader", LEADER[0]), ("agencies", "agency", "LTV")):
        (keys / kind).mkdir(parents=True, exist_ok=True)
        (keys / kind / f"{name}.p12").write_bytes(arch.package_pkcs12(label, password=b"pw"))
    root = folder / "root.pem"
    root.write_bytes(arch.get_cert("root").dump())
    yield {"tsa": f"http://127.0.0.1:{port}/vn/tsa/tsa", "keys": keys, "root": root, "arch": arch}
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def test_result_is_pades_b_t_with_embedded_validation_data(
    services: dict[str, Any], letter: bytes, signature_png: bytes, seal_png: bytes
) -> None:
    from pyhanko_certvalidator import ValidationContext

    ring = Keyring(
        services["keys"], "pw", trust_root_files=(Path(services["root"]),), tsa_url=services["tsa"]
    )
    roots = ring.trust_roots()
    timestamping = core.Timestamping(
        services["tsa"], ValidationContext(trust_roots=roots, allow_fetching=True)
    )
    signed = result.sign_result(
        letter,
        leader=ring.user(LEADER[0]),
        agency=ring.agency("LTV"),
        signature_png=signature_png,
        seal_png=seal_png,
        seal_mm=(36.0, 36.0),
        placement=result.find_placement(letter, LEADER[1]),
        timestamping=timestamping,
    )
    report = inspect(signed, roots)
    assert report.valid, report.as_json()
    assert all(s.timestamped for s in report.signatures)  # B-T: a signature timestamp each
    reader = PdfFileReader(io.BytesIO(signed))
    dss = DocumentSecurityStore.read_dss(reader)
    assert list(dss.ocsps) or list(dss.crls)  # revocation data is in the file
    # Offline, revocation checks hard-failing: the embedded data alone proves validity (LTV).
    offline = dss.as_validation_context(
        {"trust_roots": roots, "allow_fetching": False, "revocation_mode": "hard-fail"}
    )
    for embedded in reader.embedded_regular_signatures:
        status = run_sync(validate_pdf_signature, embedded, offline)
        assert status.bottom_line, status.pretty_print_details()
        assert status.timestamp_validity is not None
        assert status.timestamp_validity.trusted
