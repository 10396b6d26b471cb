"""The reception desk through its pages: decisions with their forms, counter intake, labels."""

import io
import re
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dossiers.records import DossierFile, FileKind
from motcua.database import get_db
from tests import samples
from tests.dossiers.test_scan_check import scan
from tests.web import bearer, build_world, csrf_token, login


def _submitted(client: Any, world: dict[str, Any]) -> dict[str, Any]:
    auth = bearer(world["alice"])
    dossier = client.post(
        "/api/v1/dossiers",
        headers=auth,
        json={
            "procedure": world["procedure"],
            "applicant": {"name": "Nguyễn Thị Lan", "id_number": "079095001234"},
        },
    ).get_json()
    first, drawings, _ = dossier["components"]
    client.post(
        f"/api/v1/dossiers/{dossier['id']}/components/{first['id']}/files",
        headers=auth,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(samples.pdf()), "don.pdf")},
    )
    client.put(
        f"/api/v1/dossiers/{dossier['id']}/components/{drawings['id']}",
        headers=auth,
        json={"state": "paper"},
    )
    return client.post(f"/api/v1/dossiers/{dossier['id']}/submit", headers=auth).get_json()


def _forms(app: Any, dossier_id: int) -> dict[str, bytes]:
    from dossiers.files import FileStore

    store = FileStore(app.config["MOTCUA_STORAGE"])
    with get_db(app).factory() as db:
        rows = db.scalars(
            select(DossierFile).where(
                DossierFile.dossier_id == dossier_id, DossierFile.kind == FileKind.FORM
            )
        ).all()
        return {row.details["form"]: store.read(row.sha256) for row in rows}


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())  # table cells wrap lines; compare words


def _decode(pdf: bytes, tmp_path: Path, dpi: int = 300) -> str:
    path = tmp_path / "decode.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            str(path),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    image = next(tmp_path.glob("page*.png"))
    result = subprocess.run(
        ["zbarimg", "-q", str(image)], capture_output=True, text=True, check=False
    )
    image.unlink()
    return result.stdout


def test_accepting_an_online_dossier_issues_the_receipt(
    app: Any, client: Any, tmp_path: Path
) -> None:
    world = build_world(app)
    dossier = _submitted(client, world)
    clerk = app.test_client()
    login(clerk, world["clerk"])
    queue = clerk.get("/backoffice/desk/").get_data(as_text=True)
    assert dossier["code"] in queue
    page = clerk.get(f"/backoffice/desk/dossiers/{dossier['id']}").get_data(as_text=True)
    assert (
        clerk.post(
            f"/backoffice/desk/dossiers/{dossier['id']}/accept",
            data={"csrf_token": csrf_token(page)},
        ).status_code
        == 302
    )
    forms = _forms(app, dossier["id"])
    assert set(forms) == {"receipt"}
    receipt = forms["receipt"]
    assert receipt.startswith(b"%PDF-1.7")
    text = _text(receipt, tmp_path)
    for expected in (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        dossier["code"],
        "Nguyễn Thị Lan",
        "Thời gian trả kết quả giải quyết hồ sơ",
        "Mẫu số 01 — Thông tư số 01/2018/TT-VPCP",
    ):
        assert expected in text, expected
    assert f"MHS:{dossier['code']}" in _decode(receipt, tmp_path)
    citizen = client.get(
        f"/api/v1/dossiers/{dossier['id']}", headers=bearer(world["alice"])
    ).get_json()
    assert citizen["status"] == "received"
    assert [d["filename"] for d in citizen["documents"]] == [
        f"giay-tiep-nhan-{dossier['code']}.pdf"
    ]
    # The receipt reaches the applicant as a document; recording its issue is the desk's.
    assert citizen["events"][-1]["kind"] == "accepted"
    staff = clerk.get(f"/backoffice/desk/dossiers/{dossier['id']}").get_data(as_text=True)
    assert "Thêm tài liệu" in staff


def test_a_supplement_request_lists_reasons_by_component(
    app: Any, client: Any, tmp_path: Path
) -> None:
    world = build_world(app)
    dossier = _submitted(client, world)
    clerk = app.test_client()
    login(clerk, world["clerk"])
    page = clerk.get(f"/backoffice/desk/dossiers/{dossier['id']}").get_data(as_text=True)
    first = dossier["components"][0]["id"]
    clerk.post(
        f"/backoffice/desk/dossiers/{dossier['id']}/supplement",
        data={"csrf_token": csrf_token(page), f"reason-{first}": "Đơn chưa có chữ ký"},
    )
    text = _text(_forms(app, dossier["id"])["supplement"], tmp_path)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Đơn chưa có chữ ký" in text
    citizen = client.get(
        f"/api/v1/dossiers/{dossier['id']}", headers=bearer(world["alice"])
    ).get_json()
    assert citizen["status"] == "incomplete"


def test_refusing_needs_a_reason_and_issues_the_refusal(
    app: Any, client: Any, tmp_path: Path
) -> None:
    world = build_world(app)
    dossier = _submitted(client, world)
    clerk = app.test_client()
    login(clerk, world["clerk"])
    url = f"/backoffice/desk/dossiers/{dossier['id']}"
    page = clerk.get(url).get_data(as_text=True)
    empty = clerk.post(
        f"{url}/refuse", data={"csrf_token": csrf_token(page), "reason": " "}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Cần nêu lý do" in empty
    clerk.post(
        f"{url}/refuse",
        data={"csrf_token": csrf_token(page), "reason": "Không thuộc thẩm quyền của Trung tâm"},
    )
    text = _text(_forms(app, dossier["id"])["refusal"], tmp_path)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Không thuộc thẩm quyền của Trung tâm" in text
    again = clerk.post(
        f"{url}/accept", data={"csrf_token": csrf_token(page)}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Không thể «Tiếp nhận hồ sơ»" in again  # a refused dossier cannot be accepted


def test_counter_intake_prints_receipt_and_a_label_that_scans(app: Any, tmp_path: Path) -> None:
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
    ids = re.findall(r"/components/(\d+)/scan", html)
    token = csrf_token(html)
    low = clerk.post(
        f"{url}/components/{ids[0]}/scan",
        data={"csrf_token": token, "file": (io.BytesIO(scan(((210, 297), 150))), "scan-150.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "chưa đạt chuẩn số hóa" in low
    assert "độ phân giải 150 dpi, cần tối thiểu 200 dpi" in low
    assert "scan-150.pdf</a>" not in low  # refused: nothing stored
    good = clerk.post(
        f"{url}/components/{ids[0]}/scan",
        data={"csrf_token": token, "file": (io.BytesIO(scan(((210, 297), 200))), "scan.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "đạt chuẩn số hóa" in good
    missing_note = clerk.post(
        f"{url}/components/{ids[1]}/mark",
        data={"csrf_token": token, "state": "not_digitizable"},
        follow_redirects=True,
    )
    assert "Ghi chú lý do không thể số hóa" in missing_note.get_data(as_text=True)
    clerk.post(
        f"{url}/components/{ids[1]}/mark",
        data={"csrf_token": token, "state": "not_digitizable", "note": "Bản vẽ khổ A0"},
    )
    received = clerk.post(
        f"{url}/receive", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    code = re.search(r"Đã tiếp nhận hồ sơ (\S+)\. In", received).group(1)
    dossier_id = int(url.rsplit("/", 1)[1])
    forms = _forms(app, dossier_id)
    assert set(forms) == {"receipt", "label", "label_a4"}
    label = _decode(forms["label"], tmp_path)
    assert f"CODE-128:{code}" in label
    assert f"QR-Code:MHS:{code}" in label
    assert "TTHC:1.000001" in label
    assert f"lookup?code={code}" in label
    assert f"CODE-128:{code}" in _decode(forms["label_a4"], tmp_path)
    text = _text(forms["label"], tmp_path)
    assert "Lê Văn Cường" in text
    assert "Bản giấy: 2 thành phần" in text
    receipt = _text(forms["receipt"], tmp_path)
    assert "Bản giấy (không số hóa được)" in receipt
    # Scanning the label (a keyboard wedge types the code) opens the dossier.
    found = clerk.get("/backoffice/desk/find", query_string={"code": code})
    assert found.headers["Location"].endswith(f"/backoffice/desk/dossiers/{dossier_id}")


def test_comparing_paper_originals_flags_a_mismatch(app: Any, client: Any, tmp_path: Path) -> None:
    world = build_world(app)
    dossier = _submitted(client, world)
    clerk = app.test_client()
    login(clerk, world["clerk"])
    url = f"/backoffice/desk/dossiers/{dossier['id']}"
    token = csrf_token(clerk.get(url).get_data(as_text=True))
    clerk.post(f"{url}/accept", data={"csrf_token": token})
    first = dossier["components"][0]["id"]
    result = clerk.post(
        f"{url}/compare",
        data={
            "csrf_token": token,
            f"match-{first}": "no",
            f"note-{first}": "Chữ ký khác bản điện tử",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "hồ sơ được đánh dấu cho cán bộ xử lý" in result
    assert "Bản giấy không khớp hồ sơ điện tử" in result
    text = _text(_forms(app, dossier["id"])["comparison"], tmp_path)
    assert "Không khớp" in text
    assert "Chữ ký khác bản điện tử" in text


def test_only_the_desk_of_the_receiving_agency_can_act(app: Any, client: Any) -> None:
    world = build_world(app)
    dossier = _submitted(client, world)
    other = app.test_client()
    login(other, world["other_clerk"])
    assert other.get(f"/backoffice/desk/dossiers/{dossier['id']}").status_code == 404
    citizen = app.test_client()
    login(citizen, "alice")
    assert citizen.get("/backoffice/desk/").status_code == 404  # no back office
