"""A citizen's whole journey in Chromium, with axe-core checking every portal page (WCAG 2.1 AA).

Register, confirm with the code from the inbox, search without accents, start a dossier, save
and resume it on another device, upload with a progress bar, submit and see the code; then the
desk asks for a supplement (through the API a back office would use), the citizen amends and
resubmits; the result is issued and downloaded.
"""

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests import samples
from tests.e2e.conftest import screenshot

AXE = Axe()
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PASSWORD = "một câu mật khẩu dài"


def assert_accessible(page: Page) -> None:
    results = AXE.run(page, options=WCAG)
    violations = results.response["violations"]
    assert violations == [], json.dumps(
        [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in violations],
        ensure_ascii=False,
    )


def test_public_pages_pass_axe(live_server: str, page: Page) -> None:
    for path in (
        "/",
        "/procedures",
        "/procedures?q=khai+sinh",
        "/procedures/1.001193",
        "/login",
        "/register",
        "/forgot",
        "/reset",
        "/lookup",
        "/lookup?code=000.00.51.H20-000000-0001&secret=1234",
        "/khong-co",
        "/?lang=en",
    ):
        page.goto(live_server + path)
        assert_accessible(page)


def _file(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _desk(live_server: str, tmp_path: Path, script: str) -> Any:
    """Act as the back office would, through the domain functions on the live database."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=_env(live_server),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _env(live_server: str) -> dict[str, str]:
    from tests.e2e.conftest import LIVE_ENV

    return LIVE_ENV[live_server]


def test_a_citizen_files_and_amends_a_dossier(
    live_server: str, browser: Browser, tmp_path: Path
) -> None:
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = phone.new_page()

    # Register, log in, and confirm with the code that landed in the inbox.
    page.goto(live_server + "/register")
    assert_accessible(page)
    page.get_by_label("Họ và tên (hoặc tên tổ chức)").fill("Phạm Thị Hoa")
    page.get_by_label("Số định danh cá nhân (CCCD, 12 số)", exact=False).fill("082196004567")
    page.get_by_label("Số điện thoại").fill("0987000111")
    page.get_by_label("Thư điện tử").fill("hoa.pham@example.vn")
    page.get_by_label("Mật khẩu (ít nhất 12 ký tự)").fill(PASSWORD)
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    expect(page.get_by_text("Đã nhận đăng ký")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Tên đăng nhập", exact=False).fill("082196004567")
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xác nhận tài khoản")
    assert_accessible(page)
    page.get_by_role("link", name="Mở hộp thư").click()
    assert_accessible(page)
    code = re.search(r"Mã của bạn là (\d{6})", page.content()).group(1)
    page.go_back()
    page.get_by_label("Mã xác nhận (6 chữ số)").fill(code)
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ của tôi")
    assert_accessible(page)

    # Find the procedure without accents and start a dossier: details pre-filled.
    page.goto(live_server + "/procedures")
    page.get_by_label("Tìm thủ tục hành chính").fill("dang ky khai sinh")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name="Thủ tục đăng ký khai sinh").click()
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    assert_accessible(page)
    expect(page.get_by_label("Họ và tên người nộp")).to_have_value("Phạm Thị Hoa")
    expect(page.get_by_label("Số định danh cá nhân / mã số thuế")).to_have_value("082196004567")
    page.get_by_label("Nơi tiếp nhận").select_option(label="Ủy ban nhân dân phường Mỹ Tho")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page.get_by_text("Thành phần 1 /")).to_be_visible()
    draft_url = page.url
    assert_accessible(page)

    # Resume on another device (a new browser context, logged in again).
    desktop = browser.new_context(locale="vi-VN")
    other = desktop.new_page()
    other.goto(live_server + "/login")
    other.get_by_label("Tên đăng nhập", exact=False).fill("082196004567")
    other.get_by_label("Mật khẩu").fill(PASSWORD)
    other.get_by_role("button", name="Đăng nhập").click()
    other.get_by_role("link", name="Tiếp tục soạn hồ sơ").click()
    assert other.url == draft_url

    # One step per component: upload with a progress bar, or say not applicable.
    total = int(re.search(r"Thành phần 1 / (\d+)", other.content()).group(1))
    uploaded = 0
    for position in range(1, total + 1):
        other.goto(f"{draft_url.rsplit('/', 1)[0]}/{position}")
        badge = other.locator(".meta .badge").first.inner_text()
        if badge == "Bắt buộc":
            other.get_by_label("Chọn tệp PDF, JPEG hoặc PNG", exact=False).set_input_files(
                _file(tmp_path, f"giay-to-{position}.pdf", samples.pdf(marker=str(position)))
            )
            other.get_by_role("button", name="Tải lên").click()
            other.wait_for_selector("body[data-upload-progress='100']", state="attached")
            expect(other.get_by_role("link", name=f"giay-to-{position}.pdf")).to_be_visible()
            uploaded += 1
            if uploaded == 1:
                screenshot(other, "upload")
                assert_accessible(other)
        else:
            other.get_by_role("button", name="Không thuộc trường hợp của tôi").click()
    assert uploaded >= 1
    other.goto(draft_url.rsplit("/steps/", 1)[0] + "/review")
    assert_accessible(other)
    other.get_by_role("button", name="Nộp hồ sơ").click()
    expect(other.get_by_text("Đã nộp hồ sơ.")).to_be_visible()
    dossier_code = other.locator(".flash code").inner_text()
    assert re.fullmatch(r"000\.00\.51\.H20-\d{6}-\d{4}", dossier_code)
    screenshot(other, "submitted")
    assert_accessible(other)
    dossier_id = int(other.url.split("/dossiers/")[1].split("?")[0])

    # The desk asks for a supplement on the first component.
    issued = _desk(
        live_server,
        tmp_path,
        f"""
from motcua import create_app
from motcua.database import get_db
from dossiers.accounts import get_user
from dossiers.files import FileStore
from dossiers.processing import approve, forward, propose_result
from dossiers.records import get_dossier
from dossiers.results import Signing, issue_result, result_candidate
from dossiers.review import accept_dossier
from dossiers.signing.keys import keyring_from_config
app = create_app()
store = FileStore(app.config["MOTCUA_STORAGE"])
with get_db(app).factory() as db:
    d = get_dossier(db, {dossier_id})
    clerk = get_user(db, "tiepnhan.mytho").actor()
    officer = get_user(db, "congchuc.mytho")
    leader = get_user(db, "chutich.mytho").actor()
    accept_dossier(db, clerk, d)
    forward(db, clerk, d, to_user_id=officer.id)
    propose_result(db, officer.actor(), store, d)
    approve(db, leader, d)
    signing = Signing(store, keyring_from_config(app.config), app.config["MOTCUA_BASE_URL"])
    seen = result_candidate(db, signing, d, leader).sha256  # the leader's preview
    record = issue_result(db, signing, d, leader, seen_sha256=seen)
    db.commit()
    print(record.filename, record.sha256)
""",
    ).split()
    other.reload()
    expect(other.get_by_text("Đã trả kết quả")).to_be_visible()  # online: issued = returned
    with other.expect_download() as download:
        other.get_by_role("link", name=issued[-2]).click()
    downloaded = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(downloaded).hexdigest() == issued[-1]
    assert downloaded.startswith(b"%PDF")
    assert_accessible(other)
    screenshot(other, "result")

    # The public lookup shows the status and milestones, nothing personal.
    lookup = browser.new_page()
    lookup.goto(live_server + f"/lookup?code={dossier_code}&secret=4567")
    expect(lookup.get_by_text("Đã trả kết quả").first).to_be_visible()
    assert "Phạm Thị Hoa" not in lookup.content()
    assert_accessible(lookup)
    lookup.close()
    phone.close()
    desktop.close()
