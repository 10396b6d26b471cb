"""A client's token acts as the client: its scopes are checked by the use cases, and ``desk:*``
makes it a reception desk of its own agency only."""

from typing import Any

import pytest
from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.clients.operations import actor_for_token, new_token, register_client, save_token
from dossiers.errors import Forbidden, Unauthenticated
from dossiers.intake import attach_file, mark_component, submit_dossier
from dossiers.lifecycle import Status
from dossiers.records import ComponentState
from dossiers.review import accept_dossier
from tests import factories as f
from tests import samples


def _submitted(session: Session, store: Any, centre: Any) -> Any:
    citizen = f.user(session)
    dossier = f.draft(session, citizen, f.procedure(session, centre))
    first, drawings, _ = dossier.components
    attach_file(
        session,
        citizen.actor(),
        store,
        dossier,
        first.id,
        filename="don.pdf",
        content_type="application/pdf",
        data=samples.pdf(),
    )
    mark_component(session, citizen.actor(), dossier, drawings.id, ComponentState.PAPER)
    return submit_dossier(session, citizen.actor(), dossier)


def _token_actor(session: Session, agency: Any, *scopes: str) -> Actor:
    client, _ = register_client(
        session, Actor.system(), name="Ki-ốt", agency_code=agency.code, scopes=list(scopes)
    )
    token = new_token()
    save_token(session, client, token, list(scopes), 900)
    actor = actor_for_token(session, token)
    assert actor is not None
    assert actor.client_id == client.id
    return actor


def test_desk_scope_accepts_at_its_own_agency_only(session: Session, store: Any) -> None:
    centre, elsewhere = f.agency(session), f.agency(session)
    here, there = _submitted(session, store, centre), _submitted(session, store, elsewhere)
    desk = _token_actor(session, centre, "desk:*")
    accept_dossier(session, desk, here)
    assert here.status == Status.RECEIVED
    with pytest.raises(Forbidden):
        accept_dossier(session, desk, there)
    reader = _token_actor(session, centre, "dossiers:read")
    with pytest.raises(Forbidden):
        accept_dossier(session, reader, there)


def test_scope_families_and_anonymous_callers() -> None:
    desk = Actor(user_id=None, login="client:x", client_id=1, scopes=frozenset({"desk:*"}))
    desk.require_scope("desk:accept")  # desk:* covers the desk's actions
    with pytest.raises(Forbidden):
        desk.require_scope("dossiers:read")
    with pytest.raises(Unauthenticated):
        Actor(user_id=None, login="anonymous").require_scope("dossiers:read")
    with pytest.raises(Forbidden):
        Actor(user_id=7, login="alice").require_scope("dossiers:read")
