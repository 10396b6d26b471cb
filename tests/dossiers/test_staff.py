"""Administering staff: create (no password through the administrator), grant and withdraw
roles per agency, disable, reset — administrators only, each an audit event."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.accounts import (
    CodePurpose,
    OneTimeCode,
    User,
    authenticate,
    draw_code,
    request_password_reset,
    reset_password,
)
from dossiers.audit import AdminEvent
from dossiers.errors import Forbidden, InvalidInput
from dossiers.lifecycle import Role
from dossiers.staff import (
    NewStaff,
    create_staff,
    grant_role,
    search_users,
    send_password_reset,
    set_active,
    withdraw_role,
)
from tests import factories as f

NEW_PASSWORD = "mot-mat-khau-rat-dai-2026"


def _code(session: Session, user: User) -> str:
    """The digits the delivery job would send the member of staff."""
    row = session.scalars(
        select(OneTimeCode)
        .where(OneTimeCode.user_id == user.id, OneTimeCode.used_at.is_(None))
        .order_by(OneTimeCode.id.desc())
    ).first()
    assert row is not None
    assert row.purpose == CodePurpose.ADMIN_RESET
    drawn = draw_code(session, row.id)
    assert drawn is not None
    return drawn[2]


def test_a_new_member_of_staff_sets_their_own_password(session: Session) -> None:
    admin = f.user(session, Role.ADMIN, None)
    user = create_staff(
        session,
        admin.actor(),
        NewStaff(login="Lan.TN", full_name="Trần Thị Lan", email="lan@dongthap.gov.vn"),
    )
    assert user.login == "lan.tn"
    assert user.actor().roles == frozenset()
    reset_password(session, "lan.tn", _code(session, user), NEW_PASSWORD)
    assert authenticate(session, "lan.tn", NEW_PASSWORD) is user
    assert [e.action for e in session.scalars(select(AdminEvent))] == ["users:create"]


def test_roles_are_granted_and_withdrawn_per_agency(session: Session) -> None:
    admin = f.user(session, Role.ADMIN, None)
    centre, other = f.agency(session), f.agency(session)
    user = create_staff(session, admin.actor(), NewStaff("clerk2", "Lê Văn Hai", "hai@x.vn"))
    grant_role(session, admin.actor(), user, "reception", centre.code)
    grant_role(session, admin.actor(), user, "reception", centre.code)  # twice: no change
    grant_role(session, admin.actor(), user, Role.OFFICER, other.code)
    assert user.actor().grants == {(Role.RECEPTION, centre.id), (Role.OFFICER, other.id)}
    withdraw_role(session, admin.actor(), user, Role.RECEPTION, centre.code)
    assert user.actor().grants == {(Role.OFFICER, other.id)}
    with pytest.raises(InvalidInput, match="cần một cơ quan"):
        grant_role(session, admin.actor(), user, Role.LEADER, None)
    with pytest.raises(InvalidInput):
        grant_role(session, admin.actor(), user, "citizen", None)
    actions = [
        (e.action, e.details) for e in session.scalars(select(AdminEvent).order_by(AdminEvent.id))
    ]
    assert actions[1:] == [
        ("users:grant", {"role": "reception", "agency": centre.code}),
        ("users:grant", {"role": "officer", "agency": other.code}),
        ("users:withdraw", {"role": "reception", "agency": centre.code}),
    ]


def test_a_disabled_account_cannot_log_in_and_a_reset_goes_through_a_code(session: Session) -> None:
    admin = f.user(session, Role.ADMIN, None)
    user = create_staff(session, admin.actor(), NewStaff("tuan", "Phạm Tuấn", "tuan@x.vn"))
    reset_password(session, "tuan", _code(session, user), NEW_PASSWORD)
    set_active(session, admin.actor(), user, False)
    assert authenticate(session, "tuan", NEW_PASSWORD) is None
    with pytest.raises(InvalidInput):
        send_password_reset(session, admin.actor(), user)
    set_active(session, admin.actor(), user, True)
    request_password_reset(session, "tuan@x.vn")  # staff cannot start a reset themselves
    assert (
        session.scalars(
            select(OneTimeCode).where(OneTimeCode.user_id == user.id, OneTimeCode.used_at.is_(None))
        ).all()
        == []
    )
    send_password_reset(session, admin.actor(), user)
    reset_password(session, "tuan", _code(session, user), NEW_PASSWORD + "-moi")
    assert authenticate(session, "tuan", NEW_PASSWORD + "-moi") is user
    with pytest.raises(InvalidInput):
        set_active(session, admin.actor(), session.get(User, admin.id), False)  # type: ignore[arg-type]


def test_only_administrators_administer_staff(session: Session) -> None:
    clerk = f.user(session, Role.RECEPTION, f.agency(session))
    with pytest.raises(Forbidden):
        create_staff(session, clerk.actor(), NewStaff("x", "X", "x@x.vn"))
    with pytest.raises(Forbidden):
        search_users(session, clerk.actor())
    with pytest.raises(Forbidden):
        set_active(session, clerk.actor(), clerk, False)
