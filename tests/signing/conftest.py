"""A demo PKI for the signing tests (made once per session), helpers to read signed PDFs."""

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from dossiers.signing import samples
from dossiers.signing.keys import Keyring
from dossiers.signing.pki import DemoPKI, agency_subject, person_subject

PASS = "test-passphrase"
AGENCY = ("000.00.11.H99", "Sở Tài chính tỉnh Thử Nghiệm")
LEADER = ("lanhdao.test", "Đặng Văn Hùng", "Phó Giám đốc Sở Tài chính")


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pki")
    pki = DemoPKI(folder, PASS)
    pki.ensure(agency_subject(*AGENCY))
    pki.ensure(person_subject(LEADER[0], LEADER[1], AGENCY[1], LEADER[2]))
    return folder


@pytest.fixture(scope="session")
def keyring(pki_dir: Path) -> Keyring:
    return Keyring(pki_dir, PASS)


@pytest.fixture(scope="session")
def nss_db(pki_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An NSS database trusting the demo root, for poppler's pdfsig."""
    folder = tmp_path_factory.mktemp("nss")
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            f"sql:{folder}",
            "-n",
            "motcua-demo-root",
            "-t",
            "CT,C,C",
            "-i",
            str(pki_dir / "root.pem"),
        ],
        check=True,
    )
    return folder


def pdfsig(pdf: bytes, nss: Path, tmp: Path) -> list[dict[str, str]]:
    """Each signature as pdfsig reports it (it exits 0 even on a mismatch: parse the text)."""
    path = tmp / "pdfsig-input.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True, check=False
    ).stdout
    blocks = re.split(r"^Signature #\d+:$", out, flags=re.M)[1:]
    result = []
    for block in blocks:
        fields = dict(re.findall(r"^\s+- ([^:\n]+): (.*)$", block, flags=re.M))
        fields["total"] = "Total document signed" in block and "Not total" not in block
        result.append(fields)
    return result


def widgets(pdf: bytes) -> dict[str, dict[str, Any]]:
    """Signature widgets by field name: page index, rectangle and appearance stream."""
    found = {}
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for n, page in enumerate(doc.pages):
            for annot in page.obj.get("/Annots", []):
                if annot.get("/FT") != "/Sig":
                    continue
                ap = annot["/AP"]["/N"]
                found[str(annot["/T"])] = {
                    "page": n,
                    "rect": [float(v) for v in annot["/Rect"]],
                    "stream": ap.read_bytes(),
                    "resources": ap.get("/Resources"),
                    "has_image": _has_image(ap),
                }
    return found


def _has_image(xobject: Any) -> bool:
    resources = xobject.get("/Resources") or {}
    for item in (resources.get("/XObject") or {}).values():
        if item.get("/Subtype") == "/Image" or (
            item.get("/Subtype") == "/Form" and _has_image(item)
        ):
            return True
    return False


def text_lines(pdf: bytes) -> list[tuple[int, float, float, float, float, str]]:
    from dossiers.signing.result import _lines

    return [
        (ln.page, ln.x1, ln.page_height - ln.bottom, ln.x2, ln.page_height - ln.top, ln.text)
        for ln in _lines(pdf)
    ]


def render(pdf: bytes, tmp: Path, name: str) -> Path:
    path = tmp / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", str(path), str(tmp / name)],
        check=True,
    )
    return next(tmp.glob(f"{name}-*1.png"))


@pytest.fixture(scope="session")
def signature_png() -> bytes:
    return samples.signature_png()


@pytest.fixture(scope="session")
def seal_png() -> bytes:
    return samples.seal_png(36.0)


@pytest.fixture
def letter(tmp_path: Path) -> Iterator[bytes]:
    """A letter laid out as NĐ 30/2020 asks, with the signer's title and name."""
    from weasyprint import HTML

    html = f"""<!doctype html><html><head><meta charset="utf-8"><style>
      @page {{ size: A4; margin: 20mm 15mm 20mm 30mm; }}
      body {{ font-family: 'Liberation Serif'; font-size: 13pt; }}
      .sig {{ margin-left: 90mm; text-align: center; }}
      </style></head><body><p>QUYẾT ĐỊNH về việc cấp phép thử nghiệm.</p>
      <div class="sig"><b>KT. GIÁM ĐỐC<br>PHÓ GIÁM ĐỐC</b><div style="height:32mm"></div>
      <b>{LEADER[1]}</b></div></body></html>"""
    return HTML(string=html).write_pdf(pdf_version="1.7")


def has_tools() -> bool:
    return all(shutil.which(t) for t in ("pdfsig", "pdftoppm", "pdftotext", "certutil"))


@pytest.fixture(params=["sqlite", "postgresql"])
def make_app(request: pytest.FixtureRequest, app_factory: Any, tmp_path: Path) -> Iterator[Any]:
    """``app_factory`` once per database backend (the same tests on SQLite and PostgreSQL)."""
    from motcua.database import get_db
    from tests.conftest import fresh_database

    built: list[Any] = []

    def build(**overrides: Any) -> Any:
        if request.param == "postgresql":
            overrides.setdefault("DATABASE_URL", fresh_database("postgresql", "signing", tmp_path))
        app = app_factory(**overrides)
        built.append(app)
        return app

    yield build
    for app in built:
        get_db(app).engine.dispose()
