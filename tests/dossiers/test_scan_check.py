"""Scans against QĐ 31/2021 Phụ lục I.2, on PDFs made here, cross-checked with poppler.

Real scans come from img2pdf at a chosen dpi, colour and paper size; the odd cases (inline
images, nested forms, turned pages, inherited resources, colour spaces) are built with pikepdf.
Every ppi the checker reports on the files poppler can list is compared with ``pdfimages -list``.
"""

import io
import re
import shutil
import subprocess
import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import img2pdf
import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name
from PIL import Image, ImageCms

from dossiers.pdf.scan_check import ScanReport, check_pdf, paper_size
from tests import bombs

A4 = (210.0, 297.0)
A5 = (148.0, 210.0)
A6 = (105.0, 148.0)
LETTER = (215.9, 279.4)
ALL_CODES = {
    "pdf_version",
    "not_colour",
    "low_resolution",
    "not_full_scale",
    "no_image",
    "encrypted",
    "unreadable",
    "too_complex",
}


# --- makers ---------------------------------------------------------------------------------


def pixels(paper_mm: tuple[float, float], dpi: float) -> tuple[int, int]:
    return round(paper_mm[0] / 25.4 * dpi), round(paper_mm[1] / 25.4 * dpi)


def with_header(data: bytes, version: str) -> bytes:
    """The same file with another %PDF-x.y header (same length, so the xref still holds)."""
    return re.sub(rb"^%PDF-\d\.\d", b"%PDF-" + version.encode(), data, count=1)


def picture(size: tuple[int, int], mode: str, fmt: str, dpi: float) -> bytes:
    colour = {"RGB": (180, 40, 40), "L": 128, "1": 1}[mode]
    image = Image.new(mode, size, colour)
    image.paste(
        0 if mode != "RGB" else (20, 20, 120),
        (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2),
    )
    out = io.BytesIO()
    image.save(out, fmt, dpi=(dpi, dpi))
    return out.getvalue()


def scan(
    *pages: tuple[tuple[float, float], float], mode: str = "RGB", version: str = "1.4"
) -> bytes:
    """An img2pdf scan: one page per (paper size in mm, dpi), the page exactly the image."""
    fmt = "PNG" if mode == "1" else "JPEG"
    images = [picture(pixels(paper, dpi), mode, fmt, dpi) for paper, dpi in pages]
    dpis = {dpi for _, dpi in pages}
    if len(dpis) == 1:  # exact; otherwise each image's own dpi metadata sets its page
        return with_header(
            img2pdf.convert(images, layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpis.pop(),) * 2)),
            version,
        )
    return with_header(img2pdf.convert(images), version)


def save(pdf: pikepdf.Pdf, version: str = "1.4", **options: Any) -> bytes:
    out = io.BytesIO()
    if "encryption" in options:  # qpdf drops encryption that a forced version cannot carry
        pdf.save(out, min_version=version, **options)
    else:
        pdf.save(out, force_version=version, deterministic_id=True, **options)
    return out.getvalue()


def image(
    pdf: pikepdf.Pdf,
    size: tuple[int, int],
    colour_space: Any = Name.DeviceRGB,
    bpc: int | None = 8,
    components: int = 3,
    real_data: bool = True,
    **extra: Any,
) -> pikepdf.Stream:
    """An image XObject; its data is real Flate data unless the test says it must not matter."""
    width, height = size
    raw = bytes((width * components * (bpc or 8) + 7) // 8 * height) if real_data else b""
    stream = pikepdf.Stream(pdf, zlib.compress(raw))
    stream.Type, stream.Subtype = Name.XObject, Name.Image
    stream.Width, stream.Height, stream.Filter = width, height, Name.FlateDecode
    if colour_space is not None:
        stream.ColorSpace = colour_space
    if bpc is not None:
        stream.BitsPerComponent = bpc
    for key, value in extra.items():
        stream[f"/{key}"] = value
    return stream


def page(
    pdf: pikepdf.Pdf,
    content: str | bytes,
    size_pt: tuple[float, float],
    xobjects: dict[str, Any] | None = None,
    **attrs: Any,
) -> None:
    data = content.encode() if isinstance(content, str) else content
    obj = Dictionary(Type=Name.Page, MediaBox=[0, 0, *size_pt], Contents=pikepdf.Stream(pdf, data))
    if xobjects is not None:
        obj.Resources = Dictionary(XObject=Dictionary({f"/{k}": v for k, v in xobjects.items()}))
    for key, value in attrs.items():
        obj[f"/{key}"] = value
    pdf.pages.append(pikepdf.Page(obj))


def full_page_scan(space: Callable[[pikepdf.Pdf], Any] | None, **image_options: Any) -> bytes:
    """An A6 page at 200 dpi filled by one image: only the image's colour is in question."""
    pdf = pikepdf.new()
    w, h = pixels(A6, 200)
    pw, ph = w * 72 / 200, h * 72 / 200
    im = image(pdf, (w, h), None if space is None else space(pdf), real_data=False, **image_options)
    page(pdf, f"q {pw} 0 0 {ph} 0 0 cm /Im0 Do Q", (pw, ph), {"Im0": im})
    return save(pdf)


def inherited_rotated_pages() -> bytes:
    """Two A5 pages at 200 dpi whose /Rotate, /MediaBox and /Resources all sit on a /Pages node."""
    pdf = pikepdf.new()
    w, h = pixels(A5, 200)
    pw, ph = w * 72 / 200, h * 72 / 200
    shared = Dictionary(XObject=Dictionary(Im0=image(pdf, (w, h))))
    root = pdf.Root.Pages
    middle = pdf.make_indirect(
        Dictionary(
            Type=Name.Pages,
            Parent=root,
            Kids=Array(),
            Count=2,
            Rotate=90,
            MediaBox=[0, 0, pw, ph],
            Resources=shared,
        )
    )
    for _ in range(2):
        leaf = pdf.make_indirect(
            Dictionary(
                Type=Name.Page,
                Parent=middle,
                Contents=pikepdf.Stream(pdf, f"q {pw} 0 0 {ph} 0 0 cm /Im0 Do Q".encode()),
            )
        )
        middle.Kids.append(leaf)
    root.Kids, root.Count = Array([middle]), 2
    return save(pdf)


def nested_forms(outer_matrix: list[float]) -> bytes:
    """Page → form Fm0 (/Matrix outer_matrix, page cm halves) → form Fm1 → a full-size image."""
    pdf = pikepdf.new()
    w, h = pixels(A6, 200)
    pw, ph = w * 72 / 200, h * 72 / 200
    inner = pikepdf.Stream(pdf, f"q {pw} 0 0 {ph} 0 0 cm /Im0 Do Q".encode())
    inner.Type, inner.Subtype, inner.BBox = Name.XObject, Name.Form, [0, 0, pw, ph]
    inner.Resources = Dictionary(XObject=Dictionary(Im0=image(pdf, (w, h))))
    outer = pikepdf.Stream(pdf, b"/Fm1 Do")
    outer.Type, outer.Subtype, outer.BBox = Name.XObject, Name.Form, [0, 0, pw, ph]
    outer.Matrix = outer_matrix
    outer.Resources = Dictionary(XObject=Dictionary(Fm1=inner))
    page(pdf, "q 0.5 0 0 0.5 0 0 cm /Fm0 Do Q", (pw, ph), {"Fm0": outer})
    return save(pdf)


def inline_image(
    colour_space: str = "/RGB", dpi: float = 200, resources: Dictionary | None = None
) -> bytes:
    """A full-page inline image (BI … ID … EI) on an A6 page."""
    pdf = pikepdf.new()
    w, h = pixels(A6, dpi)
    pw, ph = w * 72 / dpi, h * 72 / dpi
    data = zlib.compress(bytes(w * 3 * h))
    assert b"EI" not in data
    content = (
        (f"q {pw} 0 0 {ph} 0 0 cm\nBI /W {w} /H {h} /CS {colour_space} /BPC 8 /F /Fl\nID ").encode()
        + data
        + b"\nEI\nQ\n"
    )
    page(pdf, content, (pw, ph))
    if resources is not None:
        pdf.pages[0].obj.Resources = resources
    return save(pdf)


def turned_and_skewed() -> bytes:
    """Page 1: a landscape image turned 90° to fill a portrait A6 page; page 2: a skewed one;
    page 3: one turned 90° at 216 × 288 dpi, where swapping the axes would show."""
    pdf = pikepdf.new()
    w, h = pixels(A6, 200)
    pw, ph = w * 72 / 200, h * 72 / 200
    turned = image(pdf, (h, w))
    page(pdf, f"q 0 {ph} {-pw} 0 {pw} 0 cm /Im0 Do Q", (pw, ph), {"Im0": turned})
    page(pdf, "q 150 0 40 120 20 20 cm /Im0 Do Q", (pw, ph), {"Im0": image(pdf, (400, 300))})
    page(pdf, "q 0 100 -50 0 60 10 cm /Im0 Do Q", (pw, ph), {"Im0": image(pdf, (300, 200))})
    return save(pdf)


def half_page_and_mrc() -> bytes:
    """Page 1: an A5 image at 200 dpi on the lower half of an A4 page. Page 2: a 100-dpi colour
    background under a 300-dpi 1-bit mask, as MRC-compressing scanners write."""
    pdf = pikepdf.new()
    aw, ah = pixels(A4, 200)
    pw, ph = aw * 72 / 200, ah * 72 / 200
    hw, hh = pixels((A5[1], A5[0]), 200)
    page(
        pdf, f"q {pw} 0 0 {hh * 72 / 200} 0 0 cm /Im0 Do Q", (pw, ph), {"Im0": image(pdf, (hw, hh))}
    )
    background = image(pdf, pixels(A4, 100))
    mask = image(pdf, pixels(A4, 300), None, 1, 1, ImageMask=True)
    page(
        pdf,
        f"q {pw} 0 0 {ph} 0 0 cm /Bg Do 0 0 0 rg /Fg Do Q",
        (pw, ph),
        {"Bg": background, "Fg": mask},
    )
    return save(pdf)


def pdfimages_ppi(path: Path) -> dict[int, list[tuple[float, float]]]:
    """x-ppi and y-ppi per page from ``pdfimages -list`` (soft masks left out: not painted)."""
    if shutil.which("pdfimages") is None:
        pytest.fail("pdfimages (poppler-utils) is needed: apt-get install poppler-utils")
    result = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    listed: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for line in result.stdout.splitlines()[2:]:
        cols = line.split()
        if cols[2] in ("image", "stencil"):
            listed[int(cols[0])].append((float(cols[-4]), float(cols[-3])))
    return listed


def codes(report: ScanReport) -> set[tuple[str, int | None]]:
    return {(problem.code, problem.page) for problem in report.problems}


# --- compliant scans ------------------------------------------------------------------------


def test_a_colour_a4_scan_at_200_dpi_meets_the_standard() -> None:
    report = check_pdf(scan((A4, 200)))
    assert report.compliant
    assert report.as_dict() == {
        "compliant": True,
        "pdf_version": "1.4",
        "problems": [],
        "pages": [
            {
                "number": 1,
                "width_mm": 210.1,
                "height_mm": 297.1,
                "images": [{"ppi_x": 200.0, "ppi_y": 200.0, "colour": "rgb"}],
            }
        ],
    }


def test_mixed_paper_sizes_and_resolutions_meet_the_standard() -> None:
    report = check_pdf(scan((LETTER, 300), ((A5[1], A5[0]), 200), ((353, 500), 200)))
    assert report.problems == []
    assert [paper_size(p.width_mm, p.height_mm) for p in report.pages] == ["Letter", "A5", "B3"]
    assert [round(p.images[0].ppi_x) for p in report.pages] == [300, 200, 200]


def test_pages_inherit_rotate_mediabox_and_resources_from_the_page_tree() -> None:
    data = inherited_rotated_pages()
    leaves = re.findall(rb"<<[^<>]*/Type /Page >>", data)  # the leaves carry none of them
    assert len(leaves) == 2
    assert not any(
        key in leaf for leaf in leaves for key in (b"/Rotate", b"/MediaBox", b"/Resources")
    )
    report = check_pdf(data)
    assert report.compliant
    first = report.pages[0]
    assert (round(first.width_mm), round(first.height_mm)) == (210, 148)  # shown turned
    assert [(round(i.ppi_x), round(i.ppi_y)) for i in first.images] == [(200, 200)]


def test_an_image_turned_to_fill_the_page_meets_the_standard() -> None:
    report = check_pdf(turned_and_skewed())
    assert ("not_full_scale", 1) not in codes(report)
    assert [(round(i.ppi_x), round(i.ppi_y)) for i in report.pages[0].images] == [(200, 200)]


def test_nested_forms_apply_their_matrices() -> None:
    fills = check_pdf(nested_forms([2, 0, 0, 2, 0, 0]))
    assert fills.compliant
    halved = check_pdf(nested_forms([1, 0, 0, 1, 0, 0]))
    assert codes(halved) == {("not_full_scale", 1)}
    assert [(round(i.ppi_x), round(i.ppi_y)) for i in halved.pages[0].images] == [(400, 400)]


def test_a_full_page_inline_image_meets_the_standard() -> None:
    report = check_pdf(inline_image())
    assert report.compliant
    assert [(round(i.ppi_x), i.colour) for i in report.pages[0].images] == [(200, "rgb")]


def test_an_inline_image_resolves_a_named_colour_space_from_the_resources() -> None:
    pdf = pikepdf.open(io.BytesIO(inline_image("/Cs0")))
    icc = pdf.make_stream(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    icc.N = 3
    pdf.pages[0].obj.Resources = Dictionary(ColorSpace=Dictionary(Cs0=Array([Name.ICCBased, icc])))
    report = check_pdf(save(pdf))
    assert report.compliant
    assert report.pages[0].images[0].colour == "rgb"


def test_catalogue_version_lifts_a_1_3_header() -> None:
    pdf = pikepdf.open(io.BytesIO(scan((A4, 200), version="1.3")))
    pdf.Root.Version = Name("/1.4")
    data = save(pdf, version="1.3")
    assert data.startswith(b"%PDF-1.3")
    report = check_pdf(data)
    assert report.pdf_version == "1.4"
    assert report.compliant


# --- each problem ---------------------------------------------------------------------------


def test_a_1_3_header_without_catalogue_version_is_too_old() -> None:
    report = check_pdf(scan((A4, 200), version="1.3"))
    assert report.pdf_version == "1.3"
    assert [p.as_dict() for p in report.problems] == [
        {"code": "pdf_version", "page": None, "message": "Phiên bản PDF 1.3, cần từ 1.4 trở lên"}
    ]


def test_a_150_dpi_scan_has_low_resolution() -> None:
    report = check_pdf(scan((A4, 200), (A4, 150)))
    assert [p.as_dict() for p in report.problems] == [
        {
            "code": "low_resolution",
            "page": 2,
            "message": "Trang 2: độ phân giải 150 dpi, cần tối thiểu 200 dpi",
        }
    ]


def test_a_resolution_that_rounds_to_200_passes() -> None:
    pdf = pikepdf.new()
    w, h = pixels(A6, 200)
    pw, ph = w * 72 / 199.6, h * 72 / 199.6  # the page size in points rounded up a little
    page(pdf, f"q {pw} 0 0 {ph} 0 0 cm /Im0 Do Q", (pw, ph), {"Im0": image(pdf, (w, h))})
    report = check_pdf(save(pdf))
    assert report.compliant
    assert round(report.pages[0].images[0].ppi_x, 1) == 199.6


@pytest.mark.parametrize(
    ("mode", "colour", "what"),
    [
        ("L", "gray", "ảnh thang xám"),
        ("1", "bilevel", "ảnh đen trắng 1 bit"),
    ],
)
def test_gray_and_one_bit_scans_are_not_colour(mode: str, colour: str, what: str) -> None:
    report = check_pdf(scan((A4, 200), mode=mode))
    assert report.pages[0].images[0].colour == colour
    assert [p.as_dict() for p in report.problems] == [
        {
            "code": "not_colour",
            "page": 1,
            "message": f"Trang 1: {what}, cần ảnh màu (RGB hoặc CMYK)",
        }
    ]


def test_an_image_on_half_the_page_is_not_full_scale() -> None:
    report = check_pdf(half_page_and_mrc())
    half = [p for p in report.problems if p.page == 1]
    assert [p.code for p in half] == ["not_full_scale"]
    assert half[0].message == (
        "Trang 1: ảnh quét chỉ phủ 49% trang, cần quét đúng tỉ lệ 100% (ảnh phủ kín trang)"
    )


def test_an_mrc_page_is_neither_colour_nor_200_dpi_throughout() -> None:
    report = check_pdf(half_page_and_mrc())
    assert codes(report) == {("not_full_scale", 1), ("not_colour", 2), ("low_resolution", 2)}
    images = report.pages[1].images
    assert [(round(i.ppi_x), i.colour) for i in images] == [(100, "rgb"), (300, "mask")]


def two_halves(colour_space: Any) -> bytes:
    """An A4 page at 200 dpi scanned in two A5 halves, one above the other."""
    pdf = pikepdf.new()
    w, h = pixels((A5[1], A5[0]), 200)
    pw, ph = w * 72 / 200, h * 72 / 200
    half = image(pdf, (w, h), colour_space, real_data=False)
    page(
        pdf,
        f"q {pw} 0 0 {ph} 0 0 cm /Im0 Do Q q {pw} 0 0 {ph} 0 {ph} cm /Im0 Do Q",
        (pw, 2 * ph),
        {"Im0": half},
    )
    return save(pdf)


def test_images_that_together_fill_the_page_are_full_scale() -> None:
    assert check_pdf(two_halves(Name.DeviceRGB)).compliant
    report = check_pdf(two_halves(Name.DeviceGray))
    assert [p.as_dict() for p in report.problems] == [
        {
            "code": "not_colour",
            "page": 1,
            "message": "Trang 1: có 2 ảnh không phải ảnh màu (thang xám), cần ảnh màu (RGB hoặc "
            "CMYK)",
        }
    ]


def test_a_turned_image_that_leaves_corners_bare_is_not_full_scale() -> None:
    pdf = pikepdf.new()
    w, h = pixels(A4, 200)
    pw, ph = w * 72 / 200, h * 72 / 200
    # a diamond through the middles of the edges: half the page
    page(
        pdf,
        f"q {pw / 2} {ph / 2} {-pw / 2} {ph / 2} {pw / 2} 0 cm /Im0 Do Q",
        (pw, ph),
        {"Im0": image(pdf, (w * 2, h * 2), real_data=False)},
    )
    report = check_pdf(save(pdf))
    assert [p.code for p in report.problems] == ["not_full_scale"]
    assert re.search(r"phủ (49|50)% trang", report.problems[0].message)
    skewed = check_pdf(turned_and_skewed())
    assert {("not_full_scale", 2), ("not_full_scale", 3)} <= codes(skewed)


def test_an_odd_page_size_is_not_full_scale() -> None:
    report = check_pdf(scan(((150, 150), 200)))
    assert [p.as_dict() for p in report.problems] == [
        {
            "code": "not_full_scale",
            "page": 1,
            "message": "Trang 1: khổ trang 150 × 150 mm không phải khổ giấy chuẩn "
            "(A4, A3, Letter…), cần quét đúng tỉ lệ 100%",
        }
    ]


def test_the_cropbox_and_userunit_make_the_page_size() -> None:
    pdf = pikepdf.new()
    w, h = pixels(A4, 200)
    pw, ph = w * 72 / 200, h * 72 / 200
    page(
        pdf,
        f"q {pw} 0 0 {ph} 0 0 cm /Im0 Do Q",
        (pw * 2, ph * 2),
        {"Im0": image(pdf, (w, h), real_data=False)},
        CropBox=[0, 0, pw, ph],
    )
    page(
        pdf,
        f"q {pw / 2} 0 0 {ph / 2} 0 0 cm /Im0 Do Q",
        (pw / 2, ph / 2),
        {"Im0": image(pdf, (w, h), real_data=False)},
        UserUnit=2,
    )
    report = check_pdf(save(pdf, version="1.6"))
    assert report.compliant
    assert [(round(p.width_mm), round(p.height_mm)) for p in report.pages] == [(210, 297)] * 2
    assert [round(p.images[0].ppi_x) for p in report.pages] == [200, 200]


def test_a_page_without_an_image_is_reported() -> None:
    pdf = pikepdf.new()
    w, h = pixels(A4, 200)
    pw, ph = w * 72 / 200, h * 72 / 200
    page(pdf, f"q {pw} 0 0 {ph} 0 0 cm /Im0 Do Q", (pw, ph), {"Im0": image(pdf, (w, h))})
    page(pdf, "0 0 1 rg 10 10 200 200 re f BT ET", (pw, ph))
    pdf.add_blank_page(page_size=(pw, ph))
    report = check_pdf(save(pdf))
    assert [p.as_dict() for p in report.problems] == [
        {
            "code": "no_image",
            "page": n,
            "message": f"Trang {n}: không có ảnh quét nào, trang không phải bản quét",
        }
        for n in (2, 3)
    ]


@pytest.mark.parametrize("owner_only", [False, True])
def test_an_encrypted_pdf_is_reported(owner_only: bool) -> None:
    pdf = pikepdf.open(io.BytesIO(scan((A4, 200))))
    encryption = pikepdf.Encryption(owner="chu-so-huu", user="" if owner_only else "mat-khau")
    report = check_pdf(save(pdf, version="1.7", encryption=encryption))
    assert not report.compliant
    assert [(p.code, p.page) for p in report.problems] == [("encrypted", None)]
    assert report.pdf_version == "1.7"
    assert len(report.pages) == (1 if owner_only else 0)  # opened and checked when it can be


def _not_a_pdf() -> bytes:
    return picture((40, 30), "RGB", "JPEG", 72)


def _truncated() -> bytes:
    data = scan((A6, 200))
    return data[: len(data) // 2]


def _tail_cut() -> bytes:
    return scan((A6, 200))[:-40]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: b"", "Tệp rỗng, không có nội dung PDF"),
        (_not_a_pdf, "Tệp không phải là tệp PDF"),
        (lambda: b"%PDF-1.4\n% nothing else", "Tệp PDF bị hỏng hoặc không đầy đủ, không đọc được"),
        (_truncated, "Tệp PDF bị hỏng hoặc không đầy đủ, không đọc được"),
        (_tail_cut, "Tệp PDF bị hỏng hoặc không đầy đủ, không đọc được"),
    ],
    ids=["empty", "jpeg", "header-only", "truncated", "tail-cut"],
)
def test_unreadable_input_gives_a_report_not_an_exception(
    make: Callable[[], bytes], message: str
) -> None:
    report = check_pdf(make())
    assert not report.compliant
    assert report.pages == []
    assert [p.as_dict() for p in report.problems] == [
        {"code": "unreadable", "page": None, "message": message}
    ]


def test_a_pdf_without_pages_is_unreadable() -> None:
    report = check_pdf(save(pikepdf.new()))
    assert [(p.code, p.page) for p in report.problems] == [("unreadable", None)]


def test_a_declared_200_million_pixel_image_is_judged_without_decoding() -> None:
    """The data is two bytes of a zlib stream: decoding it would fail, not just be slow.

    200 million pixels is the most an image may have (tests/dossiers/test_bombs.py)."""
    pdf = pikepdf.new()
    w, h = pixels(A4, 200)
    pw, ph = w * 72 / 200, h * 72 / 200
    huge = image(pdf, (20_000, 10_000), Name.DeviceGray, components=1, real_data=False)
    huge.write(b"x\x9c", filter=Name.FlateDecode)
    page(pdf, f"q {pw} 0 0 {ph} 0 0 cm /Im0 Do Q", (pw, ph), {"Im0": huge})
    report = check_pdf(save(pdf))
    assert codes(report) == {("not_colour", 1)}
    assert round(report.pages[0].images[0].ppi_x) == round(20_000 / (w / 200))


# --- colour spaces --------------------------------------------------------------------------


def _icc(n: int, alternate: str | None = None) -> Callable[[pikepdf.Pdf], Any]:
    def make(pdf: pikepdf.Pdf) -> Any:
        stream = pikepdf.Stream(pdf, b"not read")
        if n:
            stream.N = n
        if alternate:
            stream.Alternate = Name(alternate)
        return Array([Name.ICCBased, stream])

    return make


def _jpx(no_jp2: bool, mode: str) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (16, 16)).save(out, "JPEG2000", no_jp2=no_jp2)
    return out.getvalue()


@pytest.mark.parametrize(
    ("space", "colour"),
    [
        (lambda pdf: Name.DeviceCMYK, "cmyk"),
        (lambda pdf: Array([Name.CalRGB, Dictionary(WhitePoint=[0.95, 1, 1.09])]), "rgb"),
        (lambda pdf: Array([Name.Lab, Dictionary(WhitePoint=[0.95, 1, 1.09])]), "lab"),
        (_icc(3), "rgb"),
        (_icc(4), "cmyk"),
        (_icc(1), "gray"),
        (_icc(0, "/DeviceRGB"), "rgb"),
        (
            lambda pdf: Array([Name.Indexed, Name.DeviceRGB, 1, b"\x00\x00\x00\xff\x00\x00"]),
            "indexed-rgb",
        ),
        (lambda pdf: Array([Name.Indexed, _icc(4)(pdf), 0, b"\x00\x00\x00\x00"]), "indexed-cmyk"),
        (lambda pdf: Array([Name.Indexed, Name.DeviceGray, 1, b"\x00\xff"]), "indexed-gray"),
        (
            lambda pdf: Array([Name.Separation, Name("/Spot"), Name.DeviceCMYK, Dictionary()]),
            "spot",
        ),
        (
            lambda pdf: Array(
                [Name.DeviceN, Array([Name.Cyan, Name.Magenta]), Name.DeviceCMYK, Dictionary()]
            ),
            "spot",
        ),
        (
            lambda pdf: Array(
                [
                    Name.DeviceN,
                    Array([Name.Cyan, Name.Magenta, Name.Yellow, Name("/Spot")]),
                    Name.DeviceCMYK,
                    Dictionary(),
                ]
            ),
            "devicen",
        ),
        (lambda pdf: Array([Name.CalGray, Dictionary(WhitePoint=[0.95, 1, 1.09])]), "gray"),
        (lambda pdf: Name.Pattern, "unknown"),
    ],
)
def test_colour_spaces_are_resolved(space: Callable[[pikepdf.Pdf], Any], colour: str) -> None:
    report = check_pdf(full_page_scan(space))
    assert report.pages[0].images[0].colour == colour
    is_colour = colour.removeprefix("indexed-") in {"rgb", "cmyk", "lab", "devicen"}
    assert (("not_colour", 1) in codes(report)) is not is_colour


def test_an_indexed_colour_image_of_one_bit_is_not_colour() -> None:
    report = check_pdf(
        full_page_scan(
            lambda pdf: Array([Name.Indexed, Name.DeviceRGB, 1, b"\x00\x00\x00\xff\x00\x00"]), bpc=1
        )
    )
    assert report.pages[0].images[0].colour == "bilevel"
    assert codes(report) == {("not_colour", 1)}


def test_an_image_mask_is_not_colour() -> None:
    report = check_pdf(full_page_scan(None, bpc=None, ImageMask=True))
    assert report.pages[0].images[0].colour == "mask"
    assert codes(report) == {("not_colour", 1)}


@pytest.mark.parametrize(
    ("payload", "colour"),
    [
        (_jpx(False, "RGB"), "rgb"),
        (_jpx(True, "RGB"), "rgb"),
        (_jpx(False, "L"), "gray"),
        (_jpx(True, "L"), "gray"),
        (b"\x00\x00\x00\x0cjP  \r\n\x87\nnot a header", "unknown"),
    ],
    ids=["jp2-rgb", "codestream-rgb", "jp2-gray", "codestream-gray", "garbage"],
)
def test_jpx_without_a_colour_space_is_judged_by_its_header(payload: bytes, colour: str) -> None:
    pdf = pikepdf.new()
    w, h = pixels(A6, 200)
    pw, ph = w * 72 / 200, h * 72 / 200
    jpx = pikepdf.Stream(pdf, payload)
    jpx.Type, jpx.Subtype, jpx.Width, jpx.Height = Name.XObject, Name.Image, w, h
    jpx.Filter = Name.JPXDecode
    page(pdf, f"q {pw} 0 0 {ph} 0 0 cm /Im0 Do Q", (pw, ph), {"Im0": jpx})
    report = check_pdf(save(pdf, version="1.5"))
    assert report.pages[0].images[0].colour == colour
    assert report.compliant is (colour == "rgb")


# --- hostile content ------------------------------------------------------------------------


def test_forms_drawing_each_other_stop_instead_of_exploding() -> None:
    pdf = pikepdf.new()
    level: Any = image(pdf, (10, 10), real_data=False)
    name = "Im0"
    for depth in range(4):  # 30 × 30 × 30 × 30 paintings if it were followed
        form = pikepdf.Stream(pdf, (f"/{name} Do " * 30).encode())
        form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, [0, 0, 1, 1]
        form.Resources = Dictionary(XObject=Dictionary({f"/{name}": level}))
        level, name = form, f"Fm{depth}"
    page(pdf, f"/{name} Do", (100, 100), {name: level})
    looping = pikepdf.Stream(pdf, b"/Me Do")
    looping.Type, looping.Subtype, looping.BBox = Name.XObject, Name.Form, [0, 0, 1, 1]
    looping = pdf.make_indirect(looping)
    looping.Resources = Dictionary(XObject=Dictionary(Me=looping))
    page(pdf, "Q Q /Me Do", (100, 100), {"Me": looping})
    report = check_pdf(save(pdf))
    assert codes(report) == {("too_complex", 1)}
    assert report.problems[0].message == (
        "Trang 1: ảnh được vẽ hơn 10000 lần (hình lồng nhau), tệp quá phức tạp để kiểm tra"
    )


def test_a_broken_content_stream_makes_only_that_page_unreadable() -> None:
    pdf = pikepdf.open(io.BytesIO(scan((A6, 200), (A6, 200))))
    pdf.pages[1].obj.Contents = pdf.make_stream(b"q 1 0 0 cm /Im0 Do Q")
    report = check_pdf(save(pdf))
    assert codes(report) == {("unreadable", 2)}
    assert report.problems[0].message == "Trang 2: nội dung trang bị hỏng, không kiểm tra được"


# --- poppler agrees -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: scan((A4, 200)),
        lambda: scan((A4, 150), (LETTER, 300), ((A5[1], A5[0]), 200)),
        lambda: scan((A4, 200), mode="L"),
        inherited_rotated_pages,
        lambda: nested_forms([2, 0, 0, 2, 0, 0]),
        lambda: nested_forms([1, 0, 0, 1, 0, 0]),
        inline_image,
        turned_and_skewed,
        half_page_and_mrc,
    ],
    ids=[
        "a4-200",
        "mixed-dpi",
        "gray",
        "rotated-inherited",
        "forms",
        "forms-halved",
        "inline",
        "turned-skewed",
        "half-page-mrc",
    ],
)
def test_ppi_agrees_with_pdfimages(make: Callable[[], bytes], tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(make())
    report = check_pdf(path.read_bytes())
    listed = pdfimages_ppi(path)
    assert sum(len(p.images) for p in report.pages) == sum(len(v) for v in listed.values()) > 0
    for info in report.pages:
        ours = [(i.ppi_x, i.ppi_y) for i in info.images]
        theirs = listed.get(info.number, [])
        assert len(ours) == len(theirs), info.number
        for (x, y), (px, py) in zip(ours, theirs, strict=True):
            # poppler prints the value rounded to a whole dpi
            assert abs(x - px) <= 0.5 + 1e-6, (info.number, x, px)
            assert abs(y - py) <= 0.5 + 1e-6, (info.number, y, py)


# --- the report -----------------------------------------------------------------------------


def test_every_problem_code_is_exercised_and_every_message_is_vietnamese_nfc() -> None:
    pdf = pikepdf.open(io.BytesIO(scan((A4, 200))))
    reports = [
        check_pdf(scan((A4, 150), ((150, 150), 200), mode="L", version="1.3")),
        check_pdf(half_page_and_mrc()),
        check_pdf(save(pdf, encryption=pikepdf.Encryption(owner="o", user="u"))),
        check_pdf(b"%PDF-1.7 broken"),
        check_pdf(b""),
    ]
    blank = pikepdf.new()
    blank.add_blank_page()
    reports.append(check_pdf(save(blank)))
    reports.append(check_pdf(bombs.operator_bomb()))
    seen = {p.code for r in reports for p in r.problems}
    assert seen == ALL_CODES
    for report in reports:
        for problem in report.problems:
            assert unicodedata.is_normalized("NFC", problem.message)
            assert problem.message[0].isupper()
            if problem.page is not None:
                assert problem.message.startswith(f"Trang {problem.page}: ")
    messages = " ".join(p.message for p in reports[0].problems)
    for phrase in ("Phiên bản PDF 1.3", "độ phân giải 150 dpi", "ảnh thang xám", "khổ giấy chuẩn"):
        assert phrase in messages


def test_as_dict_has_exactly_the_documented_keys() -> None:
    report = check_pdf(half_page_and_mrc()).as_dict()
    assert set(report) == {"compliant", "pdf_version", "problems", "pages"}
    assert all(set(p) == {"code", "page", "message"} for p in report["problems"])
    assert all(set(p) == {"number", "width_mm", "height_mm", "images"} for p in report["pages"])
    assert all(set(i) == {"ppi_x", "ppi_y", "colour"} for p in report["pages"] for i in p["images"])
