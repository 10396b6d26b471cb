"""The portal in a real browser: home page, search without accents, a phone-sized screen."""

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import screenshot


def test_home_page_opens_in_vietnamese(live_server: str, page: Page) -> None:
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cổng dịch vụ công")
    expect(page.get_by_text("Thủ tục đăng ký khai sinh").first).to_be_visible()
    screenshot(page, "home")


def test_a_citizen_finds_a_procedure_typing_without_accents(live_server: str, page: Page) -> None:
    page.goto(live_server + "/")
    page.get_by_label("Tìm thủ tục hành chính").fill("giay phep xay dung")
    page.get_by_role("button", name="Tìm").click()
    result = page.get_by_role("link", name="Cấp giấy phép xây dựng mới", exact=False)
    expect(result).to_be_visible()
    screenshot(page, "search")
    result.click()
    expect(page.get_by_role("heading", level=2, name="Thành phần hồ sơ")).to_be_visible()
    expect(page.get_by_text("1.013225")).to_be_visible()
    screenshot(page, "procedure")


def test_pages_fit_a_360_pixel_phone(live_server: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    for path in ("/", "/procedures", "/procedures/1.001193", "/backoffice/login"):
        page.goto(live_server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide on a 360px screen"
    context.close()


def test_staff_log_in_and_see_their_dossiers(live_server: str, page: Page) -> None:
    page.goto(live_server + "/backoffice/")
    page.get_by_label("Tên đăng nhập").fill("tiepnhan")
    page.get_by_label("Mật khẩu").fill("motcua-demo-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ của cơ quan")
    expect(page.get_by_text("Công ty TNHH Thực phẩm Sông Tiền")).to_be_visible()
    screenshot(page, "backoffice")
