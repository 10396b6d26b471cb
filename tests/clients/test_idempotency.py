"""Two requests with one Idempotency-Key at the same moment: the second waits for the first's
key row and is refused (PostgreSQL) or sees it and replays (SQLite serialises writers); never
two dossiers."""

import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dossiers.actors import Actor
from dossiers.clients.on_behalf import ComponentInput, OnBehalfRequest, submit_on_behalf
from dossiers.clients.operations import client_actor, register_client
from dossiers.errors import Conflict
from dossiers.records import Dossier
from tests import factories as f
from tests import samples


def test_a_concurrent_twin_never_makes_a_second_dossier(
    committing: sessionmaker[Session], store: Any
) -> None:
    with committing() as db:
        centre = f.agency(db)
        code = f.procedure(db, centre).code
        client, _ = register_client(
            db, Actor.system(), name="Cổng", agency_code=None, scopes=["dossiers:submit-on-behalf"]
        )
        db.commit()
        actor = client_actor(client, client.scopes)
    request = OnBehalfRequest(
        procedure=code,
        channel="kiosk",
        id_type="cccd",
        id_number="079123456789",
        name="Nguyễn Thị Lan",
        components=[
            ComponentInput(1, [("don.pdf", samples.pdf())]),
            ComponentInput(2, state="paper"),
        ],
    )
    first = committing()
    dossier, replayed = submit_on_behalf(first, actor, store, request, idempotency_key="k")
    assert not replayed
    outcome: dict[str, Any] = {}

    def twin() -> None:  # blocks on the key (PostgreSQL) or the write lock (SQLite)
        with committing() as second:
            try:
                again, outcome["replayed"] = submit_on_behalf(
                    second, actor, store, request, idempotency_key="k"
                )
                outcome["id"] = again.id
                second.commit()
            except Conflict as error:
                outcome["error"] = error.code

    thread = threading.Thread(target=twin)
    thread.start()
    thread.join(timeout=1)  # let it reach the lock
    first.commit()
    first.close()
    thread.join(timeout=60)
    assert outcome in (
        {"error": "idempotency_in_progress"},
        {"replayed": True, "id": dossier.id},
    ), outcome
    with committing() as db:
        assert db.scalar(select(func.count()).select_from(Dossier)) == 1
