"""The copy and attachment text stamps (Phụ lục I.3, II.3) sit top right of page one without
printing over the page's own text: clear of it when there is room, on a white ground when not."""

from pathlib import Path

from PIL import Image

from dossiers.signing import attachment, copy
from dossiers.signing.keys import Keyring
from dossiers.verification import inspect
from tests.signing.conftest import AGENCY, render, text_lines, widgets

HEADER = """<div style="float:right; width:95mm; text-align:center; font-weight:bold">
  CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc<br>
  <span style="font-weight:normal; font-style:italic">Đồng Tháp, ngày 01 tháng 12 năm 2026</span>
</div><div style="width:70mm; text-align:center; font-weight:bold">UBND TỈNH ĐỒNG THÁP<br>
  SỞ TÀI CHÍNH<br><span style="font-weight:normal">Số: 12/QĐ-STC</span></div>"""


def _page(body: str) -> bytes:
    from weasyprint import HTML

    return HTML(
        string=f"""<!doctype html><html><head><meta charset="utf-8"><style>
      @page {{ size: A4; margin: 8mm 12mm 20mm 20mm; }}
      body {{ font-family: 'Liberation Serif'; font-size: 13pt; }}</style></head>
      <body>{body}</body></html>"""
    ).write_pdf(pdf_version="1.7")


def _overlaps(a: list[float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_the_copy_stamp_avoids_the_national_motto_at_the_top_right(
    keyring: Keyring, tmp_path: Path
) -> None:
    original = _page(HEADER + "<p style='clear:both'>QUYẾT ĐỊNH về việc cấp phép.</p>")
    lines = [(x1, y1, x2, y2) for page, x1, y1, x2, y2, _ in text_lines(original) if page == 0]
    top_right = [b for b in lines if b[2] > 595 - 15 * 72 / 25.4 - 120 and b[3] > 842 - 40]
    assert top_right, "the page has text where the stamp would go"
    signed = copy.make_copy(
        original, form="SAO Y", agency_name=AGENCY[1], agency=keyring.agency(AGENCY[0])
    )
    rect = widgets(signed)[copy.COPY_FIELD]["rect"]
    assert not any(_overlaps(rect, line) for line in lines), (rect, lines)
    assert abs(rect[2] - (595 - copy.RIGHT_MARGIN)) <= 1  # still at the right
    assert rect[1] > 842 * (1 - copy.SEARCH_DEPTH)  # still in the upper part of page one
    assert inspect(signed, keyring.trust_roots()).valid
    png = render(signed, tmp_path, "copy-over-motto")
    (tmp_path / "look").mkdir()
    Image.open(png).save(tmp_path / "look" / "copy.png")


def test_the_attachment_stamp_avoids_the_text_too(keyring: Keyring) -> None:
    original = _page(HEADER + "<p style='clear:both'>Phụ lục kèm theo.</p>")
    lines = [(x1, y1, x2, y2) for page, x1, y1, x2, y2, _ in text_lines(original) if page == 0]
    signed = attachment.sign_attachment(
        original, number="12/QĐ-STC", agency=keyring.agency(AGENCY[0])
    )
    rect = widgets(signed)[attachment.ATTACHMENT_FIELD]["rect"]
    assert not any(_overlaps(rect, line) for line in lines), (rect, lines)


def test_with_no_free_room_the_stamp_sits_on_a_white_ground(
    keyring: Keyring, tmp_path: Path
) -> None:
    """The whole upper page is text: the stamp goes top right on a white ground, and the
    rendered page shows only the stamp's own black text inside its box, no text under it."""
    filler = "<p style='text-align:right; margin:0'>" + "Nội dung văn bản gốc dày đặc " * 400
    original = _page(filler + "</p>")
    signed = copy.make_copy(
        original, form="SAO Y", agency_name=AGENCY[1], agency=keyring.agency(AGENCY[0])
    )
    widget = widgets(signed)[copy.COPY_FIELD]
    x1, y1, x2, y2 = widget["rect"]
    assert abs(y2 - (842 - copy.TOP_MARGIN)) <= 1
    assert b"1 1 1 rg" in widget["stream"]  # the white ground
    scale = 80 / 72
    image = Image.open(render(signed, tmp_path, "dense")).convert("L")
    plain = Image.open(render(original, tmp_path, "dense-original")).convert("L")
    box = (
        int(x1 * scale) + 2,
        int((842 - y2) * scale) + 2,
        int(x2 * scale) - 2,
        int((842 - y1) * scale) - 2,
    )
    under = plain.crop(box)
    over = image.crop(box)
    assert sum(1 for p in under.tobytes() if p < 128) > 0, "text was there before"
    # Inside the box only the stamp's three lines are inked, the page's text is covered.
    stamp_only = (
        Image.open(
            render(
                copy.make_copy(
                    _page(""), form="SAO Y", agency_name=AGENCY[1], agency=keyring.agency(AGENCY[0])
                ),
                tmp_path,
                "blank",
            )
        )
        .convert("L")
        .crop(box)
    )
    inked = sum(1 for p in over.tobytes() if p < 128)
    expected = sum(1 for p in stamp_only.tobytes() if p < 128)
    assert abs(inked - expected) <= max(10, expected // 10), (inked, expected)
