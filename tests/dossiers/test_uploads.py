"""Uploads are recognised by content, bounded in size, and must open."""

import io

import pikepdf
import pytest

from dossiers.errors import InvalidFile
from dossiers.uploads import check_upload
from tests import samples


def test_pdf_png_and_jpeg_are_recognised_by_content() -> None:
    assert check_upload(samples.pdf(), "a.bin").content_type == "application/pdf"
    assert check_upload(samples.png(), "a.pdf").content_type == "image/png"
    assert check_upload(samples.jpeg(), "a.txt").content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "unsupported_type"),
        (b"<html><script>alert(1)</script></html>", "unsupported_type"),
        (b"%PDF-1.4\n% nothing else", "broken_file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00 truncated", "broken_file"),
        (b"\xff\xd8\xff\xe0 truncated jpeg", "broken_file"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data: bytes, code: str) -> None:
    with pytest.raises(InvalidFile) as error:
        check_upload(data, "tep.pdf")
    assert error.value.code == code
    assert error.value.message.startswith("tep.pdf: ")


def test_a_truncated_pdf_is_refused() -> None:
    data = samples.pdf(pages=3)
    with pytest.raises(InvalidFile):
        check_upload(data[: len(data) // 3], "cut.pdf")


def test_a_password_protected_pdf_is_refused() -> None:
    document = pikepdf.new()
    document.add_blank_page()
    out = io.BytesIO()
    document.save(out, encryption=pikepdf.Encryption(owner="o", user="secret"))
    with pytest.raises(InvalidFile) as error:
        check_upload(out.getvalue(), "locked.pdf")
    assert error.value.code == "encrypted"


def test_files_over_the_limit_are_refused() -> None:
    with pytest.raises(InvalidFile) as error:
        check_upload(samples.pdf(pages=5), "big.pdf", max_bytes=100)
    assert error.value.code == "file_too_large"
