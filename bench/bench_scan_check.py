"""Scan check against poppler's ``pdfimages -list`` on the same 50-page scan, in the same run.

The file is a 200-dpi A4 colour scan made with img2pdf (one JPEG reused on every page). Both
sides read the page tree and content streams without decoding an image; pdfimages pays for a
process start, the check for opening the bytes in pikepdf. Printed: ms per page for each, best
of several runs, and the ratio (below 1: the check is the faster). Absolute times on these
shared machines mean little; the ratio is what to watch.
"""

import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import img2pdf  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from dossiers.pdf.scan_check import judge_pdf as check_pdf  # noqa: E402 (in process: no cache)

PAGES = int(os.environ.get("BENCH_PAGES", "50"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
DPI = 200


def make_scan() -> bytes:
    size = (round(210 / 25.4 * DPI), round(297 / 25.4 * DPI))
    page = Image.new("RGB", size, (250, 248, 240))
    draw = ImageDraw.Draw(page)
    for y in range(200, size[1] - 200, 40):
        draw.line((150, y, size[0] - 150, y), fill=(30, 30, 90), width=3)
    jpeg = io.BytesIO()
    page.save(jpeg, "JPEG", quality=75, dpi=(DPI, DPI))
    data = img2pdf.convert(
        [jpeg.getvalue()] * PAGES, layout_fun=img2pdf.get_fixed_dpi_layout_fun((DPI, DPI))
    )
    return b"%PDF-1.4" + data[len(b"%PDF-1.3") :]  # img2pdf writes 1.3; same length, same xref


def best_ms_per_page(work: Callable[[], object]) -> float:
    work()  # warm-up
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times) * 1000 / PAGES


def main() -> None:
    pdfimages = shutil.which("pdfimages")
    if pdfimages is None:
        sys.exit("pdfimages (poppler-utils) is needed for the baseline")
    data = make_scan()
    report = check_pdf(data)
    if not report.compliant or len(report.pages) != PAGES:
        sys.exit(f"the generated scan should pass: {report.problems[:3]}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scan.pdf"
        path.write_bytes(data)

        def listing() -> None:
            subprocess.run(  # noqa: S603
                [pdfimages, "-list", str(path)],
                check=True,
                stdout=subprocess.DEVNULL,
            )

        poppler = best_ms_per_page(listing)
        ours = best_ms_per_page(lambda: check_pdf(data))
    print(
        f"scan check: {ours:.3f} ms/page vs pdfimages -list: {poppler:.3f} ms/page: "
        f"ratio {ours / poppler:.2f} ({PAGES} pages of A4 at {DPI} dpi, best of {RUNS})"
    )


if __name__ == "__main__":
    main()
