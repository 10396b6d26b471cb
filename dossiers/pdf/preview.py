"""Pages of a PDF as PNG images, for a leader to read what they are about to sign.

poppler's pdftoppm draws one page at a time, scaled so its longer side is at most
``MAX_SIDE_PX`` pixels, in a child process with a time, CPU and memory limit: an officer's
draft is a file someone supplied, and drawing it must not hold a web worker.
"""

import io
import resource
import shutil
import subprocess  # noqa: S404 — pdftoppm (poppler) draws the pages
import tempfile
from pathlib import Path

import pikepdf

from dossiers.errors import InvalidFile

MAX_PAGES = 40  # a result longer than this is previewed in part, and says so
MAX_SIDE_PX = 1400
TIMEOUT_S = 20
_MEMORY = 512 * 1024 * 1024


def page_count(pdf: bytes) -> int:
    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            return len(doc.pages)
    except pikepdf.PdfError as error:
        raise InvalidFile(
            f"Không đọc được tệp PDF: {error}",
            f"Cannot read the PDF: {error}",
            code="unreadable_pdf",
        ) from None


def _limits() -> None:  # in the child, before pdftoppm starts
    resource.setrlimit(resource.RLIMIT_CPU, (TIMEOUT_S, TIMEOUT_S))
    resource.setrlimit(resource.RLIMIT_AS, (_MEMORY, _MEMORY))


def render_page(pdf: bytes, page: int, *, side_px: int = MAX_SIDE_PX) -> bytes:
    """Page ``page`` (1-based) as PNG bytes."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise InvalidFile(
            "Thiếu công cụ pdftoppm (poppler-utils) để xem trước văn bản",
            "pdftoppm (poppler-utils) is needed for the preview",
            code="no_preview_tool",
        )
    if not 1 <= page <= min(page_count(pdf), MAX_PAGES):
        raise InvalidFile("Không có trang này", "No such page", code="no_such_page")
    with tempfile.TemporaryDirectory(prefix="motcua-preview-") as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        try:
            done = subprocess.run(  # noqa: S603 — our own arguments, the file in our folder
                [
                    tool,
                    "-png",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-singlefile",
                    "-scale-to",
                    str(side_px),
                    str(source),
                    str(Path(folder) / "out"),
                ],
                capture_output=True,
                timeout=TIMEOUT_S,
                check=False,
                preexec_fn=_limits,
            )  # noqa: PLW1509
        except subprocess.TimeoutExpired:
            done = None
        out = Path(folder) / "out.png"
        if done is None or done.returncode != 0 or not out.exists():
            raise InvalidFile(
                "Không vẽ được trang này để xem trước",
                "This page could not be drawn for the preview",
                code="preview_failed",
            )
        return out.read_bytes()
