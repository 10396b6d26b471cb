"""Dossier codes: format, daily sequence per receiving unit, no gaps and no duplicates."""

import threading
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dossiers.codes import allocate_code, format_code, parse_code
from dossiers.errors import DomainError
from dossiers.intake import submit_dossier
from dossiers.records import Dossier
from tests import factories as f

THREADS, EACH = 8, 50


def test_code_has_the_tt01_2018_shape() -> None:
    assert format_code("000.17.22.H56", date(2021, 5, 31), 1) == "000.17.22.H56-210531-0001"
    assert parse_code("000.17.22.H56-210531-0001") == ("000.17.22.H56", date(2021, 5, 31), 1)
    assert parse_code("000.17.22.H56-210532-0001") is None
    assert parse_code("nonsense") is None


def test_the_day_is_the_day_in_vietnam(session: Session) -> None:
    # 23:30 UTC on 31/05 is already 01/06 in Hanoi.
    code = allocate_code(session, "000.00.01.H99", datetime(2021, 5, 31, 23, 30, tzinfo=UTC))
    assert code == "000.00.01.H99-210601-0001"


def test_each_unit_and_day_has_its_own_sequence(session: Session) -> None:
    day1 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    day2 = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    codes = [
        allocate_code(session, "000.00.01.H99", day1),
        allocate_code(session, "000.00.01.H99", day1),
        allocate_code(session, "000.00.02.H99", day1),
        allocate_code(session, "000.00.01.H99", day2),
    ]
    assert codes == [
        "000.00.01.H99-260302-0001",
        "000.00.01.H99-260302-0002",
        "000.00.02.H99-260302-0001",
        "000.00.01.H99-260303-0001",
    ]


def test_a_rolled_back_submission_leaves_no_gap(committing: sessionmaker[Session]) -> None:
    at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    with committing() as db:
        allocate_code(db, "000.00.09.H99", at)
        db.commit()
        allocate_code(db, "000.00.09.H99", at)
        db.rollback()
        assert allocate_code(db, "000.00.09.H99", at) == "000.00.09.H99-260302-0002"
        db.commit()


def test_concurrent_submissions_get_gap_free_unique_codes(
    committing: sessionmaker[Session],
) -> None:
    with committing() as db:
        centre = f.agency(db)
        version = f.procedure(db, centre)
        citizens = [f.user(db) for _ in range(THREADS)]
        drafts: list[list[int]] = []
        for citizen in citizens:
            ids = []
            for _ in range(EACH):
                dossier = f.on_paper(db, citizen, f.draft(db, citizen, version))
                ids.append(dossier.id)
            drafts.append(ids)
        actors = [c.actor() for c in citizens]
        db.commit()

    at = datetime.now(UTC)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def submit_all(i: int) -> None:
        start.wait()
        for dossier_id in drafts[i]:
            with committing() as db:
                try:
                    submit_dossier(db, actors[i], db.get(Dossier, dossier_id), at=at)
                    db.commit()
                except (DomainError, Exception) as error:  # noqa: BLE001 - reported below
                    errors.append(error)

    threads = [threading.Thread(target=submit_all, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with committing() as db:
        codes = db.scalars(select(Dossier.code).where(Dossier.code.is_not(None))).all()
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert numbers == list(range(1, THREADS * EACH + 1))
    assert len(set(codes)) == THREADS * EACH
