"""Leaders sign what they saw (Đ12.3, Phụ lục II): the signing page shows every page of the
exact PDF to be signed (the officer's proposed draft, or the filled template), and the
signature goes on that file; a candidate that changed since the preview is refused (409)."""

import hashlib
import io
import re
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from sqlalchemy import select

from dossiers import processing
from dossiers.accounts import issue_token
from dossiers.files import FileStore
from dossiers.intake import mark_component, submit_dossier
from dossiers.lifecycle import Role
from dossiers.records import ComponentState, Dossier, DossierFile, FileKind
from dossiers.results import upload_seal_image, upload_signature_image
from dossiers.review import accept_dossier
from dossiers.signing import samples
from dossiers.signing.keys import Keyring
from dossiers.verification import verify
from motcua.database import get_db
from tests import factories as f
from tests.signing.conftest import AGENCY, LEADER, PASS
from tests.web import bearer, csrf_token, login

DRAFT_TEXT = "GIẤY PHÉP XÂY DỰNG SỐ 77/GPXD"


def _draft_pdf() -> bytes:
    """The officer's draft: two pages, the leader's title and name at the end."""
    from weasyprint import HTML

    html = f"""<!doctype html><html><head><meta charset="utf-8"><style>
      @page {{ size: A4; margin: 20mm 15mm 20mm 30mm; }}
      body {{ font-family: 'Liberation Serif'; font-size: 13pt; }}
      .sig {{ margin-left: 90mm; text-align: center; }}</style></head><body>
      <h1>{DRAFT_TEXT}</h1><p>Cấp cho ông Nguyễn Văn A xây nhà ở riêng lẻ.</p>
      <p style="page-break-before: always">Trang hai của dự thảo: điều kiện kèm theo.</p>
      <div class="sig"><b>KT. GIÁM ĐỐC<br>PHÓ GIÁM ĐỐC</b><div style="height:32mm"></div>
      <b>{LEADER[1]}</b></div></body></html>"""
    return HTML(string=html).write_pdf(pdf_version="1.7")


def _approved(
    app: Any, *, draft: bytes | None, count: int = 1, stop_at_officer: bool = False
) -> dict[str, Any]:
    """Dossiers taken through the use cases: submitted, accepted, forwarded to the officer,
    proposed (with ``draft`` when given), approved by the leader."""
    store = FileStore(app.config["MOTCUA_STORAGE"])
    with get_db(app).factory() as db:
        agency = f.agency(db, code=AGENCY[0], name="Sở Tài chính")
        agency.name = AGENCY[1]
        version = f.procedure(
            db, agency, components=[{"name": "Tờ khai", "requirement": "required", "originals": 1}]
        )
        citizen = f.user(db)
        clerk = f.user(db, Role.RECEPTION, agency).actor()
        officer = f.user(db, Role.OFFICER, agency)
        leader = f.user(db, Role.LEADER, agency, login=LEADER[0])
        leader.full_name, leader.title = LEADER[1], LEADER[2]
        upload_signature_image(db, store, leader.actor(), samples.signature_png())
        upload_seal_image(db, store, leader.actor(), agency, samples.seal_png(36.0))
        ids = []
        for _ in range(count):
            dossier = f.draft(db, citizen, version)
            for component in dossier.components:
                mark_component(db, citizen.actor(), dossier, component.id, ComponentState.PAPER)
            submit_dossier(db, citizen.actor(), dossier)
            accept_dossier(db, clerk, dossier)
            processing.forward(db, clerk, dossier, to_user_id=officer.id)
            ids.append(dossier.id)
            if stop_at_officer:
                continue
            processing.propose_result(
                db,
                officer.actor(),
                store,
                dossier,
                note="Đủ điều kiện",
                draft=draft,
                filename="du-thao-giay-phep.pdf",
                to_user_id=leader.id,
            )
            processing.approve(db, leader.actor(), dossier)
            assert dossier.status == "approved"
        token = issue_token(db, leader, "t")
        db.commit()
    return {"ids": ids, "token": token, "store": store, "officer": officer.login}


def _text(pdf: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(out.split())


@pytest.fixture
def app(make_app: Any, pki_dir: Path) -> Any:
    return make_app(MOTCUA_PKI_DIR=str(pki_dir), MOTCUA_KEY_PASSPHRASE=PASS)


def _work_form(client: Any, dossier_id: int) -> dict[str, str]:
    page = client.get(f"/backoffice/work/{dossier_id}").get_data(as_text=True)
    revision = re.search(r'name="revision" value="(\d+)"', page)
    assert revision, "the work page carries the dossier's revision"
    return {"csrf_token": csrf_token(page), "revision": revision.group(1)}


def test_the_leader_sees_every_page_of_the_officers_draft_and_signs_that_file(
    app: Any, pki_dir: Path
) -> None:
    """The officer proposes with the draft on the work page, the leader approves there, then
    reads the draft's pages on the signing page and signs that very file."""
    draft = _draft_pdf()
    world = _approved(app, draft=None, stop_at_officer=True)
    dossier_id = world["ids"][0]
    officer = app.test_client()
    login(officer, world["officer"])
    officer.post(
        f"/backoffice/work/{dossier_id}/propose",
        data={
            **_work_form(officer, dossier_id),
            "note": "Đủ điều kiện cấp phép",
            "file": (io.BytesIO(draft), "du-thao-giay-phep.pdf"),
        },
        content_type="multipart/form-data",
    )
    leader = app.test_client()
    login(leader, LEADER[0])
    leader.post(f"/backoffice/work/{dossier_id}/approve", data=_work_form(leader, dossier_id))
    with get_db(app).factory() as db:
        assert db.get(Dossier, dossier_id).status == "approved"  # type: ignore[union-attr]
    url = f"/backoffice/signing/{dossier_id}"
    page = leader.get(url).get_data(as_text=True)
    assert "Dự thảo do chuyên viên trình" in page
    assert "du-thao-giay-phep.pdf" in page
    images = re.findall(r'<img src="([^"]+/preview/\d+\.png[^"]*)"', page)
    assert len(images) == 2  # both pages of the draft
    for src in images:
        png = leader.get(src.replace("&amp;", "&"))
        assert png.status_code == 200
        assert png.data.startswith(b"\x89PNG")
    shown = leader.get(
        re.search(r'href="([^"]+/candidate\.pdf[^"]*)"', page).group(1).replace("&amp;", "&")
    ).data  # type: ignore[union-attr]
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', page).group(1)  # type: ignore[union-attr]
    assert hashlib.sha256(shown).hexdigest() == sha
    # Someone else (an officer of the agency, a stranger) gets no preview.
    outsider = app.test_client()
    assert outsider.get(images[0].replace("&amp;", "&")).status_code in (302, 401, 404)
    login(outsider, world["officer"])
    assert outsider.get(images[0].replace("&amp;", "&")).status_code in (403, 404)
    forged = re.sub(r"t=[^&]+", "t=forged", images[0].replace("&amp;", "&"))
    assert leader.get(forged).status_code == 404
    done = leader.post(
        f"{url}/issue", data={"csrf_token": csrf_token(page), "sha256": sha}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Đã ký số và ban hành kết quả" in done
    with get_db(app).factory() as db:
        result = db.scalars(
            select(DossierFile).where(
                DossierFile.dossier_id == dossier_id, DossierFile.kind == FileKind.RESULT
            )
        ).one()
        signed = world["store"].read(result.sha256)
        report = verify(db, signed, Keyring(pki_dir, PASS).trust_roots())
    assert report.valid, report
    assert [s.signer for s in report.signatures][0] == LEADER[1]
    assert _text(signed) == _text(draft)
    assert DRAFT_TEXT in _text(signed)
    assert signed.startswith(shown)  # incremental updates over the very bytes previewed
    with pikepdf.open(io.BytesIO(signed)) as doc:
        assert len(doc.pages) == 2


def test_a_stale_preview_is_refused_with_409_and_nothing_is_signed(app: Any) -> None:
    world = _approved(app, draft=_draft_pdf())
    dossier_id = world["ids"][0]
    leader = app.test_client()
    login(leader, LEADER[0])
    url = f"/backoffice/signing/{dossier_id}"
    page = leader.get(url).get_data(as_text=True)
    stale = hashlib.sha256(_draft_pdf() + b"\n% older version").hexdigest()
    refused = leader.post(f"{url}/issue", data={"csrf_token": csrf_token(page), "sha256": stale})
    assert refused.status_code == 409
    assert "đã thay đổi kể từ khi bạn xem" in refused.get_data(as_text=True)
    missing = leader.post(
        f"{url}/issue", data={"csrf_token": csrf_token(page)}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Hãy xem văn bản sẽ được ký" in missing
    with get_db(app).factory() as db:
        assert db.get(Dossier, dossier_id).status == "approved"  # type: ignore[union-attr]


def test_the_api_previews_the_template_and_refuses_a_candidate_changed_since(
    app: Any, pki_dir: Path
) -> None:
    """No draft: the filled template is the candidate. Another result of the agency issued
    in between changes its number, so the first preview no longer holds (409)."""
    world = _approved(app, draft=None, count=2)
    first, second = world["ids"]
    client = app.test_client()
    auth = bearer(world["token"])
    seen = client.get(f"/api/v1/dossiers/{first}/result/candidate", headers=auth).get_json()
    assert seen["source"] == "template"
    assert seen["pages"] >= 1
    pdf = client.get(seen["pdf"], headers=auth)
    assert hashlib.sha256(pdf.data).hexdigest() == seen["sha256"]
    assert "Về việc giải quyết thủ tục" in _text(pdf.data)
    other = client.get(f"/api/v1/dossiers/{second}/result/candidate", headers=auth).get_json()
    issued = client.post(
        f"/api/v1/dossiers/{second}/result",
        headers=auth,
        data={"sha256": other["sha256"]},
        content_type="multipart/form-data",
    )
    assert issued.status_code == 201, issued.get_json()
    stale = client.post(
        f"/api/v1/dossiers/{first}/result",
        headers=auth,
        data={"sha256": seen["sha256"]},
        content_type="multipart/form-data",
    )
    assert stale.status_code == 409
    assert stale.get_json()["code"] == "candidate_changed"
    again = client.get(f"/api/v1/dossiers/{first}/result/candidate", headers=auth).get_json()
    assert again["number"] != seen["number"]
    no_sha = client.post(f"/api/v1/dossiers/{first}/result", headers=auth)
    assert no_sha.status_code == 400
    assert no_sha.get_json()["code"] == "preview_required"
    shown = client.get(again["pdf"], headers=auth).data
    signed = client.post(
        f"/api/v1/dossiers/{first}/result",
        headers=auth,
        data={"sha256": again["sha256"]},
        content_type="multipart/form-data",
    )
    assert signed.status_code == 201
    data = world["store"].read(signed.get_json()["sha256"])
    assert data.startswith(shown)  # the signatures are incremental updates of what was shown
    with get_db(app).factory() as db:
        assert verify(db, data, Keyring(pki_dir, PASS).trust_roots()).valid
