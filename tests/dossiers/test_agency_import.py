"""`import_agencies`: dated, idempotent, closures with successors, errors that name the place."""

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.agencies import Agency, get_by_code, parent_on
from dossiers.agency_import import import_agencies, plan_agencies
from dossiers.audit import AdminEvent
from dossiers.errors import Forbidden, InvalidInput
from dossiers.intake import submit_dossier
from dossiers.lifecycle import Role
from tests import factories as f

ADMIN = Actor.system("test")


def province() -> dict[str, Any]:
    return {
        "agencies": [
            {
                "code": "000.00.00.H58",
                "name": "UBND tỉnh Tiền Giang",
                "kind": "peoples_committee",
                "valid_from": "2008-01-01",
            },
            {
                "code": "000.31.00.H58",
                "name": "UBND phường Mỹ Tho",
                "kind": "commune",
                "valid_from": date(2008, 1, 1),
                "parent": "000.00.00.H58",
                "email": "ubnd@mytho.gov.vn",
            },
        ]
    }


def merged() -> dict[str, Any]:
    """The 2025 merger: Tiền Giang closes into Đồng Tháp, its commune moves under it."""
    data = province()
    data["agencies"][0].update(valid_to="2025-07-01", successor="000.00.00.H60")
    data["agencies"][1].update(parent="000.00.00.H60", parent_from="2025-07-01")
    data["agencies"].append(
        {
            "code": "000.00.00.H60",
            "name": "UBND tỉnh Đồng Tháp",
            "kind": "peoples_committee",
            "valid_from": "2025-07-01",
        }
    )
    return data


def test_a_second_import_changes_nothing_and_says_so(session: Session) -> None:
    first = import_agencies(session, ADMIN, province())
    assert first.created == ["000.00.00.H58", "000.31.00.H58"]
    commune = get_by_code(session, "000.31.00.H58")
    assert parent_on(session, commune, date(2020, 1, 1)).code == "000.00.00.H58"  # type: ignore[union-attr]
    events = session.scalars(select(AdminEvent)).all()
    again = import_agencies(session, ADMIN, province())
    assert not again.changed
    assert again.unchanged == ["000.00.00.H58", "000.31.00.H58"]
    assert session.scalars(select(AdminEvent)).all() == events  # nothing to audit either


def test_a_merger_closes_with_a_successor_and_moves_children_from_that_day(
    session: Session,
) -> None:
    import_agencies(session, ADMIN, province())
    preview = plan_agencies(session, ADMIN, merged())
    assert preview.created == ["000.00.00.H60"]
    assert preview.updated == ["000.00.00.H58", "000.31.00.H58"]
    assert get_by_code(session, "000.00.00.H58").valid_to is None  # the preview wrote nothing
    plan = import_agencies(session, ADMIN, merged())
    old, new = get_by_code(session, "000.00.00.H58"), get_by_code(session, "000.00.00.H60")
    commune = get_by_code(session, "000.31.00.H58")
    assert (old.valid_to, old.successor_id) == (date(2025, 7, 1), new.id)
    assert parent_on(session, commune, date(2025, 6, 30)) is old
    assert parent_on(session, commune, date(2025, 7, 1)) is new
    assert plan.changes[0].closed_on == date(2025, 7, 1)
    assert not import_agencies(session, ADMIN, merged()).changed
    event = session.scalars(select(AdminEvent).order_by(AdminEvent.id.desc())).first()
    assert event is not None
    assert event.action == "agencies:import"
    assert event.details["closed"] == ["000.00.00.H58"]
    assert event.actor_name == "Hệ thống"


def test_dossiers_keep_the_agency_they_were_received_at(session: Session) -> None:
    import_agencies(session, ADMIN, province())
    commune = get_by_code(session, "000.31.00.H58")
    citizen = f.user(session)
    dossier = f.on_paper(session, citizen, f.draft(session, citizen, f.procedure(session, commune)))
    submit_dossier(session, citizen.actor(), dossier)
    data = province()
    data["agencies"][1].update(valid_to="2025-07-01", successor="000.00.00.H60")
    data["agencies"].append(
        {
            "code": "000.00.00.H60",
            "name": "UBND phường Đạo Thạnh",
            "kind": "commune",
            "valid_from": "2025-07-01",
        }
    )
    import_agencies(session, ADMIN, data)
    session.refresh(dossier)
    assert dossier.receiving_agency_id == commune.id
    assert dossier.code.startswith("000.31.00.H58-")


@pytest.mark.parametrize(
    ("change", "place"),
    [
        ({"kind": "province"}, "agencies[2].kind"),
        ({"code": "000..H58"}, "agencies[2].code"),
        ({"name": " "}, "agencies[2].name"),
        ({"valid_from": "1/7/2025"}, "agencies[2].valid_from"),
        ({"parent": "000.99.99.H99"}, "agencies[2].parent"),
        ({"successor": "000.00.00.H58"}, "agencies[2].successor"),  # without valid_to
        ({"valid_to": "2007-01-01"}, "agencies[2].valid_to"),
        ({"email": "a@b\r\nBcc: x@y"}, "agencies[2].email"),
        ({"code": "000.00.00.H58", "parent": None}, "agencies[2].code"),  # twice in the file
    ],
)
def test_errors_name_the_entry_and_field_in_both_languages(
    session: Session, change: dict[str, Any], place: str
) -> None:
    data = province()
    data["agencies"][1].update(change)
    with pytest.raises(InvalidInput) as raised:
        import_agencies(session, ADMIN, data)
    assert raised.value.message.startswith(place + ": ")
    assert raised.value.message_en.startswith(place + ": ")
    assert raised.value.message != raised.value.message_en
    assert session.scalars(select(Agency)).all() == []  # checked before the first write


def test_a_closure_is_not_rewritten(session: Session) -> None:
    import_agencies(session, ADMIN, merged())
    data = merged()
    data["agencies"][0]["valid_to"] = "2025-08-01"
    with pytest.raises(InvalidInput, match=r"agencies\[1\].valid_to"):
        import_agencies(session, ADMIN, data)


def test_only_administrators_import(session: Session) -> None:
    clerk = f.user(session, Role.RECEPTION, f.agency(session))
    with pytest.raises(Forbidden):
        import_agencies(session, clerk.actor(), province())
    with pytest.raises(Forbidden):
        plan_agencies(session, clerk.actor(), province())


def test_the_demo_province_file_loads_and_reloads_unchanged(session: Session) -> None:
    from pathlib import Path

    import yaml

    data = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "motcua" / "demo" / "agencies.yaml").read_text(
            encoding="utf-8"
        )
    )
    first = import_agencies(session, ADMIN, data)
    assert len(first.created) == len(data["agencies"]) > 40
    assert not import_agencies(session, ADMIN, data).changed
