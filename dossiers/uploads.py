"""What an applicant may upload: PDF, JPEG or PNG, recognised by content, bounded in size.

The declared content type and file name are not trusted. A PDF must open and stay within the
scan check's bounds, judged in a child process (``scan_check.check_pdf``); an image must parse
(Pillow, which reads the header and checks the structure without decoding a pixel) and hold at
most MAX_IMAGE_PIXELS, so a few hundred bytes declaring 30000 × 30000 pixels are refused as too
large before anything decodes them.
"""

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from dossiers.errors import InvalidFile
from dossiers.pdf.scan_check import MAX_IMAGE_PIXELS, NO_PAGES, check_pdf

MAX_FILE_BYTES = 20 * 1024 * 1024
# Pillow only warns between this and twice this; the check below refuses from this on.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


@dataclass(frozen=True)
class Checked:
    content_type: str
    extension: str


def sniff(data: bytes) -> Checked | None:
    if data.startswith(b"%PDF-") or data[:1024].find(b"%PDF-") != -1:
        return Checked("application/pdf", "pdf")
    if data.startswith(b"\xff\xd8\xff"):
        return Checked("image/jpeg", "jpg")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Checked("image/png", "png")
    return None


def check_upload(data: bytes, filename: str, max_bytes: int = MAX_FILE_BYTES) -> Checked:
    if not data:
        raise InvalidFile(
            f"{filename}: tệp rỗng", f"{filename}: the file is empty", code="empty_file"
        )
    if len(data) > max_bytes:
        mb = max_bytes // (1024 * 1024)
        raise InvalidFile(
            f"{filename}: tệp lớn hơn {mb} MB",
            f"{filename}: larger than {mb} MB",
            code="file_too_large",
        )
    kind = sniff(data)
    if kind is None:
        raise InvalidFile(
            f"{filename}: chỉ nhận tệp PDF, JPEG hoặc PNG",
            f"{filename}: only PDF, JPEG or PNG files are accepted",
            code="unsupported_type",
        )
    if kind.extension == "pdf":
        _check_pdf(data, filename)
    else:
        _check_image(data, filename)
    return kind


def _check_pdf(data: bytes, filename: str) -> None:
    # No reconstruction (scan_check opens without it): a file qpdf has to rebuild (truncated,
    # damaged xref) is not the file the applicant meant to send; they are asked to send it again.
    report = check_pdf(data)
    for problem in report.problems:
        if problem.code == "too_complex":
            raise InvalidFile(
                f"{filename}: {problem.message}",
                f"{filename}: {problem.message_en}",
                code="too_complex",
            )
        if problem.code == "encrypted" and not report.pages:
            raise InvalidFile(
                f"{filename}: tệp PDF có mật khẩu, hãy gửi bản không khóa",
                f"{filename}: the PDF is password-protected",
                code="encrypted",
            )
        if problem.code == "unreadable" and problem.page is None:
            if problem.message == NO_PAGES:
                raise InvalidFile(
                    f"{filename}: tệp PDF không có trang nào",
                    f"{filename}: the PDF has no pages",
                    code="broken_file",
                )
            raise _broken(filename)


def _check_image(data: bytes, filename: str) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise InvalidFile(
                    f"{filename}: ảnh quá lớn ({width} × {height} điểm ảnh, tối đa "
                    f"{MAX_IMAGE_PIXELS // 1_000_000} triệu điểm ảnh)",
                    f"{filename}: image too large ({width} × {height} pixels, at most "
                    f"{MAX_IMAGE_PIXELS // 1_000_000} million)",
                    code="image_too_large",
                )
            image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidFile(
            f"{filename}: ảnh quá lớn (hơn {MAX_IMAGE_PIXELS // 1_000_000} triệu điểm ảnh)",
            f"{filename}: image too large (more than "
            f"{MAX_IMAGE_PIXELS // 1_000_000} million pixels)",
            code="image_too_large",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _broken(filename) from None


def _broken(filename: str) -> InvalidFile:
    return InvalidFile(
        f"{filename}: tệp bị hỏng hoặc không đọc được",
        f"{filename}: the file is damaged or unreadable",
        code="broken_file",
    )
