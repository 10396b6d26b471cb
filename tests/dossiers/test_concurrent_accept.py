"""Two clerks accepting the same dossier at once: one accept, every other attempt a 409.

Twenty threads, each with its own connection, all read the dossier, wait for each other and
accept together, on SQLite and PostgreSQL; a 500 here was seen once in twenty at the desk.
"""

import threading

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dossiers.errors import DomainError
from dossiers.events import Event
from dossiers.intake import mark_component, submit_dossier
from dossiers.lifecycle import Kind, Role, Status
from dossiers.records import ComponentState, Dossier
from dossiers.review import accept_dossier
from tests import factories as f

THREADS = 20


def test_simultaneous_accepts_by_two_clerks_give_one_accept_and_the_rest_409(
    committing: sessionmaker[Session],
) -> None:
    with committing() as db:
        centre = f.agency(db)
        version = f.procedure(db, centre)
        citizen = f.user(db)
        dossier = f.draft(db, citizen, version)
        for component in dossier.components:
            mark_component(db, citizen.actor(), dossier, component.id, ComponentState.PAPER)
        submit_dossier(db, citizen.actor(), dossier)
        clerks = [f.user(db, Role.RECEPTION, centre).actor() for _ in range(2)]
        dossier_id = dossier.id
        db.commit()

    outcomes: list[object] = []
    together = threading.Barrier(THREADS)

    def accept(i: int) -> None:
        together.wait(timeout=60)  # then all read and write at once (SQLite queues the writers)
        with committing() as db:
            record = db.get(Dossier, dossier_id)
            assert record is not None
            try:
                accept_dossier(db, clerks[i % 2], record)
                db.commit()
                outcomes.append(200)
            except DomainError as error:
                db.rollback()
                outcomes.append(error.status)
            except Exception as error:  # noqa: BLE001 - a 500 at the desk; reported below
                db.rollback()
                outcomes.append(repr(error)[:300])

    threads = [threading.Thread(target=accept, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes, key=str) == [200] + [409] * (THREADS - 1), outcomes
    with committing() as db:
        record = db.get(Dossier, dossier_id)
        assert record is not None
        assert record.status == Status.RECEIVED
        kinds = db.scalars(select(Event.kind).where(Event.dossier_id == dossier_id)).all()
        assert list(kinds).count(Kind.ACCEPTED) == 1
