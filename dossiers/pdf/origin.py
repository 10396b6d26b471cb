"""Whether an uploaded PDF is a scan or was born digital (Phụ lục I.2 judges scans only).

A PDF that carries a signature, or whose pages carry text and no images, was made by software:
it is an electronic original, whose worth is its signature (Đ9.2.b), not a digitization to be
measured in dpi and colour. A scan with an OCR text layer still has its page images, so it is
still judged as a scan. The caller decides what to do with the answer (dossiers/intake.py).
"""

import io
import shutil
import subprocess  # noqa: S404 — pdftotext (poppler) tells whether the pages carry text
from typing import Any

import pikepdf

from dossiers.verification import looks_signed

# Enough to tell a text page from an empty or drawn one; bounded so a hostile file cannot
# hold the upload (the scan check that follows has its own limits).
TEXT_PAGES = 3
MIN_TEXT_CHARS = 20
TEXT_TIMEOUT_S = 2.0
MAX_PAGES = 2000


def born_digital(data: bytes) -> bool:
    """A signed PDF, or one with text on its first pages and no image on any page."""
    if looks_signed(data):
        return True
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES or any(_has_image(page.obj) for page in pdf.pages):
                return False
    except Exception:  # noqa: BLE001 — unreadable: the scan check gives the reason
        return False
    return _has_text(data)


def _has_image(node: pikepdf.Object, depth: int = 0) -> bool:
    """An image XObject in the page's resources, or in a form XObject it draws (two levels)."""
    try:
        resources: Any = node.get("/Resources")
        xobjects: Any = resources.get("/XObject") if resources is not None else None
        for item in xobjects.values() if xobjects is not None else ():
            if item.get("/Subtype") == "/Image":
                return True
            if item.get("/Subtype") == "/Form" and depth < 2 and _has_image(item, depth + 1):
                return True
    except (AttributeError, TypeError, ValueError, pikepdf.PdfError):
        return True  # a structure we cannot walk: leave the verdict to the scan check
    return False


def _has_text(data: bytes) -> bool:
    tool = shutil.which("pdftotext")
    if tool is None:
        return False
    try:
        out = subprocess.run(  # noqa: S603
            [tool, "-l", str(TEXT_PAGES), "-enc", "UTF-8", "-", "-"],
            input=data,
            capture_output=True,
            timeout=TEXT_TIMEOUT_S,
            check=False,
        ).stdout
    except subprocess.TimeoutExpired:
        return False
    return len("".join(out.decode("utf-8", "replace").split())) >= MIN_TEXT_CHARS
