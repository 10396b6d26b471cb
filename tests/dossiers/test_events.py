"""apply(): the only way a status changes, on a real database (SQLite and PostgreSQL)."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dossiers.actors import Actor
from dossiers.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from dossiers.events import Event, apply, history
from dossiers.intake import submit_dossier
from dossiers.lifecycle import Kind, Role, Status, replay
from dossiers.outbox import OutboxMessage
from dossiers.records import Dossier
from tests import factories as f


@pytest.fixture
def world(session: Session) -> dict:
    centre = f.agency(session, name="Trung tâm Phục vụ hành chính công")
    other = f.agency(session, name="UBND xã khác")
    version = f.procedure(session, centre)
    citizen = f.user(session)
    dossier = f.on_paper(session, citizen, f.draft(session, citizen, version))
    return {
        "centre": centre,
        "other": other,
        "version": version,
        "citizen": citizen,
        "dossier": dossier,
        "clerk": f.user(session, Role.RECEPTION, centre),
        "stranger_clerk": f.user(session, Role.RECEPTION, other),
    }


def test_submitting_appends_an_event_and_caches_the_status(session: Session, world: dict) -> None:
    dossier = submit_dossier(session, world["citizen"].actor(), world["dossier"])
    log = history(session, dossier)
    assert [e.kind for e in log] == [Kind.CREATED, Kind.SUBMITTED]
    assert [e.seq for e in log] == [1, 2]
    assert dossier.status == Status.SUBMITTED
    assert dossier.national_status == 1
    assert log[-1].actor_name == world["citizen"].full_name


def test_refused_dossier_cannot_be_accepted(session: Session, world: dict) -> None:
    clerk = world["clerk"].actor()
    dossier = submit_dossier(session, world["citizen"].actor(), world["dossier"])
    apply(session, dossier, Kind.REFUSED, clerk, reason="Hồ sơ không hợp lệ")
    with pytest.raises(IllegalTransition) as error:
        apply(session, dossier, Kind.ACCEPTED, clerk)
    assert "Không thể «Tiếp nhận hồ sơ»" in error.value.message
    assert dossier.status == Status.REFUSED
    assert len(history(session, dossier)) == 3


def test_refusal_needs_a_reason(session: Session, world: dict) -> None:
    dossier = submit_dossier(session, world["citizen"].actor(), world["dossier"])
    with pytest.raises(InvalidInput) as error:
        apply(session, dossier, Kind.REFUSED, world["clerk"].actor(), reason="  ")
    assert error.value.code == "reason_required"
    assert dossier.status == Status.SUBMITTED


def test_a_clerk_of_another_agency_cannot_accept(session: Session, world: dict) -> None:
    dossier = submit_dossier(session, world["citizen"].actor(), world["dossier"])
    with pytest.raises(Forbidden):
        apply(session, dossier, Kind.ACCEPTED, world["stranger_clerk"].actor())
    assert dossier.status == Status.SUBMITTED


def test_another_citizen_cannot_submit_someone_elses_dossier(session: Session, world: dict) -> None:
    intruder = f.user(session)
    with pytest.raises(NotFound):  # someone else's dossier does not exist for them
        submit_dossier(session, intruder.actor(), world["dossier"])
    assert world["dossier"].status == Status.DRAFT
    assert world["dossier"].code is None


def test_the_applicant_cannot_accept_their_own_dossier(session: Session, world: dict) -> None:
    dossier = submit_dossier(session, world["citizen"].actor(), world["dossier"])
    with pytest.raises(Forbidden):
        apply(session, dossier, Kind.ACCEPTED, world["citizen"].actor())


def test_cached_status_equals_the_replayed_log(session: Session, world: dict) -> None:
    clerk = world["clerk"].actor()
    dossier = submit_dossier(session, world["citizen"].actor(), world["dossier"])
    apply(session, dossier, Kind.SUPPLEMENT_REQUESTED, clerk, reason="Thiếu bản vẽ")
    apply(session, dossier, Kind.RESUBMITTED, world["citizen"].actor())
    apply(session, dossier, Kind.REFUSED, clerk, reason="Không đủ điều kiện")
    apply(session, dossier, Kind.CLOSED, clerk)
    kinds = [Kind(e.kind) for e in history(session, dossier)]
    status, national = replay(kinds)
    assert (dossier.status, dossier.national_status) == (status, national) == (Status.CLOSED, 3)


def test_citizen_is_notified_through_the_outbox(session: Session, world: dict) -> None:
    dossier = submit_dossier(session, world["citizen"].actor(), world["dossier"])
    apply(session, dossier, Kind.REFUSED, world["clerk"].actor(), reason="Sai thủ tục")
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.job == "notify")).all()
    subjects = [r.payload["subject"] for r in rows]
    assert any("Từ chối tiếp nhận" in s for s in subjects)
    assert all(r.payload["user_id"] == world["citizen"].id for r in rows)
    assert "Sai thủ tục" in rows[-1].payload["body"]


def test_system_actor_may_act_without_a_role(session: Session, world: dict) -> None:
    dossier = submit_dossier(session, world["citizen"].actor(), world["dossier"])
    event = apply(session, dossier, Kind.ACCEPTED, Actor.system())
    assert event.actor_name == "Hệ thống"


def test_two_clerks_accepting_at_once_one_wins(committing: sessionmaker[Session]) -> None:
    with committing() as db:
        centre = f.agency(db)
        version = f.procedure(db, centre)
        citizen, clerks = f.user(db), [f.user(db, Role.RECEPTION, centre) for _ in range(2)]
        dossier = f.on_paper(db, citizen, f.draft(db, citizen, version))
        submit_dossier(db, citizen.actor(), dossier)
        db.commit()
        dossier_id, actors = dossier.id, [c.actor() for c in clerks]

    # Both clerks open the dossier (two requests, two short read transactions): each holds
    # the same revision in memory when they press "accept".
    sessions = [committing() for _ in actors]
    loaded = []
    for s in sessions:
        loaded.append(s.get(Dossier, dossier_id))
        s.commit()
    outcomes = []
    for s, dossier_, actor in zip(sessions, loaded, actors, strict=True):
        try:
            apply(s, dossier_, Kind.ACCEPTED, actor)
            s.commit()
            outcomes.append("ok")
        except Conflict as error:
            s.rollback()
            outcomes.append(error.message)
        finally:
            s.close()
    assert outcomes[0] == "ok"
    assert "vừa được người khác cập nhật" in outcomes[1]
    with committing() as db:
        kinds = db.scalars(select(Event.kind).where(Event.dossier_id == dossier_id)).all()
        assert list(kinds).count(Kind.ACCEPTED) == 1
