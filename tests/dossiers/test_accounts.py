"""Applicant accounts (NĐ 45 Art. 7–8): identifiers, confirmation codes, reset, passwords."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers import identity
from dossiers.accounts import (
    AccountKind,
    CodePurpose,
    OneTimeCode,
    Registration,
    authenticate,
    check_password,
    confirm_account,
    issue_code,
    register,
    request_password_reset,
    reset_password,
)
from dossiers.errors import InvalidInput
from dossiers.intake import submit_dossier
from dossiers.outbox import OutboxMessage
from tests import factories as f

GOOD_ID = "079095001234"


def _registration(**changes: object) -> Registration:
    data = {"kind": AccountKind.PERSON, "full_name": "Nguyễn Thị Lan", "id_number": GOOD_ID,
            "phone": "0912 345 678", "email": "Lan@Example.vn",
            "password": "một câu mật khẩu dài"}
    data.update(changes)
    return Registration(**data)  # type: ignore[arg-type]


def _sent_code(session: Session, purpose: CodePurpose) -> str:
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.job == "deliver_code")
                           .order_by(OutboxMessage.id)).all()
    return [r.payload["code"] for r in rows if r.payload["purpose"] == purpose][-1]


@pytest.mark.parametrize("number", ["079095001234", " 001 200 012345 ", "096188999999"])
def test_valid_citizen_ids(number: str) -> None:
    assert identity.citizen_id(number) == number.replace(" ", "")


@pytest.mark.parametrize("number", ["07909500123", "0790950012345", "07909500123A",
                                    "003095001234", "099095001234", ""])
def test_invalid_citizen_ids_are_refused(number: str) -> None:
    with pytest.raises(InvalidInput) as error:
        identity.citizen_id(number)
    assert error.value.code == "invalid_cccd"


def test_tax_codes() -> None:
    assert identity.tax_code("0301234567") == "0301234567"
    assert identity.tax_code("0301234567-001") == "0301234567-001"
    for bad in ("030123456", "0301234567-01", "abcdefghij"):
        with pytest.raises(InvalidInput):
            identity.tax_code(bad)


def test_registering_creates_an_unconfirmed_account_and_sends_a_code(session: Session) -> None:
    user = register(session, _registration())
    assert (user.login, user.email, user.phone) == (GOOD_ID, "lan@example.vn", "0912345678")
    assert user.confirmed_at is None
    assert user.kind == AccountKind.PERSON
    assert len(_sent_code(session, CodePurpose.CONFIRM)) == 6
    assert authenticate(session, GOOD_ID, "một câu mật khẩu dài") is user


def test_an_organisation_needs_a_tax_code_and_a_representative(session: Session) -> None:
    with pytest.raises(InvalidInput) as error:
        register(session, _registration(kind=AccountKind.ORGANISATION, id_number="0301234567"))
    assert error.value.code == "representative_required"
    user = register(session, _registration(kind=AccountKind.ORGANISATION,
                                           full_name="Công ty TNHH Sông Tiền",
                                           id_number="0301234567", representative="Lê Văn A"))
    assert user.kind == AccountKind.ORGANISATION
    assert user.representative == "Lê Văn A"


def test_one_account_per_number_and_email(session: Session) -> None:
    register(session, _registration())
    for changes in ({}, {"id_number": "079095009999"}):
        with pytest.raises(InvalidInput) as error:
            register(session, _registration(**changes))
        assert error.value.code == "account_exists"


def test_short_passwords_are_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="12"):
        register(session, _registration(password="ngắn quá"))


def test_long_passwords_are_not_truncated(session: Session) -> None:
    base = "a" * 100
    user = register(session, _registration(password=base + "1"))
    assert check_password(user, base + "1")
    assert not check_password(user, base + "2")  # bcrypt would stop at 72 bytes


def test_confirmation_code_is_single_use(session: Session) -> None:
    user = register(session, _registration())
    code = _sent_code(session, CodePurpose.CONFIRM)
    confirm_account(session, user, code)
    assert user.confirmed_at is not None
    with pytest.raises(InvalidInput) as error:
        confirm_account(session, user, code)
    assert error.value.code == "code_expired"


def test_five_wrong_codes_spend_the_code(session: Session) -> None:
    user = register(session, _registration())
    code = _sent_code(session, CodePurpose.CONFIRM)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(InvalidInput) as error:
            confirm_account(session, user, wrong)
        assert error.value.code == "wrong_code"
    with pytest.raises(InvalidInput) as error:
        confirm_account(session, user, code)
    assert error.value.code == "code_expired"


def test_a_new_code_replaces_the_old_one(session: Session) -> None:
    user = register(session, _registration())
    old = _sent_code(session, CodePurpose.CONFIRM)
    new = issue_code(session, user, CodePurpose.CONFIRM)
    if old != new:
        with pytest.raises(InvalidInput):
            confirm_account(session, user, old)
    confirm_account(session, user, new)


def test_password_reset_code_expires_after_ten_minutes(session: Session) -> None:
    user = register(session, _registration())
    request_password_reset(session, "lan@example.vn")
    code = _sent_code(session, CodePurpose.RESET)
    row = session.scalars(select(OneTimeCode).where(OneTimeCode.purpose == CodePurpose.RESET)).one()
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    with pytest.raises(InvalidInput) as error:  # ten minutes later
        reset_password(session, GOOD_ID, code, "mật khẩu mới rất dài",
                       at=row.created_at + timedelta(minutes=10))
    assert error.value.code == "code_expired"
    assert authenticate(session, GOOD_ID, "một câu mật khẩu dài") is user


def test_password_reset_changes_the_password_once(session: Session) -> None:
    user = register(session, _registration())
    request_password_reset(session, GOOD_ID)
    code = _sent_code(session, CodePurpose.RESET)
    reset_password(session, GOOD_ID, code, "mật khẩu mới rất dài")
    assert authenticate(session, GOOD_ID, "mật khẩu mới rất dài") is user
    assert authenticate(session, GOOD_ID, "một câu mật khẩu dài") is None
    with pytest.raises(InvalidInput):
        reset_password(session, GOOD_ID, code, "lần thứ hai cũng dài")


def test_reset_for_an_unknown_account_sends_nothing(session: Session) -> None:
    request_password_reset(session, "nobody@example.vn")
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.job == "deliver_code")) \
        is None
    with pytest.raises(InvalidInput) as error:
        reset_password(session, "nobody@example.vn", "123456", "mật khẩu mới rất dài")
    assert error.value.code == "code_expired"  # the same answer as for a real account


def test_an_unconfirmed_account_cannot_submit(session: Session) -> None:
    centre = f.agency(session)
    citizen = f.user(session, confirmed=False)
    dossier = f.on_paper(session, citizen, f.draft(session, citizen, f.procedure(session, centre)))
    with pytest.raises(InvalidInput) as error:
        submit_dossier(session, citizen.actor(), dossier)
    assert error.value.code == "unconfirmed"
    assert dossier.code is None
