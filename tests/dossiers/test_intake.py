"""Counter intake: a paper dossier gets its code, receipt time and promised date."""

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.calendar import VN_TZ
from dossiers.calendar_store import set_override
from dossiers.errors import Forbidden, InvalidInput
from dossiers.intake import Applicant, create_draft, mark_component, receive_at_counter
from dossiers.lifecycle import Role, Status
from dossiers.records import Channel, ComponentState
from tests import factories as f


def _counter_draft(session: Session, clerk_agency=None):  # type: ignore[no-untyped-def]
    centre = clerk_agency or f.agency(session)
    version = f.procedure(session, centre)
    clerk = f.user(session, Role.RECEPTION, centre)
    dossier = create_draft(
        session,
        clerk.actor(),
        version.code,
        Applicant(name="Lê Văn Cường", id_number="082088009876"),
        channel=Channel.COUNTER,
    )
    return centre, clerk, dossier


def test_counter_receipt_sets_code_and_promised_date_over_tet(session: Session) -> None:
    centre, clerk, dossier = _counter_draft(session)
    first, drawings, proxy = dossier.components
    mark_component(session, clerk.actor(), dossier, first.id, ComponentState.PAPER)
    mark_component(
        session,
        clerk.actor(),
        dossier,
        drawings.id,
        ComponentState.NOT_DIGITIZABLE,
        note="Bản vẽ khổ A0",
    )
    received = datetime(2026, 2, 13, 9, 0, tzinfo=VN_TZ)
    receive_at_counter(session, clerk.actor(), dossier, at=received)
    assert dossier.status == Status.RECEIVED
    assert dossier.national_status == 2
    assert dossier.code == f"{centre.code}-260213-0001"
    assert dossier.applicant_user_id is None
    assert dossier.channel == Channel.COUNTER
    assert dossier.due_at.astimezone(VN_TZ) == datetime(2026, 2, 27, 17, 0, tzinfo=VN_TZ)
    assert len(dossier.lookup_code) == 4


def test_an_override_moves_the_promised_date(session: Session) -> None:
    centre, clerk, dossier = _counter_draft(session)
    set_override(session, Actor.system(), datetime(2026, 3, 10).date(), False, "Nghỉ đột xuất")
    for component in dossier.components[:2]:
        mark_component(session, clerk.actor(), dossier, component.id, ComponentState.PAPER)
    receive_at_counter(
        session, clerk.actor(), dossier, at=datetime(2026, 3, 5, 10, 0, tzinfo=VN_TZ)
    )  # Thursday
    # Fri 6, Mon 9, (Tue 10 off), Wed 11, Thu 12, Fri 13.
    assert dossier.due_at.astimezone(VN_TZ).date() == datetime(2026, 3, 13).date()


def test_not_digitizable_needs_a_note(session: Session) -> None:
    _, clerk, dossier = _counter_draft(session)
    with pytest.raises(InvalidInput) as error:
        mark_component(
            session,
            clerk.actor(),
            dossier,
            dossier.components[1].id,
            ComponentState.NOT_DIGITIZABLE,
        )
    assert error.value.code == "note_required"


def test_required_components_must_be_handled_before_receipt(session: Session) -> None:
    _, clerk, dossier = _counter_draft(session)
    with pytest.raises(InvalidInput, match="Đơn đề nghị cấp giấy phép xây dựng"):
        receive_at_counter(session, clerk.actor(), dossier)
    assert dossier.code is None
    assert dossier.status == Status.DRAFT


def test_a_clerk_of_another_agency_cannot_receive(session: Session) -> None:
    _, clerk, dossier = _counter_draft(session)
    for component in dossier.components[:2]:
        mark_component(session, clerk.actor(), dossier, component.id, ComponentState.PAPER)
    stranger = f.user(session, Role.RECEPTION, f.agency(session))
    with pytest.raises(Forbidden):
        receive_at_counter(session, stranger.actor(), dossier)
    assert dossier.code is None
