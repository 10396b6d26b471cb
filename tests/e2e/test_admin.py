"""An administrator, on a phone, creates a member of staff and grants a role, starting from the
home page they land on after login; axe checks each administration page (WCAG 2.1 AA)."""

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_citizen_journey import assert_accessible
from tests.e2e.test_desk import _login


def test_an_administrator_creates_a_user_and_grants_a_role(
    live_server: str, browser: Browser
) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _login(page, live_server, "admin")
        expect(page.get_by_role("heading", level=1)).to_have_text("Quản trị hệ thống")
        assert_accessible(page)
        screenshot(page, "admin-home")
        page.get_by_role("link", name="Người dùng và vai trò").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Người dùng và vai trò")
        assert_accessible(page)
        page.get_by_label("Tên đăng nhập", exact=True).fill("tiepnhan.moi")
        page.get_by_label("Họ và tên", exact=True).fill("Võ Thị Mai")
        page.get_by_label("Thư điện tử", exact=True).fill("mai@dongthap.example")
        page.get_by_role("button", name="Tạo tài khoản").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Võ Thị Mai")
        expect(page.get_by_role("status")).to_contain_text("mã đặt mật khẩu đã gửi")
        page.get_by_label("Vai trò", exact=True).select_option("reception")
        page.get_by_label("Cơ quan", exact=True).select_option("000.00.01.H20")
        page.get_by_role("button", name="Cấp vai trò").click()
        expect(page.locator("main ul").first).to_contain_text("Tiếp nhận và trả kết quả")
        expect(page.locator("main")).to_contain_text("users:grant")
        assert_accessible(page)
        screenshot(page, "admin-user")
        page.goto(live_server + "/backoffice/admin/agencies/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Cơ quan")
        assert_accessible(page)
    finally:
        context.close()
