"""Small real files for tests, made on the fly (no binary fixtures in the repository)."""

import io

import pikepdf
from PIL import Image


def pdf(pages: int = 1, marker: str = "") -> bytes:
    """A valid A4 PDF; ``marker`` changes the bytes so two samples differ."""
    document = pikepdf.new()
    for _ in range(pages):
        document.add_blank_page(page_size=(595, 842))
    if marker:
        document.docinfo["/Title"] = marker
    out = io.BytesIO()
    document.save(out, deterministic_id=True)
    return out.getvalue()


def png(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def jpeg(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 30, 200)).save(out, format="JPEG")
    return out.getvalue()
