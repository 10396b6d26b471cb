"""A reception clerk's day in Chromium: online decisions and a counter intake with its prints."""

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests import samples
from tests.dossiers.test_scan_check import scan
from tests.e2e.conftest import screenshot
from tests.e2e.test_citizen_journey import assert_accessible


def _api(
    base: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    files: tuple[str, bytes] | None = None,
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if files:
        boundary = "motcua-boundary"
        name, content = files
        data = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{name}"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(  # noqa: S310 - our own loopback server
        base + path, data=data, headers=headers, method="POST" if data is not None else "GET"
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return json.loads(response.read() or b"null")


def _online_dossier(base: str) -> str:
    """A citizen files a company registration online; returns its code."""
    token = _api(
        base, "/api/v1/tokens", body={"login": "congdan2", "password": "motcua-demo-2026"}
    )["token"]
    dossier = _api(
        base,
        "/api/v1/dossiers",
        token,
        {
            "procedure": "2.001583",
            "applicant": {"name": "Trần Thị Bình", "id_number": "082197004321"},
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
    return str(_api(base, f"/api/v1/dossiers/{dossier['id']}/submit", token, body={})["code"])


def _login(page: Page, base: str, login: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Tên đăng nhập", exact=False).fill(login)
    page.get_by_label("Mật khẩu").fill("motcua-demo-2026")
    page.get_by_role("button", name="Đăng nhập").click()


def _open_by_scanning(page: Page, code: str) -> None:
    page.get_by_label("Quét nhãn hoặc nhập mã hồ sơ").fill(code)
    page.keyboard.press("Enter")  # what a keyboard-wedge scanner sends
    expect(page.locator("dl.facts code").first).to_have_text(code)


def test_a_clerk_decides_on_online_dossiers(live_server: str, page: Page) -> None:
    codes = [_online_dossier(live_server) for _ in range(3)]
    _login(page, live_server, "tiepnhan")
    page.goto(live_server + "/backoffice/desk/")
    for code in codes:
        expect(page.get_by_role("link", name=code)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "desk-queue")

    _open_by_scanning(page, codes[0])
    assert_accessible(page)
    page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True).click()
    expect(page.get_by_text("giấy tiếp nhận đã gửi người nộp")).to_be_visible()
    expect(page.get_by_role("link", name=f"giay-tiep-nhan-{codes[0]}.pdf")).to_be_visible()

    page.goto(live_server + "/backoffice/desk/")
    _open_by_scanning(page, codes[1])
    page.locator("summary", has_text="Yêu cầu bổ sung, hoàn thiện").click()
    page.get_by_role("textbox", name="Điều lệ công ty").fill("Điều lệ thiếu chữ ký của chủ sở hữu")
    page.get_by_role("button", name="Gửi yêu cầu bổ sung").click()
    expect(page.get_by_role("link", name=f"phieu-yeu-cau-bo-sung-{codes[1]}.pdf")).to_be_visible()
    expect(page.get_by_text("Yêu cầu bổ sung trước khi tiếp nhận")).to_be_visible()

    page.goto(live_server + "/backoffice/desk/")
    _open_by_scanning(page, codes[2])
    page.locator("summary", has_text="Từ chối tiếp nhận").click()
    page.get_by_label("Lý do từ chối").fill("Doanh nghiệp đã được đăng ký trước đó")
    page.get_by_role("button", name="Từ chối tiếp nhận").click()
    expect(page.get_by_role("link", name=f"phieu-tu-choi-{codes[2]}.pdf")).to_be_visible()
    screenshot(page, "desk-refused")


def test_a_counter_intake_with_prints(live_server: str, browser: Browser, tmp_path: Path) -> None:
    context = browser.new_context(locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    _login(page, live_server, "tiepnhan")
    page.goto(live_server + "/backoffice/desk/new")
    assert_accessible(page)
    page.get_by_label("Họ và tên người nộp").fill("Công ty TNHH Cơ khí Tiền Giang")
    page.get_by_label("Số điện thoại").fill("02733999888")
    page.get_by_label("Thủ tục").select_option(value="2.001827")
    page.get_by_role("button", name="Tạo hồ sơ và nhập thành phần").click()
    expect(page.get_by_text("chưa cấp")).to_be_visible()
    assert_accessible(page)
    low = tmp_path / "scan-150dpi.pdf"
    low.write_bytes(scan(((210, 297), 150)))
    first = page.locator("section.component").nth(0)
    first.locator("input[type=file]").set_input_files(str(low))
    first.get_by_role("button", name="Đính kèm bản scan").click()
    expect(page.get_by_role("alert")).to_contain_text("cần tối thiểu 200 dpi")
    screenshot(page, "desk-scan-refused")
    good = tmp_path / "don-de-nghi.pdf"
    good.write_bytes(scan(((210, 297), 200)))
    first = page.locator("section.component").nth(0)
    first.locator("input[type=file]").set_input_files(str(good))
    first.get_by_role("button", name="Đính kèm bản scan").click()
    expect(page.get_by_text("Đã đính kèm bản scan don-de-nghi.pdf")).to_be_visible()
    expect(page.get_by_text("đạt chuẩn số hóa")).to_be_visible()
    second = page.locator("section.component").nth(1)
    second.get_by_placeholder("Ghi chú", exact=False).fill("Bản vẽ mặt bằng khổ A1")
    second.get_by_role("button", name="Không số hóa được").click()
    expect(page.get_by_text("Bản vẽ mặt bằng khổ A1")).to_be_visible()
    page.get_by_role("button", name="Tiếp nhận hồ sơ, in giấy tiếp nhận và nhãn").click()
    message = page.get_by_text(re.compile(r"Đã tiếp nhận hồ sơ \S+\. In"))
    expect(message).to_be_visible()
    code = re.search(r"hồ sơ (\S+)\. In", message.inner_text()).group(1)
    screenshot(page, "desk-intake")
    for name in (f"giay-tiep-nhan-{code}.pdf", f"nhan-ho-so-{code}.pdf"):
        link = page.get_by_role("link", name=name)
        response = page.request.get(live_server + link.get_attribute("href"))
        assert response.ok
        assert response.body().startswith(b"%PDF-")
    context.close()
