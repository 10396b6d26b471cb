"""A citizen pays a level-4 (toàn trình) fee in Chromium, on the sandbox gateway the server
mounts on itself as `make run` does: the amount before paying, the gateway's page, the return,
the dossier submitted, the receipt (biên lai) in the dossier and the inbox, downloaded as a PDF.
Cancelling at the gateway leaves the dossier unpaid and unsubmitted."""

import json
import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests import samples
from tests.e2e.conftest import LIVE_ENV, screenshot
from tests.e2e.test_citizen_journey import assert_accessible

PROCEDURE = "1.001612"  # Đăng ký thành lập hộ kinh doanh: toàn trình, pays at submission
FEE = "150.000"  # the online fee line of the demo catalogue


def _login(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Tên đăng nhập", exact=False).fill("congdan")
    page.get_by_label("Mật khẩu").fill("motcua-demo-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ của tôi")


def _draft(page: Page, base: str, tmp_path: Path, marker: str) -> int:
    """Start a dossier of the procedure and attach its one required component."""
    page.goto(base + f"/procedures/{PROCEDURE}")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.get_by_label("Nơi tiếp nhận").select_option(label="Ủy ban nhân dân phường Mỹ Tho")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page.get_by_text("Thành phần 1 /")).to_be_visible()
    dossier_id = int(re.search(r"/my/dossiers/(\d+)/", page.url).group(1))  # type: ignore[union-attr]
    pdf = tmp_path / f"de-nghi-{marker}.pdf"
    pdf.write_bytes(samples.pdf(marker=marker))
    page.get_by_label("Chọn tệp PDF, JPEG hoặc PNG", exact=False).set_input_files(str(pdf))
    page.get_by_role("button", name="Tải lên").click()
    expect(page.get_by_role("link", name=pdf.name)).to_be_visible()
    return dossier_id


def _to_gateway(page: Page, base: str, dossier_id: int) -> None:
    """From the review page: the amount is shown before paying; then on to the gateway."""
    page.goto(base + f"/my/dossiers/{dossier_id}/review")
    expect(page.locator("#amount-due")).to_have_text(FEE)
    expect(page.get_by_role("button", name="Nộp hồ sơ")).to_have_count(0)  # pay first
    page.get_by_role("link", name=f"Thanh toán {FEE} đồng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thanh toán phí, lệ phí")
    expect(page.locator("#amount-due")).to_have_text(FEE)
    assert_accessible(page)
    screenshot(page, "payment-page")
    page.get_by_role("button", name=f"Thanh toán trực tuyến {FEE} đồng").click()
    # The sandbox gateway's own page, on the same server (/sandbox-gateway).
    expect(page.get_by_text("Cổng thanh toán THỬ NGHIỆM", exact=False)).to_be_visible()
    assert "/sandbox-gateway/paymentv2/vpcpay.html?" in page.url
    expect(page.locator(".amount")).to_have_text(f"{FEE} VND")


def test_a_citizen_pays_a_level_4_fee_and_gets_the_receipt(
    live_server: str, browser: Browser, tmp_path: Path
) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, live_server)
    dossier_id = _draft(page, live_server, tmp_path, "paid")

    _to_gateway(page, live_server, dossier_id)
    page.get_by_role("button", name="Thanh toán", exact=True).click()

    # Back on Motcua: the IPN reached the app before the redirect, so it is confirmed.
    expect(page.locator("#pay-state")).to_have_text(f"Thanh toán thành công: {FEE} đồng.")
    assert_accessible(page)
    page.get_by_role("link", name="Xem hồ sơ").click()
    code = page.locator("dl.facts code").first.inner_text()
    assert re.fullmatch(r"000\.00\.51\.H20-\d{6}-\d{4}", code), code
    expect(page.get_by_text("Đã thanh toán")).to_be_visible()
    expect(page.get_by_role("link", name=f"Thanh toán {FEE} đồng")).to_have_count(0)
    receipt = page.get_by_role("link", name=re.compile(r"^bien-lai-BL\d{4}-\d{6}\.pdf$"))
    expect(receipt).to_have_count(1)
    assert_accessible(page)
    screenshot(page, "payment-receipt")
    with page.expect_download() as download:
        receipt.click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")

    page.goto(live_server + "/inbox")
    message = page.locator("li.card").filter(has_text=f"Biên lai thu phí, lệ phí hồ sơ {code}")
    expect(message).to_have_count(1)
    expect(message.get_by_text(f"Đã nhận {FEE} đồng")).to_be_visible()
    message.get_by_role("link", name="Xem hồ sơ").click()
    assert page.url.endswith(f"/my/dossiers/{dossier_id}")
    context.close()

    # The daily reconciliation asks the in-process sandbox (querydr, at the server's real
    # address) about the day's payments: the ledgers agree.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "motcua.cli",
            "payments",
            "reconcile",
            "--older-than",
            "0",
            "--json",
        ],
        env=LIVE_ENV[live_server],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["differences"] == []


def test_cancelling_at_the_gateway_leaves_the_dossier_unpaid(
    live_server: str, browser: Browser, tmp_path: Path
) -> None:
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    _login(page, live_server)
    dossier_id = _draft(page, live_server, tmp_path, "cancelled")

    _to_gateway(page, live_server, dossier_id)
    page.get_by_role("button", name="Hủy giao dịch").click()
    expect(page.locator("#pay-state")).to_have_text("Đã hủy thanh toán.")
    page.get_by_role("link", name="Xem hồ sơ").click()
    expect(page.locator("dl.facts code")).to_have_text("chưa có (bản nháp)")  # not submitted
    expect(page.get_by_text("Đã hủy thanh toán")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^bien-lai-"))).to_have_count(0)
    # Still payable, still not submittable without paying.
    page.goto(live_server + f"/my/dossiers/{dossier_id}/review")
    expect(page.get_by_role("link", name=f"Thanh toán {FEE} đồng")).to_be_visible()
    expect(page.get_by_role("button", name="Nộp hồ sơ")).to_have_count(0)
    context.close()
