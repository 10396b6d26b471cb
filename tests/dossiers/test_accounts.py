"""Applicant accounts (NĐ 45 Art. 7–8): identifiers, confirmation codes, reset, passwords."""

import logging
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers import identity
from dossiers.accounts import (
    AccountKind,
    CodePurpose,
    OneTimeCode,
    Registration,
    User,
    authenticate,
    check_password,
    confirm_account,
    issue_code,
    issue_token,
    list_tokens,
    register,
    request_password_reset,
    reset_password,
    user_for_token,
)
from dossiers.agencies import AgencyKind, upsert_agency
from dossiers.errors import InvalidInput
from dossiers.inbox import Message
from dossiers.intake import submit_dossier
from dossiers.outbox import HANDLERS, JobContext, OutboxMessage
from tests import factories as f

GOOD_ID = "079095001234"


def _registration(**changes: object) -> Registration:
    data = {
        "kind": AccountKind.PERSON,
        "full_name": "Nguyễn Thị Lan",
        "id_number": GOOD_ID,
        "phone": "0912 345 678",
        "email": "Lan@Example.vn",
        "password": "một câu mật khẩu dài",
    }
    data.update(changes)
    return Registration(**data)  # type: ignore[arg-type]


def _sent_code(session: Session, purpose: CodePurpose) -> str:
    """Run the code deliveries not yet run, as the worker does, and read the last code of
    ``purpose`` from what was sent (no SMTP here: the log is the channel)."""
    sent: list[logging.LogRecord] = []
    catcher = logging.Handler()
    catcher.emit = sent.append  # type: ignore[method-assign]
    logger = logging.getLogger("dossiers.inbox")
    logger.addHandler(catcher)
    done = session.info.setdefault("delivered", set())
    try:
        for row in session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.job == "deliver_code")
            .order_by(OutboxMessage.id)
        ).all():
            if row.id not in done:
                done.add(row.id)
                HANDLERS[row.job](session, dict(row.payload), JobContext(message_id=row.id))
    finally:
        logger.removeHandler(catcher)
    codes = session.info.setdefault("codes", {})
    for record in sent:
        for kind, code in re.findall(r"\((\w+)\): (\d{6})$", record.getMessage()):
            codes[kind] = code
    return str(codes[purpose])


@pytest.mark.parametrize("number", ["079095001234", " 001 200 012345 ", "096188999999"])
def test_valid_citizen_ids(number: str) -> None:
    assert identity.citizen_id(number) == number.replace(" ", "")


@pytest.mark.parametrize(
    "number", ["07909500123", "0790950012345", "07909500123A", "003095001234", "099095001234", ""]
)
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
    assert user is not None
    assert (user.login, user.email, user.phone) == (GOOD_ID, "lan@example.vn", "0912345678")
    assert user.confirmed_at is None
    assert user.kind == AccountKind.PERSON
    assert len(_sent_code(session, CodePurpose.CONFIRM)) == 6
    assert authenticate(session, GOOD_ID, "một câu mật khẩu dài") is user


def test_an_organisation_needs_a_tax_code_and_a_representative(session: Session) -> None:
    with pytest.raises(InvalidInput) as error:
        register(session, _registration(kind=AccountKind.ORGANISATION, id_number="0301234567"))
    assert error.value.code == "representative_required"
    user = register(
        session,
        _registration(
            kind=AccountKind.ORGANISATION,
            full_name="Công ty TNHH Sông Tiền",
            id_number="0301234567",
            representative="Lê Văn A",
        ),
    )
    assert user is not None
    assert user.kind == AccountKind.ORGANISATION
    assert user.representative == "Lê Văn A"


def test_registering_a_taken_number_or_email_tells_the_owner_not_the_caller(
    session: Session,
) -> None:
    owner = register(session, _registration())
    assert owner is not None
    for changes in ({"password": "một mật khẩu khác hẳn"}, {"id_number": "079095009999"}):
        # No error, no account: the caller cannot tell this from a new registration.
        assert register(session, _registration(**changes)) is None
    assert session.scalars(select(User.id)).all() == [owner.id]
    notices = [
        m
        for m in session.scalars(select(OutboxMessage).where(OutboxMessage.job == "notify"))
        if m.payload["user_id"] == owner.id
    ]
    assert len(notices) == 2
    assert "đăng ký tài khoản" in notices[0].payload["subject"]
    assert authenticate(session, GOOD_ID, "một mật khẩu khác hẳn") is None


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("ngắn quá", "12 ký tự"),
        ("matkhau123456", "danh sách mật khẩu phổ biến"),
        ("mậtkhẩu123456", "danh sách mật khẩu phổ biến"),
        ("Password1234!", "danh sách mật khẩu phổ biến"),
        ("qwertyuiopasdf", "mật khẩu phổ biến"),
        ("aaaaaaaaaaaaaaaa", "lặp lại"),
        ("nguyenthilan1990", "họ tên, số giấy tờ"),
        ("Nguyễn Thị Lan 1990", "họ tên, số giấy tờ"),
        ("lan079095001234", "họ tên, số giấy tờ"),
    ],
)
def test_weak_and_personal_passwords_are_refused_with_a_reason_and_a_hint(
    session: Session, password: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        register(session, _registration(password=password))
    assert error.value.code == "weak_password"
    assert reason in error.value.message
    assert "Gợi ý" in error.value.message or "12" in error.value.message
    assert error.value.message_en != error.value.message
    assert session.scalar(select(User.id)) is None


def test_long_passwords_are_not_truncated(session: Session) -> None:
    base = "trâu vàng leo cột điện giữa trưa hè " * 3
    user = register(session, _registration(password=base + "1"))
    assert user is not None
    assert check_password(user, base + "1")
    assert not check_password(user, base + "2")  # bcrypt would stop at 72 bytes


@pytest.mark.parametrize(
    "address",
    [
        "lan@example.vn\r\nBcc: all@example.vn",
        "lan@example.vn\n",
        "lan@example.vn\r",
        "\nlan@ex.vn",
    ],
)
def test_line_breaks_in_an_email_address_are_refused_everywhere(
    session: Session, address: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        register(session, _registration(email=address))
    assert error.value.code == "invalid_email"
    assert "xuống dòng" in error.value.message
    version = f.procedure(session, f.agency(session))
    with pytest.raises(InvalidInput):  # a dossier's applicant (portal, desk and API alike)
        f.draft(session, f.user(session), version, email=address)
    with pytest.raises(InvalidInput):  # an agency's address (catalogue import, demo)
        upsert_agency(
            session,
            code="000.77.77.H99",
            name="Sở Thư",
            kind=AgencyKind.DEPARTMENT,
            valid_from=date(2025, 7, 1),
            email=address,
        )


def test_confirmation_code_is_single_use(session: Session) -> None:
    user = register(session, _registration())
    assert user is not None
    code = _sent_code(session, CodePurpose.CONFIRM)
    confirm_account(session, user, code)
    assert user.confirmed_at is not None
    with pytest.raises(InvalidInput) as error:
        confirm_account(session, user, code)
    assert error.value.code == "code_expired"


def test_five_wrong_codes_spend_the_code(session: Session) -> None:
    user = register(session, _registration())
    assert user is not None
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
    assert user is not None
    old = _sent_code(session, CodePurpose.CONFIRM)
    issue_code(session, user, CodePurpose.CONFIRM)
    new = _sent_code(session, CodePurpose.CONFIRM)
    if old != new:
        with pytest.raises(InvalidInput):
            confirm_account(session, user, old)
    confirm_account(session, user, new)


def test_codes_never_sit_in_clear_in_the_outbox(session: Session) -> None:
    user = register(session, _registration())
    assert user is not None
    request_password_reset(session, GOOD_ID)
    codes = {_sent_code(session, CodePurpose.CONFIRM), _sent_code(session, CodePurpose.RESET)}
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.job == "deliver_code")).all()
    assert len(rows) == 2
    for row in rows:
        assert set(row.payload) == {"code_id"}
        assert not any(code in str(row.payload) for code in codes)
    for stored in session.scalars(select(OneTimeCode.code_hash)):
        assert stored not in codes
        assert len(stored) == 64
    # The confirmation code is in the inbox message it was sent in; the reset code nowhere.
    bodies = " ".join(session.scalars(select(Message.body)))
    assert _sent_code(session, CodePurpose.CONFIRM) in bodies
    assert _sent_code(session, CodePurpose.RESET) not in bodies


def test_password_reset_code_expires_after_ten_minutes(session: Session) -> None:
    user = register(session, _registration())
    request_password_reset(session, "lan@example.vn")
    code = _sent_code(session, CodePurpose.RESET)
    row = session.scalars(select(OneTimeCode).where(OneTimeCode.purpose == CodePurpose.RESET)).one()
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    with pytest.raises(InvalidInput) as error:  # ten minutes later
        reset_password(
            session,
            GOOD_ID,
            code,
            "mật khẩu mới rất dài",
            at=row.created_at + timedelta(minutes=10),
        )
    assert error.value.code == "invalid_code"
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


def test_a_reset_password_built_from_the_owner_details_keeps_the_code(session: Session) -> None:
    user = register(session, _registration())
    request_password_reset(session, GOOD_ID)
    code = _sent_code(session, CodePurpose.RESET)
    with pytest.raises(InvalidInput) as error:
        reset_password(session, GOOD_ID, code, "nguyenthilan079095")
    assert error.value.code == "weak_password"
    assert reset_password(session, GOOD_ID, code, "mật khẩu mới rất dài") is user


def test_password_reset_ends_every_session_and_revokes_every_token(session: Session) -> None:
    user = register(session, _registration())
    assert user is not None
    token = issue_token(session, user, "app")
    generation = user.session_generation
    request_password_reset(session, GOOD_ID)
    reset_password(session, GOOD_ID, _sent_code(session, CodePurpose.RESET), "mật khẩu mới rất dài")
    assert user.session_generation > generation
    assert user_for_token(session, token) is None
    assert {t.state() for t in list_tokens(session, user.actor())} == {"revoked"}


def test_reset_answers_alike_for_unknown_and_known_accounts(session: Session) -> None:
    register(session, _registration())
    request_password_reset(session, "nobody@example.vn")
    request_password_reset(session, GOOD_ID)
    assert (
        len(session.scalars(select(OutboxMessage).where(OutboxMessage.job == "deliver_code")).all())
        == 2
    )  # registration and the known reset
    code = _sent_code(session, CodePurpose.RESET)
    wrong = "000000" if code != "000000" else "111111"
    answers = []
    for identifier in ("nobody@example.vn", GOOD_ID):
        for password in ("mật khẩu mới rất dài", "nguyenthilan079095"):
            with pytest.raises(InvalidInput) as error:
                reset_password(session, identifier, wrong, password)
            answers.append((error.value.code, error.value.message))
    assert len(set(answers)) == 1  # one answer, even for a password naming the owner
    assert answers[0][0] == "invalid_code"
    with pytest.raises(InvalidInput) as weak:
        reset_password(session, "nobody@example.vn", wrong, "matkhau123456")
    assert weak.value.code == "weak_password"  # refused before any account is looked up


def test_an_unconfirmed_account_cannot_submit(session: Session) -> None:
    centre = f.agency(session)
    citizen = f.user(session, confirmed=False)
    dossier = f.on_paper(session, citizen, f.draft(session, citizen, f.procedure(session, centre)))
    with pytest.raises(InvalidInput) as error:
        submit_dossier(session, citizen.actor(), dossier)
    assert error.value.code == "unconfirmed"
    assert dossier.code is None
