"""The back-office signing pages, the public verification page and the API, through Flask's
test client: a leader signs and cancels, the citizen downloads, anyone verifies."""

import io
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dossiers.accounts import issue_token
from dossiers.files import FileStore
from dossiers.records import Dossier
from dossiers.signing.keys import Keyring
from motcua.database import get_db
from tests.signing.conftest import LEADER, PASS
from tests.signing.world import approved_world
from tests.web import bearer, csrf_token, login


@pytest.fixture
def world(app_factory: Any, pki_dir: Path) -> dict[str, Any]:
    app = app_factory(MOTCUA_PKI_DIR=str(pki_dir), MOTCUA_KEY_PASSPHRASE=PASS)
    with get_db(app).factory() as db:
        built = approved_world(db, FileStore(app.config["MOTCUA_STORAGE"]), Keyring(pki_dir, PASS))
        ids = {
            "dossier": built["dossier"].id,
            "citizen": built["citizen"].login,
            "leader_token": issue_token(db, built["leader"], "t"),
            "officer": built["officer"].login,
        }
        db.commit()
    return {"app": app, **ids}


def _post(client: Any, url: str, page: str, **data: Any) -> Any:
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(
        url,
        data={"csrf_token": token, **data},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _verify(client: Any, pdf: bytes, name: str = "kq.pdf") -> Any:
    return _post(client, "/verify", "/verify", file=(io.BytesIO(pdf), name))


def test_leader_signs_citizen_downloads_public_verifies_then_cancelled(
    world: dict[str, Any],
) -> None:
    app, dossier_id = world["app"], world["dossier"]
    leader = app.test_client()
    login(leader, LEADER[0])
    queue = leader.get("/backoffice/signing/").get_data(as_text=True)
    assert f"/backoffice/signing/{dossier_id}" in queue
    page = f"/backoffice/signing/{dossier_id}"
    seen = re.search(
        r'name="sha256" value="([0-9a-f]{64})"', leader.get(page).get_data(as_text=True)
    )
    assert seen, "the page shows the candidate and binds the form to it"
    done = _post(leader, f"{page}/issue", page, sha256=seen.group(1)).get_data(as_text=True)
    assert "Đã ký số và ban hành kết quả" in done
    assert "Đã trả kết quả" in done
    with get_db(app).factory() as db:
        dossier = db.get(Dossier, dossier_id)
        result = next(f for f in dossier.files if f.kind == "result")
        file_id, verify_code = result.id, result.details["verify_code"]
    citizen = app.test_client()
    login(citizen, world["citizen"])
    pdf = citizen.get(f"/my/dossiers/{dossier_id}/files/{file_id}").get_data()
    assert pdf.startswith(b"%PDF-")
    public = app.test_client()
    html = _verify(public, pdf).get_data(as_text=True)
    assert "Văn bản hợp lệ" in html
    assert LEADER[1] in html
    assert re.search(r'id="issued-here">\s*Có', html)
    assert "Văn bản hợp lệ" in public.get(f"/verify/{verify_code}").get_data(as_text=True)
    assert public.get(f"/verify/{verify_code}/file").get_data() == pdf
    refused = _post(leader, f"{page}/cancel", page, reason="").get_data(as_text=True)
    assert "lý do" in refused.lower()
    _post(leader, f"{page}/cancel", page, reason="Cấp nhầm người")
    html = public.get(f"/verify/{verify_code}").get_data(as_text=True)
    assert "Văn bản đã bị hủy hiệu lực" in html
    assert "Cấp nhầm người" in html
    assert "Văn bản đã bị hủy hiệu lực" in _verify(public, pdf).get_data(as_text=True)


def test_only_leaders_reach_the_signing_pages(world: dict[str, Any]) -> None:
    client = world["app"].test_client()
    login(client, world["officer"])
    assert client.get("/backoffice/signing/").status_code == 403


@pytest.mark.parametrize(
    "data",
    [
        b"not a pdf",
        b"%PDF-1.7\n" + b"\xff" * 5000,
        b"%PDF-1.4\n1 0 obj << /Length 99999999 >> stream\n",
    ],
)
def test_hostile_uploads_get_cannot_verify_never_an_error_page(
    world: dict[str, Any], data: bytes
) -> None:
    response = _verify(world["app"].test_client(), data)
    assert response.status_code == 422
    assert "Không kiểm tra được" in response.get_data(as_text=True)


def test_upload_size_is_limited(world: dict[str, Any]) -> None:
    client = world["app"].test_client()
    token = csrf_token(client.get("/verify").get_data(as_text=True))
    big = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024 + 10)
    # A hand-built multipart body: the test client would spool it to an unclosed temp file.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token.encode()
        + b'\r\n--b\r\nContent-Disposition: form-data; name="file"; '
        b'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n' + big + b"\r\n--b--\r\n"
    )
    response = client.post(
        "/verify",
        input_stream=io.BytesIO(body),
        content_type="multipart/form-data; boundary=b",
        content_length=len(body),
    )
    assert response.status_code == 422
    assert "Tệp quá lớn" in response.get_data(as_text=True)


def test_verification_is_rate_limited(world: dict[str, Any]) -> None:
    client = world["app"].test_client()
    codes = [client.get("/verify/unknown-code").status_code for _ in range(31)]
    assert codes[:30] == [404] * 30
    assert codes[30] == 429


def test_api_issues_and_verifies(world: dict[str, Any]) -> None:
    client = world["app"].test_client()
    candidate = client.get(
        f"/api/v1/dossiers/{world['dossier']}/result/candidate",
        headers=bearer(world["leader_token"]),
    ).get_json()
    issued = client.post(
        f"/api/v1/dossiers/{world['dossier']}/result",
        headers=bearer(world["leader_token"]),
        data={"sha256": candidate["sha256"]},
        content_type="multipart/form-data",
    )
    assert issued.status_code == 201, issued.get_json()
    with get_db(world["app"]).factory() as db:
        sha = issued.get_json()["sha256"]
        data = FileStore(world["app"].config["MOTCUA_STORAGE"]).read(sha)
        assert db.scalar(select(Dossier.status).where(Dossier.id == world["dossier"])) == "returned"
    report = client.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(data), "kq.pdf")},
        content_type="multipart/form-data",
    ).get_json()
    assert report["valid"]
    assert report["issued_here"]
    assert not report["cancelled"]
    assert [s["signer"] for s in report["signatures"]][0] == LEADER[1]
    assert set(report["signatures"][0]) >= {
        "signer",
        "organisation",
        "signed_at",
        "intact",
        "trusted",
        "covers_whole_document",
        "modified_after_signing",
        "problems",
    }
    cancelled = client.post(
        f"/api/v1/dossiers/{world['dossier']}/result/cancel",
        json={"reason": "Sai thông tin"},
        headers=bearer(world["leader_token"]),
    )
    assert cancelled.status_code == 200
    bad = client.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(b"xx"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert bad.get_json()["code"] == "cannot_verify"


def test_images_page_gives_the_reason_a_seal_is_refused(world: dict[str, Any]) -> None:
    from dossiers.signing import samples

    client = world["app"].test_client()
    login(client, LEADER[0])
    html = client.get("/backoffice/signing/images").get_data(as_text=True)
    agency_id = re.search(r'name="agency_id" value="(\d+)"', html).group(1)  # type: ignore[union-attr]
    response = _post(
        client,
        "/backoffice/signing/images",
        "/backoffice/signing/images",
        what="seal",
        agency_id=agency_id,
        png=(io.BytesIO(samples.signature_png()), "dau.png"),
    )
    assert "Con dấu phải có màu đỏ" in response.get_data(as_text=True)


def test_desk_sees_the_verdict_on_an_incoming_signed_pdf(
    app_factory: Any, pki_dir: Path, tmp_path: Path
) -> None:
    """Đ9.2.b: the applicant uploads a signed PDF; after the upload commits the job validates
    it, and the clerk sees the verdict next to the file."""
    import pikepdf

    from dossiers.signing import copy
    from tests.signing.conftest import AGENCY
    from tests.web import build_world

    app = app_factory(MOTCUA_PKI_DIR=str(pki_dir), MOTCUA_KEY_PASSPHRASE=PASS)
    world = build_world(app)
    doc = pikepdf.new()
    doc.add_blank_page()
    out = io.BytesIO()
    doc.save(out)
    signed = copy.make_copy(
        out.getvalue(),
        form="SAO Y",
        agency_name=AGENCY[1],
        agency=Keyring(pki_dir, PASS).agency(AGENCY[0]),
    )
    client = app.test_client()
    headers = bearer(world["alice"])
    dossier = client.post(
        "/api/v1/dossiers",
        headers=headers,
        json={
            "procedure": world["procedure"],
            "applicant": {"name": "Alice", "id_number": "079123456789"},
        },
    ).get_json()
    first = dossier["components"][0]["id"]
    client.post(
        f"/api/v1/dossiers/{dossier['id']}/components/{first}/files",
        headers=headers,
        data={"file": (io.BytesIO(signed), "ban-sao.pdf")},
        content_type="multipart/form-data",
    )
    for component in dossier["components"][1:]:
        if component["requirement"] == "required":
            client.put(
                f"/api/v1/dossiers/{dossier['id']}/components/{component['id']}",
                headers=headers,
                json={"state": "paper"},
            )
    submitted = client.post(f"/api/v1/dossiers/{dossier['id']}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.get_json()
    clerk = app.test_client()
    login(clerk, world["clerk"])
    html = clerk.get(f"/backoffice/desk/dossiers/{dossier['id']}").get_data(as_text=True)
    assert "chữ ký số hợp lệ" in html
    assert AGENCY[1] in html


@pytest.mark.parametrize("data", [b"xx", b"%PDF-1.7\n" + b"\xff" * 5000])
def test_cannot_verify_answers_in_english_too(app_factory: Any, data: bytes) -> None:
    """The API's error carries an English message_en, not the Vietnamese one again."""
    client = app_factory().test_client()
    bad = client.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(data), "x.pdf")},
        content_type="multipart/form-data",
    )
    body = bad.get_json()
    assert bad.status_code == 422
    assert body["code"] == "cannot_verify"
    assert body["message"] != body["message_en"]
    assert body["message_en"].isascii(), body
    assert any(c in body["message"] for c in "ôệạểđ"), body
