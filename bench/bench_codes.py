"""Cost of a gap-free dossier code, as a ratio to the same commit without one.

For each database: N transactions that each insert one counter-free row and commit (the
baseline), then N transactions that each allocate a code through the counter upsert, insert
the same row and commit. Printed: ms per transaction and the ratio. Absolute times on these
shared machines mean little; the ratio is what to watch.
"""

import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from dossiers.codes import allocate_code  # noqa: E402
from dossiers.db import make_engine, make_sessionmaker  # noqa: E402
from dossiers.outbox import OutboxMessage  # noqa: E402
from motcua import migrate  # noqa: E402

N = int(os.environ.get("BENCH_N", "300"))
PG = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/motcua_test")


def _postgres() -> str:
    url = make_url(PG).set(database="motcua_bench")
    admin = create_engine(make_url(PG).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "motcua_bench" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "motcua_bench"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def measure(url: str) -> tuple[float, float]:
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    at = datetime.now(UTC)

    def run(with_code: bool) -> float:
        start = time.perf_counter()
        for i in range(N):
            with factory() as session:
                if with_code:
                    allocate_code(session, "000.00.01.H99", at)
                session.add(OutboxMessage(job="bench", payload={"i": i}))
                session.commit()
        return (time.perf_counter() - start) * 1000 / N

    run(False)  # warm-up
    baseline, coded = run(False), run(True)
    engine.dispose()
    return baseline, coded


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, url in (("sqlite", f"sqlite:///{tmp}/bench.sqlite"), ("postgresql", _postgres())):
            baseline, coded = measure(url)
            print(
                f"dossier code, {name}: {coded:.2f} ms/tx with code vs {baseline:.2f} ms/tx "
                f"without: ratio {coded / baseline:.2f}"
            )


if __name__ == "__main__":
    main()
