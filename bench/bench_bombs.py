"""How long the upload check takes to refuse each bomb, as a ratio to an ordinary scan.

The baseline, measured in the same run, is ``check_pdf`` (the upload check: forked child with
limits) on a one-page 200-dpi A4 scan. Each bomb (tests/bombs.py) goes through the same
``check_pdf``; printed: its size, the best time of several runs in ms, the ratio to the
baseline, the peak memory of the checking child (VmHWM, which the child resets when it starts,
so it is the child's own), and the reason given. Absolute times on these shared machines mean
little; the ratios and the memory are what to watch (the goal: any upload well under 2 s and
256 MiB). Before issue 12 the q/Q bomb alone took 9 s and 786 MB here.
"""

import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dossiers.pdf import scan_check  # noqa: E402
from dossiers.pdf.scan_check import MAX_PAGES  # noqa: E402
from tests import bombs  # noqa: E402
from tests.dossiers.test_scan_check import A4, scan  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def best_ms(data: bytes) -> tuple[float, str]:
    times, reason = [], ""
    for _ in range(RUNS):
        scan_check.check_pdf.cache_clear()
        start = time.perf_counter()
        report = scan_check.check_pdf(data)
        times.append(time.perf_counter() - start)
        reason = report.problems[0].message if report.problems else "ĐẠT"
    return min(times) * 1000, reason


def main() -> None:
    cases: list[tuple[str, Callable[[], bytes]]] = [
        ("q Q operators (the reported one)", bombs.operator_bomb),
        ("100 000 q, then Q", bombs.nesting_bomb),
        ("64 MB of content", bombs.content_size_bomb),
        ("deflate in deflate, 1 GB", lambda: bombs.nested_filter_bomb(1024)),
        ("10⁶ × 10⁶ image", bombs.huge_image_pdf),
        (f"{MAX_PAGES + 1} pages", lambda: bombs.many_pages(MAX_PAGES + 1)),
        ("100 000 pages", bombs.many_pages),
        ("forms 10 × 12 deep", bombs.nested_forms),
        ("object stream, 1 GB", lambda: bombs.object_stream_bomb(1024)),
        ("5 million objects", bombs.container_bomb),
    ]
    baseline, _ = best_ms(scan((A4, 200)))
    print(f"baseline: one-page A4 scan at 200 dpi: {baseline:.1f} ms (best of {RUNS})")
    for name, make in cases:
        data = make()
        ms, reason = best_ms(data)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"{name:34} {len(data) / 1024:8.1f} KB {ms:8.1f} ms  ratio {ms / baseline:6.1f}  "
            f"children's peak so far {peak:5.0f} MB  {reason}"
        )


if __name__ == "__main__":
    main()
