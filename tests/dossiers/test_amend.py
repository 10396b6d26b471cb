"""Supplement requests, amendment and resubmission, withdrawal, lookup (NĐ 45 Art. 11–12)."""

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.agencies import close_agency
from dossiers.calendar import VN_TZ
from dossiers.catalogue import import_catalogue
from dossiers.errors import IllegalTransition, InvalidInput, NotFound
from dossiers.events import can_view, history
from dossiers.files import FileStore
from dossiers.intake import (
    attach_file,
    create_draft,
    lookup,
    mark_component,
    receive_at_counter,
    submit_dossier,
    withdraw_dossier,
)
from dossiers.lifecycle import Kind, Role, Status
from dossiers.processing import forward
from dossiers.records import ComponentState, DossierFile
from dossiers.review import accept_dossier, refuse_dossier, request_supplement
from tests import factories as f
from tests import samples


@pytest.fixture
def world(session: Session, store: FileStore) -> dict:
    centre = f.agency(session)
    version = f.procedure(session, centre)
    citizen = f.user(session, id_number="079095001234")
    clerk = f.user(session, Role.RECEPTION, centre)
    dossier = f.draft(session, citizen, version, id_number="079095001234")
    first, drawings, _ = dossier.components
    attach_file(
        session,
        citizen.actor(),
        store,
        dossier,
        first.id,
        filename="don.pdf",
        content_type="application/pdf",
        data=samples.pdf(marker="v1"),
    )
    mark_component(session, citizen.actor(), dossier, drawings.id, ComponentState.PAPER)
    return {
        "centre": centre,
        "citizen": citizen,
        "clerk": clerk,
        "dossier": dossier,
        "version": version,
    }


def test_supplement_amend_and_resubmit_keeps_both_versions(
    session: Session, store: FileStore, world: dict
) -> None:
    citizen, clerk, dossier = world["citizen"].actor(), world["clerk"].actor(), world["dossier"]
    submit_dossier(session, citizen, dossier)
    first = dossier.components[0]
    request_supplement(session, clerk, dossier, {first.id: "Đơn thiếu chữ ký"})
    assert dossier.status == Status.INCOMPLETE
    assert dossier.national_status == 5
    event = history(session, dossier)[-1]
    assert event.payload["components"] == {str(first.id): "Đơn thiếu chữ ký"}
    old = first.current_files[0]
    attach_file(
        session,
        citizen,
        store,
        dossier,
        first.id,
        filename="don-ky.pdf",
        content_type="application/pdf",
        data=samples.pdf(marker="v2"),
        replace=True,
    )
    submit_dossier(session, citizen, dossier)  # the applicant's one verb resubmits
    assert dossier.status == Status.SUBMITTED
    assert [e.kind for e in history(session, dossier)][-2:] == [
        Kind.SUPPLEMENT_REQUESTED,
        Kind.RESUBMITTED,
    ]
    files = session.scalars(select(DossierFile).where(DossierFile.component_id == first.id)).all()
    assert {x.filename for x in files} == {"don.pdf", "don-ky.pdf"}
    assert old.replaced_at is not None
    assert first.current_files[0].filename == "don-ky.pdf"
    code_before = dossier.code
    accept_dossier(session, clerk, dossier, at=datetime(2026, 2, 13, 9, 0, tzinfo=VN_TZ))
    assert dossier.code == code_before  # one dossier, one code through its amendments
    assert dossier.due_at.astimezone(VN_TZ) == datetime(2026, 2, 27, 17, 0, tzinfo=VN_TZ)


def test_a_supplement_during_processing_resumes_processing(session: Session, world: dict) -> None:
    citizen, clerk, dossier = world["citizen"].actor(), world["clerk"].actor(), world["dossier"]
    officer = f.user(session, Role.OFFICER, world["centre"]).actor()
    submit_dossier(session, citizen, dossier)
    accept_dossier(session, clerk, dossier)
    forward(session, clerk, dossier, to_user_id=officer.user_id)
    request_supplement(session, officer, dossier, {}, note="Bổ sung bản đồ vị trí")
    assert dossier.status == Status.AWAITING_SUPPLEMENT
    submit_dossier(session, citizen, dossier)
    assert dossier.status == Status.IN_PROGRESS
    assert history(session, dossier)[-1].kind == Kind.SUPPLEMENTED


def test_a_supplement_request_needs_a_reason(session: Session, world: dict) -> None:
    submit_dossier(session, world["citizen"].actor(), world["dossier"])
    with pytest.raises(InvalidInput):
        request_supplement(session, world["clerk"].actor(), world["dossier"], {}, note=" ")


def test_withdrawal_needs_a_reason_and_only_while_allowed(session: Session, world: dict) -> None:
    citizen, dossier = world["citizen"].actor(), world["dossier"]
    submit_dossier(session, citizen, dossier)
    with pytest.raises(InvalidInput):
        withdraw_dossier(session, citizen, dossier, "")
    withdraw_dossier(session, citizen, dossier, "Nộp nhầm thủ tục")
    assert (dossier.status, dossier.national_status) == (Status.WITHDRAWN, 7)
    with pytest.raises(IllegalTransition):
        withdraw_dossier(session, citizen, dossier, "lần nữa")


def test_a_refused_dossier_cannot_be_amended(
    session: Session, store: FileStore, world: dict
) -> None:
    citizen, dossier = world["citizen"].actor(), world["dossier"]
    submit_dossier(session, citizen, dossier)
    refuse_dossier(session, world["clerk"].actor(), dossier, "Không thuộc thẩm quyền")
    with pytest.raises(InvalidInput) as error:
        attach_file(
            session,
            citizen,
            store,
            dossier,
            dossier.components[0].id,
            filename="x.pdf",
            content_type="application/pdf",
            data=samples.pdf(marker="x"),
        )
    assert error.value.code == "not_editable"


def test_lookup_by_last_four_digits_or_lookup_code(session: Session, world: dict) -> None:
    dossier = submit_dossier(session, world["citizen"].actor(), world["dossier"])
    assert lookup(session, dossier.code, "1234") is dossier
    assert lookup(session, dossier.code.lower(), dossier.lookup_code.lower()) is dossier
    assert lookup(session, dossier.code, "9999") is None
    assert lookup(session, "000.00.00.X00-260101-0001", "1234") is None
    assert lookup(session, dossier.code, "") is None


def test_staff_cannot_see_an_applicants_unsubmitted_draft(session: Session, world: dict) -> None:
    clerk, supervisor = world["clerk"].actor(), f.user(session, Role.SUPERVISOR).actor()
    dossier = world["dossier"]
    assert not can_view(clerk, dossier)
    assert not can_view(supervisor, dossier)
    submit_dossier(session, world["citizen"].actor(), dossier)
    assert can_view(clerk, dossier)
    assert can_view(supervisor, dossier)


def test_the_desk_cannot_receive_an_online_draft(session: Session, world: dict) -> None:
    with pytest.raises(InvalidInput) as error:
        receive_at_counter(session, world["clerk"].actor(), world["dossier"])
    assert error.value.code == "online_dossier"
    assert world["dossier"].code is None


def test_the_version_in_force_at_receipt_applies(session: Session, world: dict) -> None:
    citizen, dossier, version = world["citizen"].actor(), world["dossier"], world["version"]
    entry = f.procedure_entry(
        version.code,
        world["centre"],
        valid_from="2026-03-01",
        time_limit={"value": 15, "unit": "calendar_days"},
        components=[
            {
                "name": "Đơn đề nghị cấp giấy phép xây dựng",
                "requirement": "required",
                "originals": 1,
            },
            {"name": "Bản cam kết an toàn", "requirement": "required", "originals": 1},
        ],
    )
    import_catalogue(session, Actor.system(), {"procedures": [entry]}, today=date(2026, 1, 1))
    with pytest.raises(InvalidInput, match="Bản cam kết an toàn"):
        submit_dossier(session, citizen, dossier, at=datetime(2026, 3, 9, 9, tzinfo=VN_TZ))
    assert dossier.procedure_version.number == 2
    kept = dossier.components[0]
    assert kept.name == "Đơn đề nghị cấp giấy phép xây dựng"
    assert kept.current_files
    gone = [c for c in dossier.components if c.name == "Bản vẽ thiết kế xây dựng"][0]
    assert gone.state == ComponentState.NOT_PROVIDED


def test_a_closed_agency_no_longer_receives(session: Session, world: dict) -> None:
    close_agency(session, world["centre"], date(2025, 12, 31), successor=None)
    with pytest.raises(NotFound):
        create_draft(
            session, world["citizen"].actor(), world["version"].code, f.Applicant(name="Lê Văn B")
        )
