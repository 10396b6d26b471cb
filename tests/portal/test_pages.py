"""The portal's pages, in Vietnamese first and English second."""

from typing import Any

from tests.web import build_world


def test_home_page_is_vietnamese_and_lists_procedures(app: Any, client: Any) -> None:
    build_world(app)
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="vi">' in html
    assert "Cổng dịch vụ công" in html
    assert "Thủ tục đăng ký khai sinh" in html


def test_search_without_accents_finds_the_procedure(app: Any, client: Any) -> None:
    build_world(app)
    html = client.get("/procedures?q=giay+phep+xay+dung").get_data(as_text=True)
    assert "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ" in html
    assert "Thủ tục đăng ký khai sinh" not in html


def test_procedure_page_shows_components_fees_and_time_limit(app: Any, client: Any) -> None:
    build_world(app)
    html = client.get("/procedures/1.001193").get_data(as_text=True)
    assert "Trong ngày làm việc (nhận sau 15:00" in html
    assert "Bản vẽ thiết kế xây dựng" in html
    assert "75.000 đồng" in html
    assert client.get("/procedures/9.999999").status_code == 404


def test_english_is_one_click_away_and_remembered(app: Any, client: Any) -> None:
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Public service portal" in html
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_every_response_carries_security_headers(client: Any) -> None:
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"


def test_an_unknown_page_is_a_vietnamese_404(client: Any) -> None:
    page = client.get("/khong-co")
    assert page.status_code == 404
    assert "Không tìm thấy" in page.get_data(as_text=True)
