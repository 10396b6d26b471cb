"""What an applicant may upload: PDF, JPEG or PNG, recognised by content, bounded in size.

The declared content type and file name are not trusted. A PDF must open (pikepdf); an image
must parse (Pillow, which checks the structure without decoding every pixel).
"""

import io
from dataclasses import dataclass

import pikepdf
from PIL import Image, UnidentifiedImageError

from dossiers.errors import InvalidFile

MAX_FILE_BYTES = 20 * 1024 * 1024
Image.MAX_IMAGE_PIXELS = 200_000_000  # a scan of A0 at 300 dpi fits; a decompression bomb not


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
        raise InvalidFile(f"{filename}: tệp rỗng", f"{filename}: the file is empty",
                          code="empty_file")
    if len(data) > max_bytes:
        mb = max_bytes // (1024 * 1024)
        raise InvalidFile(f"{filename}: tệp lớn hơn {mb} MB", f"{filename}: larger than {mb} MB",
                          code="file_too_large")
    kind = sniff(data)
    if kind is None:
        raise InvalidFile(f"{filename}: chỉ nhận tệp PDF, JPEG hoặc PNG",
                          f"{filename}: only PDF, JPEG or PNG files are accepted",
                          code="unsupported_type")
    try:
        if kind.extension == "pdf":
            # No reconstruction: a file qpdf has to rebuild (truncated, damaged xref) is not
            # the file the applicant meant to send; they are asked to send it again.
            with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
                if len(pdf.pages) == 0:
                    raise InvalidFile(f"{filename}: tệp PDF không có trang nào",
                                      f"{filename}: the PDF has no pages", code="broken_file")
        else:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
    except pikepdf.PasswordError:
        raise InvalidFile(f"{filename}: tệp PDF có mật khẩu, hãy gửi bản không khóa",
                          f"{filename}: the PDF is password-protected", code="encrypted") from None
    except (pikepdf.PdfError, UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        raise InvalidFile(f"{filename}: tệp bị hỏng hoặc không đọc được",
                          f"{filename}: the file is damaged or unreadable",
                          code="broken_file") from None
    return kind
