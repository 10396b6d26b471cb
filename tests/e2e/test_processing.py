"""An officer's and a leader's day in Chromium: queues, assignment, hand-offs, approval, and an
overdue dossier's apology letter."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_citizen_journey import assert_accessible
from tests.e2e.test_desk import _login, _online_dossier, _open_by_scanning


@contextmanager
def signed_in(browser: Browser, base: str, login: str) -> Iterator[Page]:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, base, login)
    try:
        yield page
    finally:
        context.close()


def _open(page: Page, base: str, queue: str, code: str) -> None:
    page.goto(f"{base}/backoffice/work/?q={queue}")
    page.get_by_role("link", name=code).click()
    expect(page.locator("dl.facts code").first).to_have_text(code)


def test_officer_and_leader_work_a_dossier(live_server: str, browser: Browser) -> None:
    base = live_server
    code = _online_dossier(base)
    with signed_in(browser, base, "tiepnhan") as desk:
        desk.goto(base + "/backoffice/desk/")
        _open_by_scanning(desk, code)
        desk.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True).click()
        expect(desk.get_by_text("giấy tiếp nhận đã gửi người nộp")).to_be_visible()
        desk.get_by_role("link", name="Xử lý, chuyển hồ sơ và phiếu kiểm soát").click()
        desk.get_by_role("button", name="Chuyển xử lý").click()
        expect(desk.get_by_text("Đã chuyển bước xử lý")).to_be_visible()

    with signed_in(browser, base, "lanhdao.tc") as leader:
        _open(leader, base, "unit", code)
        assert_accessible(leader)
        leader.get_by_label("Phân công cho").select_option(
            label="Võ Minh Tuấn — Chuyên viên Phòng Đăng ký kinh doanh"
        )
        leader.get_by_label("Ý kiến chỉ đạo").fill("Đề nghị thẩm định trong ngày")
        leader.get_by_role("button", name="Phân công").click()
        expect(leader.locator("#holder")).to_contain_text("Võ Minh Tuấn")

    with signed_in(browser, base, "chuyenvien.tc") as officer:
        officer.goto(base + "/backoffice/work/?q=mine")
        expect(officer.get_by_role("link", name=code)).to_be_visible()
        assert_accessible(officer)
        screenshot(officer, "work-queue")
        officer.get_by_role("link", name=code).click()
        officer.get_by_label("Ý kiến, ghi chú").fill("Đã đối chiếu thông tin đăng ký")
        officer.get_by_role("button", name="Ghi ý kiến").click()
        expect(officer.locator("#history")).to_contain_text("Đã đối chiếu thông tin đăng ký")
        officer.get_by_label("Nội dung trình (ý kiến thẩm định)").fill("Đủ điều kiện cấp")
        officer.get_by_role("button", name="Trình kết quả").click()
        expect(officer.locator("#status")).to_contain_text("Chờ lãnh đạo phê duyệt")

    with signed_in(browser, base, "lanhdao.tc") as leader:
        _open(leader, base, "approval", code)
        leader.get_by_label("Lý do trả lại bước trước").fill("Bổ sung ngành nghề kinh doanh")
        leader.get_by_role("button", name="Trả lại").click()
        expect(leader.locator("#status")).to_contain_text("Đang xử lý")

    with signed_in(browser, base, "chuyenvien.tc") as officer:
        _open(officer, base, "mine", code)
        expect(officer.locator("#history")).to_contain_text("Bổ sung ngành nghề kinh doanh")
        officer.get_by_role("button", name="Trình kết quả").click()
        expect(officer.locator("#status")).to_contain_text("Chờ lãnh đạo phê duyệt")

    with signed_in(browser, base, "lanhdao.tc") as leader:
        _open(leader, base, "approval", code)
        leader.get_by_role("button", name="Phê duyệt").click()
        expect(leader.locator("#status")).to_contain_text("Đã phê duyệt, chờ ký")
        screenshot(leader, "work-dossier")
        sheet_link = leader.get_by_role("link", name="Phiếu kiểm soát quá trình giải quyết (PDF)")
        sheet_href = sheet_link.get_attribute("href")
        # Approved: the leader signs and issues the result (issue 7), online so it is returned.
        leader.get_by_role("link", name="Ký số và ban hành kết quả").click()
        leader.get_by_role("button", name="Ký số và ban hành").click()
        expect(leader.locator("#status")).to_have_text("Đã trả kết quả")
        sheet = leader.request.get(base + sheet_href)
        assert sheet.ok
        assert sheet.body().startswith(b"%PDF-")


def test_leader_approves_an_overdue_dossier_s_apology(live_server: str, browser: Browser) -> None:
    base = live_server
    with signed_in(browser, base, "lanhdao.tc") as leader:
        leader.goto(base + "/backoffice/work/?q=overdue")
        expect(leader.locator("tr.urgency-late").first).to_be_visible()
        leader.goto(base + "/backoffice/work/?q=apologies")
        row = leader.locator("tr", has_text="Phạm Văn Tài")
        expect(row).to_be_visible()
        row.get_by_role("link").click()
        expect(leader.get_by_role("heading", name=re.compile("Phiếu xin lỗi"))).to_be_visible()
        assert_accessible(leader)
        screenshot(leader, "work-apology")
        leader.get_by_label("Lý do chậm trễ").fill("Cần xác minh thông tin với cơ quan thuế")
        leader.get_by_role("button", name="Duyệt và phát hành phiếu xin lỗi").click()
        expect(leader.get_by_text("Đã xử lý phiếu xin lỗi")).to_be_visible()
        letter = leader.get_by_role("link", name=re.compile(r"^phieu-xin-loi-.*\.pdf$"))
        expect(letter).to_be_visible()
        pdf = leader.request.get(base + letter.get_attribute("href"))
        assert pdf.body().startswith(b"%PDF-")
        expect(leader.locator("#history")).to_contain_text("Xin lỗi và hẹn lại ngày trả")


def test_the_work_page_passes_axe_on_a_phone(live_server: str, browser: Browser) -> None:
    """At 390 px the plan's table scrolls sideways: a keyboard user must reach it."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _login(page, live_server, "chuyenvien.tc")
        page.goto(live_server + "/backoffice/work/?q=mine")
        page.get_by_role("link", name=re.compile(r"-\d{6}-\d{4}$")).first.click()
        expect(page.locator("dl.facts code").first).to_be_visible()
        assert_accessible(page)
    finally:
        context.close()
