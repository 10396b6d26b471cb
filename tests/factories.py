"""Plain factory functions that build test worlds through the domain's own operations."""

import itertools
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from dossiers.accounts import (
    AccountKind,
    CodePurpose,
    User,
    confirm_account,
    create_user,
    draw_code,
    issue_code,
)
from dossiers.actors import Actor
from dossiers.agencies import Agency, AgencyKind, upsert_agency
from dossiers.catalogue import import_catalogue
from dossiers.intake import Applicant, create_draft, mark_component

__all__ = ["Applicant"]
from dossiers.lifecycle import Role
from dossiers.procedures import ProcedureVersion, version_in_force
from dossiers.records import Channel, ComponentState, Dossier

_seq = itertools.count(1)
PASSWORD = "correct horse battery"


def agency(
    session: Session,
    code: str | None = None,
    name: str = "Sở Thử nghiệm",
    kind: AgencyKind = AgencyKind.DEPARTMENT,
    parent: str | None = None,
    numbered: bool = True,
) -> Agency:
    """An agency; its name gets a number unless ``numbered`` is false (a name a test reads)."""
    n = next(_seq)
    return upsert_agency(
        session,
        code=code or f"000.{n % 100:02d}.{n // 100:02d}.H99",
        name=f"{name} {n}" if numbered else name,
        kind=kind,
        valid_from=date(2025, 7, 1),
        parent_code=parent,
    )


def user(
    session: Session,
    role: Role = Role.CITIZEN,
    agency_: Agency | None = None,
    login: str | None = None,
    confirmed: bool = True,
    full_name: str | None = None,
    **details: Any,
) -> User:
    n = next(_seq)
    kind = AccountKind.PERSON if role == Role.CITIZEN else AccountKind.STAFF
    created = create_user(
        session,
        login=login or f"{role.value}{n}",
        full_name=full_name or f"Nguyễn Văn {n}",
        password=PASSWORD,
        kind=kind,
        grants=[(role, agency_.id if agency_ else None)],
        **details,
    )
    if confirmed:  # as the applicant does with the code the delivery job sends them
        drawn = draw_code(session, issue_code(session, created, CodePurpose.CONFIRM).id)
        assert drawn is not None
        confirm_account(session, created, drawn[2])
    return created


def procedure_entry(
    code: str, receiving: Agency, competent: Agency | None = None, **changes: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "code": code,
        "name": "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        "field": "Xây dựng",
        "level": "province",
        "online_level": "mot_phan",
        "valid_from": "2025-07-01",
        "time_limit": {"value": 5, "unit": "working_days", "cut_off": None},
        "fees": [{"kind": "Lệ phí", "amount_vnd": 75000, "channel": "all"}],
        "components": [
            {
                "name": "Đơn đề nghị cấp giấy phép xây dựng",
                "requirement": "required",
                "originals": 1,
                "copies": 0,
            },
            {
                "name": "Bản vẽ thiết kế xây dựng",
                "requirement": "required",
                "originals": 0,
                "copies": 2,
                "digitizable": False,
            },
            {
                "name": "Văn bản ủy quyền",
                "requirement": "conditional",
                "condition": "nộp thay",
                "originals": 1,
            },
        ],
        "agencies": {"receiving": [receiving.code], "competent": [(competent or receiving).code]},
        "steps": [
            {"name": "Tiếp nhận", "role": "reception", "share_percent": 10},
            {"name": "Thẩm định", "role": "officer", "share_percent": 70},
            {"name": "Phê duyệt", "role": "leader", "share_percent": 20},
        ],
        "legal_basis": ["Luật Xây dựng 50/2014/QH13"],
    }
    entry.update(changes)
    return entry


def procedure(
    session: Session,
    receiving: Agency,
    competent: Agency | None = None,
    code: str | None = None,
    **changes: Any,
) -> ProcedureVersion:
    code = code or f"1.{next(_seq):06d}"
    import_catalogue(
        session,
        Actor.system("test"),
        {"procedures": [procedure_entry(code, receiving, competent, **changes)]},
    )
    return version_in_force(session, code, date.today())


def on_paper(session: Session, owner: User, dossier: Dossier) -> Dossier:
    """The applicant says every component comes on paper (the desk sees the originals)."""
    for component in dossier.components:
        mark_component(session, owner.actor(), dossier, component.id, ComponentState.PAPER)
    return dossier


def draft(session: Session, owner: User, version: ProcedureVersion, **applicant: Any) -> Dossier:
    details = {"name": owner.full_name, "id_number": "079123456789"} | applicant
    return create_draft(
        session, owner.actor(), version.code, Applicant(**details), channel=Channel.ONLINE
    )
