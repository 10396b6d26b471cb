"""Decompression bombs and other hostile files: refused with their reason, never followed.

Each file is a few KB (tests/bombs.py); followed naively, each costs seconds of CPU and up to
gigabytes of memory (the first one held a worker for 95 s and 3 GB). How fast they are refused
is measured in bench/bench_bombs.py, not here.
"""

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from dossiers.errors import InvalidFile
from dossiers.pdf.scan_check import (
    MAX_IMAGE_PIXELS,
    MAX_PAGES,
    check_pdf,
    cli_main,
    judge_pdf,
)
from dossiers.uploads import check_upload
from tests import bombs

PDF_BOMBS: list[tuple[Callable[[], bytes], int | None, str, str]] = [
    (
        bombs.operator_bomb,
        1,
        "hơn 50000 lệnh vẽ trên một trang",
        "more than 50000 drawing operators",
    ),
    (lambda: bombs.nesting_bomb(1_000), 1, "lồng nhau quá 256 mức", "nested more than 256"),
    (
        bombs.content_size_bomb,
        1,
        "nội dung trang giải nén ra hơn 8 MB",
        "inflates to more than 8 MB",
    ),
    (bombs.nested_filter_bomb, 1, "dữ liệu nén giải nén ra quá lớn", "inflates too far"),
    (
        bombs.huge_image_pdf,
        1,
        "ảnh quá lớn (1000000 × 1000000 điểm ảnh, tối đa 200 triệu",
        "image too large (1000000 × 1000000 pixels",
    ),
    (
        lambda: bombs.many_pages(MAX_PAGES + 1),
        None,
        f"có {MAX_PAGES + 1} trang, nhiều hơn",
        f"has {MAX_PAGES + 1} pages",
    ),
    (bombs.nested_forms, 1, "ảnh được vẽ hơn 10000 lần", "painted more than 10000 times"),
    (bombs.object_stream_bomb, None, "dữ liệu nén giải nén ra quá lớn", "inflates too far"),
    (
        bombs.container_bomb,
        None,
        "không kiểm tra được trong 1 giây và 256 MB bộ nhớ",
        "within 1 s of CPU and 256 MB of memory",
    ),
]
IDS = [
    "q-Q-operators",
    "q-nesting",
    "content-size",
    "deflate-in-deflate",
    "huge-image",
    "many-pages",
    "nested-forms",
    "object-stream",
    "objects-beyond-memory",
]


@pytest.mark.parametrize(("make", "page", "reason", "reason_en"), PDF_BOMBS, ids=IDS)
def test_a_pdf_bomb_is_refused_with_its_reason(
    make: Callable[[], bytes], page: int | None, reason: str, reason_en: str
) -> None:
    data = make()
    assert len(data) < 1_100_000  # small on disk: the point of a bomb
    report = check_pdf(data)
    assert not report.compliant
    assert [(p.code, p.page) for p in report.problems] == [("too_complex", page)]
    assert reason in report.problems[0].message
    assert reason_en in report.problems[0].message_en
    if page is not None:
        assert report.problems[0].message.startswith(f"Trang {page}: ")
    with pytest.raises(InvalidFile) as refused:
        check_upload(data, "ho-so.pdf")
    assert refused.value.code == "too_complex"
    assert refused.value.message == f"ho-so.pdf: {report.problems[0].message}"
    assert refused.value.message_en == f"ho-so.pdf: {report.problems[0].message_en}"


def test_bounds_leave_an_ordinary_scan_alone() -> None:
    from tests.dossiers.test_scan_check import A4, scan

    data = scan((A4, 200), (A4, 200))
    assert check_pdf(data).compliant
    assert judge_pdf(data) == check_pdf(data)


def test_the_checked_child_answers_the_same_report_as_the_check_in_process() -> None:
    from tests.dossiers.test_scan_check import half_page_and_mrc

    data = half_page_and_mrc()
    assert check_pdf(data) == judge_pdf(data)


@pytest.mark.parametrize(
    "make",
    [bombs.png_bomb, bombs.jpeg_bomb, lambda: bombs.png_bomb(15_000, 15_000)],
    ids=["png-30000²", "jpeg-60000²", "png-15000²-between-1x-and-2x"],
)
def test_an_image_declaring_too_many_pixels_is_too_large_not_damaged(
    make: Callable[[], bytes],
) -> None:
    data = make()
    assert len(data) < 1_000
    with pytest.raises(InvalidFile) as refused:
        check_upload(data, "anh.png")
    assert refused.value.code == "image_too_large"
    assert "ảnh quá lớn" in refused.value.message
    assert "image too large" in refused.value.message_en
    assert f"{MAX_IMAGE_PIXELS // 1_000_000}" in refused.value.message


def test_the_command_says_a_bomb_cannot_be_checked(tmp_path: Path) -> None:
    path = tmp_path / "bom.pdf"
    path.write_bytes(bombs.operator_bomb())
    out = io.StringIO()
    assert cli_main([str(path)], as_json=False, out=out) == 2
    assert out.getvalue() == (
        f"{path}: KHÔNG KIỂM TRA ĐƯỢC — Trang 1: hơn 50000 lệnh vẽ trên "
        "một trang, tệp quá phức tạp để kiểm tra\n"
    )
