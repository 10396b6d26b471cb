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


def test_fee_channels_are_named_in_the_page_language(app: Any, client: Any) -> None:
    from motcua.database import get_db
    from tests import factories as f

    with get_db(app).factory() as db:
        agency = f.agency(db, code="000.00.03.H99", name="UBND xã Phí")
        f.procedure(
            db,
            agency,
            code="1.000777",
            fees=[
                {"kind": "Lệ phí", "amount_vnd": 150000, "channel": "online"},
                {"kind": "Lệ phí", "amount_vnd": 150000, "channel": "post"},
                {"kind": "Lệ phí", "amount_vnd": 50000, "channel": "counter"},
            ],
        )
        db.commit()
    vi = client.get("/procedures/1.000777").get_data(as_text=True)
    for label in ("(trực tuyến)", "(trực tiếp)", "(bưu chính)"):
        assert label in vi
    for label in ("(online)", "(counter)", "(post)"):
        assert label not in vi
    en = client.get("/procedures/1.000777?lang=en").get_data(as_text=True)
    for label in ("(online)", "(at the counter)", "(by post)"):
        assert label in en
