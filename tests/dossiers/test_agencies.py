"""Agencies as dated data: parents over time, closing with a successor, codes checked."""

from datetime import date

import pytest
from sqlalchemy.orm import Session

from dossiers.agencies import (
    AgencyKind,
    children_on,
    close_agency,
    parent_on,
    upsert_agency,
    validate_code,
)
from dossiers.errors import InvalidInput
from dossiers.intake import submit_dossier
from tests import factories as f


def test_identifiers_follow_qd20_2020() -> None:
    assert validate_code(" 000.17.22.h56 ") == "000.17.22.H56"
    for bad in ("", "000..22.H56", "000.17.22.H56!", "X" * 36):
        with pytest.raises(InvalidInput):
            validate_code(bad)


def test_parent_links_are_dated(session: Session) -> None:
    old_province = upsert_agency(
        session,
        code="000.00.00.H58",
        name="UBND tỉnh Tiền Giang",
        kind=AgencyKind.PEOPLES_COMMITTEE,
        valid_from=date(2008, 1, 1),
    )
    new_province = upsert_agency(
        session,
        code="000.00.00.H60",
        name="UBND tỉnh Đồng Tháp",
        kind=AgencyKind.PEOPLES_COMMITTEE,
        valid_from=date(2025, 7, 1),
    )
    commune = upsert_agency(
        session,
        code="000.31.00.H58",
        name="UBND phường Mỹ Tho",
        kind=AgencyKind.COMMUNE,
        valid_from=date(2008, 1, 1),
        parent_code="000.00.00.H58",
    )
    close_agency(session, old_province, date(2025, 7, 1), successor=new_province)
    upsert_agency(
        session,
        code="000.31.00.H58",
        name="UBND phường Mỹ Tho",
        kind=AgencyKind.COMMUNE,
        valid_from=date(2025, 7, 1),
        parent_code="000.00.00.H60",
    )
    assert parent_on(session, commune, date(2025, 6, 30)) is old_province
    assert parent_on(session, commune, date(2025, 7, 1)) is new_province
    assert children_on(session, old_province, date(2025, 7, 2)) == []
    assert old_province.successor_id == new_province.id
    assert not old_province.active_on(date(2025, 7, 1))
    assert old_province.active_on(date(2025, 6, 30))


def test_a_dossier_keeps_its_agencies_as_they_were_at_receipt(session: Session) -> None:
    centre = f.agency(session, name="Trung tâm Phục vụ hành chính công")
    department = f.agency(session, name="Sở Xây dựng")
    citizen = f.user(session)
    dossier = f.on_paper(
        session, citizen, f.draft(session, citizen, f.procedure(session, centre, department))
    )
    submit_dossier(session, citizen.actor(), dossier)
    successor = f.agency(session, name="Sở Xây dựng (mới)")
    close_agency(session, department, date(2026, 1, 1), successor)
    assert dossier.code.startswith(centre.code + "-")
    assert dossier.competent_agency_id == department.id
    assert dossier.receiving_agency_id == centre.id
