"""A result's life in Chromium: the leader signs an approved dossier's result, the citizen
downloads it, the public page verifies it, the leader cancels it, the public page says so."""

import shutil
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page, expect

from tests import samples
from tests.e2e.conftest import LIVE_ENV, SCREENSHOTS, screenshot
from tests.e2e.test_desk import _api, _login

APPROVE = """
import os, sys
from sqlalchemy import select
from dossiers import models  # noqa: F401  (every mapper)
from dossiers.accounts import User
from dossiers.db import make_engine, make_sessionmaker
from dossiers.files import FileStore
from dossiers.processing import approve, forward, propose_result
from dossiers.records import Dossier
from dossiers.review import accept_dossier

db = make_sessionmaker(make_engine(os.environ["DATABASE_URL"]))()
actor = lambda login: db.scalar(select(User).where(User.login == login)).actor()
officer = db.scalar(select(User).where(User.login == "congchuc.mytho"))
dossier = db.scalar(select(Dossier).where(Dossier.code == sys.argv[1]))
accept_dossier(db, actor("tiepnhan.mytho"), dossier)
forward(db, actor("tiepnhan.mytho"), dossier, to_user_id=officer.id)
propose_result(db, officer.actor(), FileStore(os.environ["MOTCUA_STORAGE"]), dossier)
approve(db, actor("chutich.mytho"), dossier)
db.commit()
print(dossier.id)
"""


def _approved_dossier(base: str) -> tuple[str, int]:
    token = _api(base, "/api/v1/tokens", body={"login": "congdan", "password": "motcua-demo-2026"})[
        "token"
    ]
    dossier = _api(
        base,
        "/api/v1/dossiers",
        token,
        {
            "procedure": "1.001193",
            "agency": "000.00.51.H20",
            "applicant": {"name": "Nguyễn Văn An", "id_number": "082095001234"},
        },
    )
    for component in dossier["components"]:
        if component["requirement"] == "required":
            _api(
                base,
                f"/api/v1/dossiers/{dossier['id']}/components/{component['id']}/files",
                token,
                files=(f"c{component['id']}.pdf", samples.pdf(marker=str(component))),
            )
    code = str(_api(base, f"/api/v1/dossiers/{dossier['id']}/submit", token, body={})["code"])
    done = subprocess.run(
        [sys.executable, "-c", APPROVE, code],
        env=LIVE_ENV[base],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return code, int(done.stdout.strip().splitlines()[-1])


def _verify_upload(page: Page, base: str, pdf: Path) -> None:
    page.goto(base + "/verify")
    page.set_input_files("#file", str(pdf))
    page.get_by_role("button", name="Kiểm tra").click()


def test_leader_signs_citizen_downloads_public_verifies_leader_cancels(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    base = live_server
    code, dossier_id = _approved_dossier(base)
    _login(page, base, "chutich.mytho")
    page.goto(base + "/backoffice/signing/")
    page.get_by_role("link", name=code).click()
    expect(page.locator("#status")).to_have_text("Đã phê duyệt, chờ ký")
    # The leader sees the page that will be signed, drawn by the server (not a broken image).
    page.locator("img.page-preview").first.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.page-preview')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    screenshot(page, "signing-preview")
    page.get_by_role("button", name="Ký số và ban hành").click()
    expect(page.locator("#status")).to_have_text("Đã trả kết quả")
    screenshot(page, "signing-issued")

    citizen = page.context.browser.new_context(locale="vi-VN").new_page()  # type: ignore[union-attr]
    _login(citizen, base, "congdan")
    citizen.goto(f"{base}/my/dossiers/{dossier_id}")
    with citizen.expect_download() as download:
        citizen.get_by_role("link", name=f"ket-qua-{code}.pdf").click()
    pdf = tmp_path / "ket-qua.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "80",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(tmp_path / "ket-qua"),
        ],
        check=True,
    )
    if SCREENSHOTS:  # the signed result as printed, for the README
        shutil.copy(tmp_path / "ket-qua.png", Path(SCREENSHOTS) / "result-signed.png")

    public = page.context.browser.new_context(locale="vi-VN").new_page()  # type: ignore[union-attr]
    _verify_upload(public, base, pdf)
    expect(public.locator("#verdict")).to_have_text("Văn bản hợp lệ")
    expect(public.locator("#issued-here")).to_contain_text("Có")
    expect(public.locator("article.signature")).to_have_count(2)
    expect(public.locator("article.signature").first).to_contain_text("Phan Văn Lợi")
    screenshot(public, "verify-valid")

    page.get_by_label("Lý do hủy hiệu lực (bắt buộc)").fill("Cấp nhầm thông tin người nộp")
    page.get_by_role("button", name="Hủy hiệu lực").click()
    expect(page.locator("#status")).to_have_text("Kết quả đã bị hủy hiệu lực")
    qr_page = page.get_by_role("link", name="trang kiểm tra").get_attribute("href")
    assert qr_page
    assert qr_page.startswith("/verify/")

    _verify_upload(public, base, pdf)
    expect(public.locator("#verdict")).to_have_text("Văn bản đã bị hủy hiệu lực")
    expect(public.locator("main")).to_contain_text("Cấp nhầm thông tin người nộp")
    public.goto(base + qr_page)
    expect(public.locator("#verdict")).to_have_text("Văn bản đã bị hủy hiệu lực")
    screenshot(public, "verify-cancelled")
