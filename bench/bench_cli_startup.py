"""Start-up of the ``motcua`` command, as whole processes against baselines in the same run.

- ``motcua scan-check`` on a one-page 200-dpi A4 scan (img2pdf, as bench_scan_check.py makes
  it) against poppler's ``pdfimages -list`` on the same file: both read the page tree and the
  content stream once, so the difference is what our process start costs. Goal: ratio <= 4.
- ``motcua --help`` against ``python -c pass`` (the interpreter's own start). Goal: <= 0.3 s.

Also printed, for scale: ``python -c "import pikepdf"``, the least any Python process that
reads PDFs pays, against the same pdfimages run.

The venv's ``motcua`` script is run, as a user or a script runs it. Printed: the best of
several runs in ms and the ratios. Absolute times on these shared machines mean little.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("BENCH_PAGES", "1")
from bench.bench_scan_check import make_scan  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
MOTCUA = Path(sys.executable).parent / "motcua"


def best_ms(command: Sequence[str], env: dict[str, str], expect: int = 0) -> float:
    times = []
    for _ in range(RUNS + 1):  # the first run warms the page cache
        start = time.perf_counter()
        done = subprocess.run(  # noqa: S603
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        times.append(time.perf_counter() - start)
        if done.returncode != expect:
            sys.exit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()}")
    return min(times[1:]) * 1000


def main() -> None:
    pdfimages = shutil.which("pdfimages")
    if pdfimages is None:
        sys.exit("pdfimages (poppler-utils) is needed for the baseline")
    if not MOTCUA.exists():
        sys.exit(f"{MOTCUA} is missing: run `make install`")
    with tempfile.TemporaryDirectory() as tmp:
        scan = Path(tmp) / "scan.pdf"
        scan.write_bytes(make_scan())
        env = {**os.environ, "MOTCUA_INSTANCE": str(Path(tmp) / "instance")}
        poppler = best_ms([pdfimages, "-list", str(scan)], env)
        check = best_ms([str(MOTCUA), "scan-check", str(scan)], env)
        bare = best_ms([sys.executable, "-c", "pass"], env)
        floor = best_ms([sys.executable, "-c", "import pikepdf"], env)
        helped = best_ms([str(MOTCUA), "--help"], env)
    print(
        f"motcua scan-check (1 page): {check:7.1f} ms vs pdfimages -list {poppler:5.1f} ms: "
        f"ratio {check / poppler:.1f}x (goal <= 4x)"
    )
    print(
        f"python -c 'import pikepdf':  {floor:7.1f} ms: ratio {floor / poppler:.1f}x "
        "(the floor for a Python process reading PDFs)"
    )
    print(
        f"motcua --help:              {helped:7.1f} ms (goal <= 300 ms) vs python -c pass "
        f"{bare:5.1f} ms: ratio {helped / bare:.1f}x  (best of {RUNS})"
    )


if __name__ == "__main__":
    main()
