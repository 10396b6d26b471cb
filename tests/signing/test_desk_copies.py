"""The desk's scans and electronic originals at the counter: what the clerk sees next to each
file (NĐ 107/2021 Art. 21a SAO Y copies, Phụ lục I.2 checks, Đ9.2.b signature verdicts)."""

import io
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dossiers.records import DossierFile, FileKind
from dossiers.signing import copy
from dossiers.signing.keys import Keyring
from motcua.database import get_db
from tests.dossiers.test_scan_check import scan
from tests.signing.conftest import AGENCY, PASS
from tests.web import build_world, csrf_token, login


def _counter_dossier(app: Any) -> tuple[Any, str, list[str], str]:
    world = build_world(app)
    clerk = app.test_client()
    login(clerk, world["clerk"])
    page = clerk.get("/backoffice/desk/new").get_data(as_text=True)
    created = clerk.post(
        "/backoffice/desk/new",
        data={
            "csrf_token": csrf_token(page),
            "name": "Lê Văn Cường",
            "id_number": "082088009876",
            "phone": "0903111222",
            "procedure": world["procedure"],
        },
    )
    url = created.headers["Location"]
    html = clerk.get(url).get_data(as_text=True)
    return clerk, url, re.findall(r"/components/(\d+)/scan", html), csrf_token(html)


def test_a_failed_sao_y_copy_is_shown_on_the_desk_page_with_its_reason(make_app: Any) -> None:
    """No seal key is configured for the receiving agency: the scan is kept, the copy cannot
    be signed after the commit, and the clerk reads why next to the scan."""
    app = make_app()  # a fresh PKI folder: no agency has a key
    clerk, url, ids, token = _counter_dossier(app)
    page = clerk.post(
        f"{url}/components/{ids[0]}/scan",
        data={"csrf_token": token, "file": (io.BytesIO(scan(((210, 297), 200))), "scan.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "scan.pdf</a>" in page
    assert "Chưa tạo được bản sao điện tử (SAO Y)" in page
    assert "Chưa có khóa ký số" in page
    assert "000.00.01.H99" in page
    # The forms received then go out unsigned (Điều 5.5 cannot be met): the clerk sees it.
    clerk.post(f"{url}/components/{ids[1]}/mark", data={"csrf_token": token, "state": "paper"})
    received = clerk.post(
        f"{url}/receive", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Đã tiếp nhận hồ sơ" in received
    assert "✗ chưa ký số: Chưa có khóa ký số" in received


def test_a_signed_born_digital_pdf_at_the_counter_gets_its_signature_verdict_not_a_scan_check(
    make_app: Any, pki_dir: Path, letter: bytes
) -> None:
    """Phụ lục I.2 applies to scans: an electronic original brought to the counter is not
    refused or labelled as a poor scan, and is not turned into a SAO Y copy."""
    app = make_app(MOTCUA_PKI_DIR=str(pki_dir), MOTCUA_KEY_PASSPHRASE=PASS)
    signed = copy.make_copy(
        letter, form="SAO Y", agency_name=AGENCY[1], agency=Keyring(pki_dir, PASS).agency(AGENCY[0])
    )
    clerk, url, ids, token = _counter_dossier(app)
    page = clerk.post(
        f"{url}/components/{ids[0]}/scan",
        data={"csrf_token": token, "file": (io.BytesIO(signed), "quyet-dinh.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "quyet-dinh.pdf</a>" in page
    assert "chưa đạt chuẩn số hóa" not in page
    assert "chữ ký số hợp lệ" in page
    assert AGENCY[1] in page
    with get_db(app).factory() as db:
        stored = db.scalars(
            select(DossierFile).where(DossierFile.filename == "quyet-dinh.pdf")
        ).one()
        assert stored.kind == FileKind.UPLOAD
        assert "scan_check" not in stored.details
        assert "copy_signature" not in stored.details
