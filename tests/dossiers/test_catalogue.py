"""Procedures as versioned data: import, re-import, new versions, search without accents."""

from datetime import date

import pytest
from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.catalogue import fold, import_catalogue, search
from dossiers.errors import Forbidden, InvalidInput
from dossiers.intake import Applicant, create_draft
from dossiers.procedures import get_procedure
from tests import factories as f

ADMIN = Actor.system("test")


def test_fold_strips_vietnamese_diacritics() -> None:
    assert fold("Giấy phép xây dựng Đường") == "giay phep xay dung duong"


def test_importing_the_same_file_twice_changes_nothing(session: Session) -> None:
    centre = f.agency(session)
    data = {"procedures": [f.procedure_entry("1.009999", centre)]}
    first = import_catalogue(session, ADMIN, data)
    second = import_catalogue(session, ADMIN, data)
    assert first.created == ["1.009999"]
    assert second.unchanged == ["1.009999"]
    assert len(get_procedure(session, "1.009999").versions) == 1


def test_a_changed_procedure_gets_a_new_version_and_old_dossiers_keep_theirs(
    session: Session,
) -> None:
    centre = f.agency(session)
    citizen = f.user(session)
    import_catalogue(session, ADMIN, {"procedures": [f.procedure_entry("1.008888", centre)]})
    old = f.draft(session, citizen, get_procedure(session, "1.008888").versions[0])
    changed = f.procedure_entry(
        "1.008888", centre, valid_from="2026-01-01", time_limit={"value": 3, "unit": "working_days"}
    )
    report = import_catalogue(session, ADMIN, {"procedures": [changed]}, today=date(2025, 12, 1))
    procedure = get_procedure(session, "1.008888")
    v1, v2 = procedure.versions
    assert report.new_versions == ["1.008888"]
    assert (v1.valid_to, v2.valid_from, v2.number) == (date(2026, 1, 1), date(2026, 1, 1), 2)
    assert procedure.version_on(date(2025, 12, 31)) is v1
    assert procedure.version_on(date(2026, 1, 2)) is v2
    assert v2.time_limit_value == 3
    assert old.procedure_version is v1
    assert old.procedure_version.time_limit_value == 5
    new = create_draft(
        session, citizen.actor(), "1.008888", Applicant(name="Lê Thị C"), today=date(2026, 2, 1)
    )
    assert new.procedure_version is v2


def test_errors_name_the_exact_place(session: Session) -> None:
    centre = f.agency(session)
    bad = f.procedure_entry("1.007777", centre, time_limit={"value": 5, "unit": "tuần"})
    with pytest.raises(InvalidInput) as error:
        import_catalogue(session, ADMIN, {"procedures": [bad]})
    assert "procedures[1].time_limit.unit" in error.value.message
    assert "working_days" in error.value.message


def test_step_shares_must_add_up_to_100(session: Session) -> None:
    centre = f.agency(session)
    bad = f.procedure_entry(
        "1.006666", centre, steps=[{"name": "Tiếp nhận", "role": "reception", "share_percent": 50}]
    )
    with pytest.raises(InvalidInput, match="100"):
        import_catalogue(session, ADMIN, {"procedures": [bad]})


def test_an_unknown_agency_is_refused(session: Session) -> None:
    centre = f.agency(session)
    bad = f.procedure_entry("1.005555", centre, agencies={"receiving": ["000.00.00.X00"]})
    with pytest.raises(InvalidInput, match="000.00.00.X00"):
        import_catalogue(session, ADMIN, {"procedures": [bad]})


def test_only_administrators_import(session: Session) -> None:
    clerk = f.user(session)
    with pytest.raises(Forbidden):
        import_catalogue(session, clerk.actor(), {"procedures": []})


def test_search_finds_without_accents_by_name_code_and_field(session: Session) -> None:
    centre = f.agency(session)
    f.procedure(session, centre, code="1.012345")
    f.procedure(session, centre, code="1.001193", name="Thủ tục đăng ký khai sinh", field="Hộ tịch")
    names = [v.name for v in search(session, "giay phep xay dung")]
    assert "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ" in names
    assert [v.code for v in search(session, "KHAI SINH")] == ["1.001193"]
    assert [v.code for v in search(session, "1.001193")] == ["1.001193"]
    assert [v.code for v in search(session, "ho tich")] == ["1.001193"]
    assert search(session, "100%") == []
