"""The citizen's whole journey through /api/v1, as a mobile app or the national portal would."""

import io
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dossiers.accounts import get_user
from dossiers.events import apply
from dossiers.files import FileStore, store_bytes
from dossiers.lifecycle import Kind
from dossiers.records import DossierFile, FileKind, get_dossier
from dossiers.review import accept_dossier, request_supplement
from motcua.database import get_db
from tests import samples
from tests.web import bearer, build_world

PASSWORD = "một câu mật khẩu dài"


def _last_code(client: Any, auth: dict[str, str]) -> str:
    """The confirmation code from the applicant's inbox, where it was delivered."""
    inbox = client.get("/api/v1/inbox", headers=auth).get_json()
    return re.findall(r"Mã của bạn là (\d{6})", inbox[0]["body"])[0]


def test_register_confirm_file_amend_and_download_through_the_api(app: Any,
                                                                  client: Any) -> None:
    world = build_world(app)
    created = client.post("/api/v1/accounts", json={
        "full_name": "Võ Thị Hạnh", "id_number": "082196007777", "phone": "0987000222",
        "email": "hanh@example.vn", "password": PASSWORD})
    assert created.status_code == 202, created.get_json()
    token = client.post("/api/v1/tokens", json={"login": "082196007777",
                                                "password": PASSWORD}).get_json()["token"]
    auth = bearer(token)
    assert client.post("/api/v1/accounts/me/confirm", headers=auth,
                       json={"code": _last_code(client, auth)}).status_code == 200

    dossier = client.post("/api/v1/dossiers", headers=auth, json={
        "procedure": world["procedure"], "applicant": {"name": "Võ Thị Hạnh"}}).get_json()
    first, drawings, _ = dossier["components"]
    url = f"/api/v1/dossiers/{dossier['id']}"
    assert client.post(f"{url}/components/{first['id']}/files", headers=auth,
                       data={"file": (io.BytesIO(samples.pdf(marker="v1")), "don.pdf")},
                       content_type="multipart/form-data").status_code == 201
    client.put(f"{url}/components/{drawings['id']}", headers=auth, json={"state": "paper"})
    submitted = client.post(f"{url}/submit", headers=auth).get_json()
    assert submitted["status"] == "submitted"

    with get_db(app).factory() as db:  # the desk asks for more (its pages come later)
        record = get_dossier(db, dossier["id"])
        request_supplement(db, get_user(db, world["clerk"]).actor(), record,
                           {first["id"]: "Đơn chưa ký"})
        db.commit()
    detail = client.get(url, headers=auth).get_json()
    assert detail["status"] == "incomplete"
    assert detail["events"][-1]["components"] == {str(first["id"]): "Đơn chưa ký"}
    inbox = client.get("/api/v1/inbox", headers=auth).get_json()
    assert any("Yêu cầu bổ sung" in m["subject"] for m in inbox)

    replaced = client.post(f"{url}/components/{first['id']}/files", headers=auth,
                           data={"file": (io.BytesIO(samples.pdf(marker="v2")), "don-ky.pdf"),
                                 "replace": "true"}, content_type="multipart/form-data")
    assert replaced.status_code == 201
    again = client.post(f"{url}/submit", headers=auth).get_json()
    assert again["status"] == "submitted"
    assert again["code"] == submitted["code"]
    component = again["components"][0]
    assert [f["filename"] for f in component["files"]] == ["don-ky.pdf"]
    assert [f["filename"] for f in component["replaced"]] == ["don.pdf"]

    with get_db(app).factory() as db:  # accepted, processed, result issued
        record = get_dossier(db, dossier["id"])
        clerk = get_user(db, world["clerk"]).actor()
        accept_dossier(db, clerk, record)
        for kind in (Kind.ASSIGNED, Kind.RESULT_PROPOSED, Kind.APPROVED):
            apply(db, record, kind, world["system"])
        blob = store_bytes(db, FileStore(app.config["MOTCUA_STORAGE"]), samples.pdf(marker="kq"))
        db.add(DossierFile(dossier=record, sha256=blob.sha256, size=blob.size,
                           kind=FileKind.RESULT, filename="ket-qua.pdf",
                           content_type="application/pdf"))
        apply(db, record, Kind.RESULT_ISSUED, world["system"])
        db.commit()
    final = client.get(url, headers=auth).get_json()
    assert final["national_status"] == 9
    result = final["documents"][0]
    download = client.get(f"{url}/files/{result['id']}", headers=auth)
    assert download.data == samples.pdf(marker="kq")
    assert download.headers["X-Content-SHA256"] == result["sha256"]
    lookup = client.get("/api/v1/lookup", query_string={"code": final["code"],
                                                        "secret": final["lookup_code"]})
    assert lookup.get_json()["status"] == "Đã có kết quả"
    assert "Võ Thị Hạnh" not in lookup.get_data(as_text=True)


# Werkzeug's multipart parser leaves a spooled temporary file whose destructor complains after
# the client went away; that is the library's clean-up, not ours.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_aborted_upload_leaves_no_file_and_no_row(app: Any, client: Any) -> None:
    world = build_world(app)
    auth = bearer(world["alice"])
    dossier = client.post("/api/v1/dossiers", headers=auth, json={
        "procedure": world["procedure"], "applicant": {"name": "Alice"}}).get_json()
    component = dossier["components"][0]["id"]
    body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"don.pdf\"\r\n"
            b"Content-Type: application/pdf\r\n\r\n" + samples.pdf(pages=5))
    store = Path(app.config["MOTCUA_STORAGE"])
    before = sorted(store.rglob("*")) if store.exists() else []
    response = client.post(
        f"/api/v1/dossiers/{dossier['id']}/components/{component}/files", headers=auth,
        input_stream=io.BytesIO(body), content_length=len(body) + 5000,  # the rest never came
        content_type="multipart/form-data; boundary=b")
    assert 400 <= response.status_code < 500
    assert (sorted(store.rglob("*")) if store.exists() else []) == before
    with get_db(app).factory() as db:
        assert db.scalar(select(func.count()).select_from(DossierFile)) == 0
