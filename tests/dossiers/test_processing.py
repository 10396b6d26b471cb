"""Processing after acceptance: the plan, hand-offs, the clock, transfers, apologies, paperwork.

The deadlines are hand-computed over Tết 2026 (Mon 16/02 to Fri 20/02 off): a dossier received
Friday 13/02/2026 at 09:00 with 5 working days is due Friday 27/02/2026 at 17:00, which is
46.5 working hours later (6.5 on the 13th, then 23–27/02). The steps take 10/60/20/10 % of that.
"""

import re
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers import apologies, processing, transfers
from dossiers.actors import Actor
from dossiers.calendar import VN_TZ
from dossiers.documents import Printer
from dossiers.errors import Forbidden, IllegalTransition, InvalidInput
from dossiers.events import Event, agencies_that_held, can_view, history
from dossiers.files import FileStore
from dossiers.intake import (
    Applicant,
    create_draft,
    receive_at_counter,
    resubmit_dossier,
    submit_dossier,
)
from dossiers.lifecycle import Kind, Role, Status
from dossiers.outbox import OutboxMessage
from dossiers.plans import StepTemplate, set_process, steps_of
from dossiers.queues import Queue, Urgency, WorkItem, work_items
from dossiers.records import Channel, Dossier, FileKind
from dossiers.reports import control_sheet_pdf, control_sheet_rows, register_rows, register_xlsx
from dossiers.results import (
    Signing,
    issue_result,
    result_candidate,
    upload_seal_image,
    upload_signature_image,
)
from dossiers.review import accept_dossier, request_supplement
from dossiers.signing import samples as sign_samples
from dossiers.signing.keys import Keyring
from dossiers.signing.pki import DemoPKI, agency_subject, person_subject
from payments.ledger import record_desk_payment, request_payment
from payments.models import Method
from tests import factories as f
from tests.samples import pdf as pdf_bytes


def vn(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN_TZ)


STEPS = [
    {"name": "Tiếp nhận hồ sơ", "role": "reception", "share_percent": 10},
    {"name": "Thẩm định hồ sơ", "role": "officer", "share_percent": 60},
    {"name": "Phê duyệt", "role": "leader", "share_percent": 20},
    {"name": "Trả kết quả", "role": "reception", "share_percent": 10},
]


@pytest.fixture
def world(session: Session, store: FileStore) -> dict[str, Any]:
    centre = f.agency(session, name="Trung tâm Phục vụ hành chính công")
    dept = f.agency(session, name="Sở Xây dựng")
    other = f.agency(session, name="Sở Tài chính")
    stranger = f.agency(session, name="Sở Y tế")
    version = f.procedure(session, centre, dept, steps=STEPS)
    w: dict[str, Any] = {
        "centre": centre,
        "dept": dept,
        "other": other,
        "stranger": stranger,
        "clerk": f.user(session, Role.RECEPTION, centre),
        "officer": f.user(session, Role.OFFICER, dept),
        "officer2": f.user(session, Role.OFFICER, dept),
        "leader": f.user(session, Role.LEADER, dept),
        "other_officer": f.user(session, Role.OFFICER, other),
        "other_leader": f.user(session, Role.LEADER, other),
        "stranger_officer": f.user(session, Role.OFFICER, stranger),
        "citizen": f.user(session),
        "printer": Printer(store, "https://dvc.example.vn"),
        "store": store,
    }
    dossier = f.draft(session, w["citizen"], version)
    for component in dossier.components:
        if component.requirement == "required":
            from dossiers.intake import attach_file, mark_component

            if component.name.startswith("Bản vẽ"):
                mark_component(session, w["citizen"].actor(), dossier, component.id, "paper")
            else:
                attach_file(
                    session,
                    w["citizen"].actor(),
                    store,
                    dossier,
                    component.id,
                    filename="don.pdf",
                    content_type="application/pdf",
                    data=pdf_bytes(),
                )
    submit_dossier(session, w["citizen"].actor(), dossier, at=vn(13, 2, 8))
    accept_dossier(session, w["clerk"].actor(), dossier, at=vn(13, 2, 9))
    w["dossier"] = dossier
    return w


def a(w: dict[str, Any], who: str) -> Actor:
    return w[who].actor()


def test_the_plan_divides_the_limit_over_tet(session: Session, world: dict[str, Any]) -> None:
    dossier = world["dossier"]
    assert dossier.due_at == vn(27, 2, 17)
    dues = [s.due_at.astimezone(VN_TZ) for s in steps_of(session, dossier)]
    assert dues == [vn(13, 2, 15, 9), vn(26, 2, 9, 33), vn(27, 2, 10, 51), vn(27, 2, 17)]
    assert dossier.current_step == 1


def test_a_day_of_hand_offs_and_the_control_sheet(
    session: Session, world: dict[str, Any], tmp_path: Path
) -> None:
    # Brought to the counter, so its result waits at the desk (an online one is returned
    # by issuing it into the applicant's account).
    w = world
    d = create_draft(
        session,
        a(w, "clerk"),
        w["dossier"].procedure_version.code,
        Applicant(name="Trần Thị Bình", id_number="079123456789"),
        channel=Channel.COUNTER,
    )
    f.on_paper(session, w["clerk"], d)
    receive_at_counter(session, a(w, "clerk"), d, at=vn(13, 2, 9))
    assert d.national_status == 2  # received
    processing.forward(session, a(w, "clerk"), d, at=vn(13, 2, 14))
    assert (d.status, d.holder_agency_id, d.current_step) == (Status.IN_PROGRESS, w["dept"].id, 2)
    assert d.national_status == 4  # in progress, through every hand-off below
    processing.assign(session, a(w, "leader"), d, w["officer"].id)
    assert d.assignee_id == w["officer"].id
    with pytest.raises(Forbidden):  # assigned to someone else
        processing.propose_result(session, a(w, "officer2"), w["store"], d)
    processing.propose_result(
        session,
        a(w, "officer"),
        w["store"],
        d,
        note="Đủ điều kiện",
        draft=pdf_bytes(),
        at=vn(24, 2, 10),
    )
    assert d.status == Status.PENDING_APPROVAL
    with pytest.raises(Forbidden):  # an officer does not approve
        processing.approve(session, a(w, "officer"), d)
    processing.send_back(session, a(w, "leader"), d, "Bổ sung căn cứ pháp lý", at=vn(25, 2, 8))
    assert (d.status, d.assignee_id, d.current_step) == (Status.IN_PROGRESS, w["officer"].id, 2)
    processing.propose_result(session, a(w, "officer"), w["store"], d, at=vn(26, 2, 16))
    processing.approve(session, a(w, "leader"), d, at=vn(27, 2, 9))
    assert (d.status, d.holder_agency_id, d.current_step) == (Status.APPROVED, w["centre"].id, 4)
    assert d.national_status == 4
    signing = _signing(session, w, tmp_path / "pki")
    seen = result_candidate(session, signing, d, a(w, "leader"), at=vn(27, 2, 14)).sha256
    issue_result(session, signing, d, a(w, "leader"), seen_sha256=seen, at=vn(27, 2, 14))
    assert d.national_status == 9  # done, not yet returned
    assert processing.available_actions(session, a(w, "clerk"), d) >= {"return_result"}
    processing.return_result(session, a(w, "clerk"), d, at=vn(27, 2, 15))
    assert (d.status, d.national_status) == (Status.RETURNED, 10)

    rows = control_sheet_rows(session, d)
    outcomes = [(r.kind, r.outcome) for r in rows if r.outcome]
    # Hand-computed against the plan above: desk 14:00 ≤ 15:09 the same day; first proposal
    # 24/02 before the 26/02 due day; the leader's return 25/02 before 27/02; the second
    # proposal 26/02 16:00 after 09:33; approval 27/02 09:00 before 10:51 on the due day;
    # returned 27/02 15:00 before 17:00 on the promised day.
    assert outcomes == [
        (Kind.FORWARDED, "Đúng hạn"),
        (Kind.RESULT_PROPOSED, "Trước hạn"),
        (Kind.SENT_BACK, "Trước hạn"),
        (Kind.RESULT_PROPOSED, "Quá hạn"),
        (Kind.APPROVED, "Đúng hạn"),
        (Kind.RESULT_RETURNED, "Đúng hạn"),
    ]
    first = rows[0]
    assert (first.kind, first.giver, first.receiver) == (
        Kind.RECEIVED,
        d.applicant_name,
        w["clerk"].full_name,
    )
    assign_row = next(r for r in rows if r.kind == Kind.ASSIGNED)
    assert (assign_row.giver, assign_row.receiver) == (
        w["leader"].full_name,
        w["officer"].full_name,
    )

    pdf = control_sheet_pdf(session, a(w, "leader"), w["printer"], d)
    _keep(pdf, "control-sheet")
    text = " ".join(
        subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
        .stdout.decode()
        .split()
    )
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert text.count("Quá hạn") == 1
    assert text.count("Trước hạn") == 2
    assert "Bổ sung căn cứ pháp lý" in text
    assert d.code in text


def _signing(session: Session, w: dict[str, Any], folder: Path) -> Signing:
    """The leader's and the unit's keys, signature and seal, loaded as an agency loads them."""
    pki = DemoPKI(folder, "test-passphrase")
    pki.ensure(agency_subject(w["dept"].code, w["dept"].name))
    pki.ensure(person_subject(w["leader"].login, w["leader"].full_name, w["dept"].name, "Giám đốc"))
    upload_signature_image(session, w["store"], a(w, "leader"), sign_samples.signature_png())
    upload_seal_image(session, w["store"], a(w, "leader"), w["dept"], sign_samples.seal_png())
    return Signing(w["store"], Keyring(folder, "test-passphrase"), "https://dvc.example.vn")


def test_the_control_sheet_hands_the_applicant_only_the_result(
    session: Session, world: dict[str, Any], tmp_path: Path
) -> None:
    """Mẫu 05: the applicant gives the dossier (and the supplement) and receives the result;
    a supplement request goes back through the desk, and nobody else hands them anything."""
    w, d = world, world["dossier"]
    processing.forward(session, a(w, "clerk"), d, to_user_id=w["officer"].id, at=vn(13, 2, 14))
    request_supplement(
        session,
        a(w, "officer"),
        d,
        {d.components[0].id: "Thiếu chữ ký"},
        printer=w["printer"],
        at=vn(24, 2, 10),
    )
    resubmit_dossier(session, a(w, "citizen"), d, at=vn(25, 2, 9))
    processing.propose_result(session, a(w, "officer"), w["store"], d, at=vn(25, 2, 10))
    processing.approve(session, a(w, "leader"), d, at=vn(25, 2, 11))
    signing = _signing(session, w, tmp_path / "pki")
    seen = result_candidate(session, signing, d, a(w, "leader"), at=vn(25, 2, 14)).sha256
    issue_result(session, signing, d, a(w, "leader"), seen_sha256=seen, at=vn(25, 2, 14))
    assert d.status == Status.RETURNED  # online: the signed file in the account is the return

    rows = {r.kind: r for r in control_sheet_rows(session, d)}
    applicant = d.applicant_name
    assert [k for k, r in rows.items() if r.receiver == applicant] == [Kind.RESULT_RETURNED]
    assert (rows[Kind.SUPPLEMENT_REQUESTED].giver, rows[Kind.SUPPLEMENT_REQUESTED].receiver) == (
        w["officer"].full_name,
        "Bộ phận tiếp nhận và trả kết quả",
    )
    assert (rows[Kind.SUPPLEMENTED].giver, rows[Kind.SUPPLEMENTED].receiver) == (
        applicant,
        w["officer"].full_name,
    )

    pdf = control_sheet_pdf(session, a(w, "leader"), w["printer"], d)
    text = " ".join(
        subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
        .stdout.decode()
        .split()
    )
    received_by_applicant = re.findall(r"Nhận: ([^–]+?) – Tổ chức, cá nhân", text)
    assert received_by_applicant == [applicant]
    assert len(re.findall(r"Giao: ([^–]+?) – Tổ chức, cá nhân", text)) == 2  # filed, supplemented


def test_only_the_step_s_people_act(session: Session, world: dict[str, Any]) -> None:
    w, d = world, world["dossier"]
    with pytest.raises(Forbidden):  # an officer cannot act on the desk's step
        processing.forward(session, a(w, "officer"), d)
    processing.forward(session, a(w, "clerk"), d)
    with pytest.raises(Forbidden):  # an officer cannot give it to a colleague
        processing.assign(session, a(w, "officer"), d, w["officer2"].id)
    with pytest.raises(InvalidInput):  # not someone of the unit
        processing.assign(session, a(w, "leader"), d, w["other_officer"].id)
    processing.assign(session, a(w, "officer2"), d, w["officer2"].id)  # takes it
    with pytest.raises(InvalidInput, match="trình kết quả"):
        processing.forward(session, a(w, "officer2"), d)
    with pytest.raises(IllegalTransition):
        processing.approve(session, a(w, "leader"), d)  # nothing proposed yet


def _waiting_items(session: Session, w: dict[str, Any], now: datetime) -> list[WorkItem]:
    return work_items(session, a(w, "officer"), Queue.MINE, now=now)


def _assert_moved_by_the_wait(session: Session, d: Dossier, answer: Event) -> None:
    # Paused 24/02 10:00 → 26/02 10:00 = 5.5 + 8 + 2.5 = 16 working hours.
    assert answer.payload["paused_hours"] == 16
    assert d.due_at == vn(3, 3, 17)
    dues = [s.due_at.astimezone(VN_TZ) for s in steps_of(session, d)]
    # The desk's finished step stays; the others move by 16 h: 26/02 09:33 + 5h57 + 8 (27/02)
    # + 2h03 → 02/03 09:33; 27/02 10:51 + 4h39 + 8 (02/03) + 3h21 → 03/03 10:51; 03/03 17:00.
    assert dues == [vn(13, 2, 15, 9), vn(2, 3, 9, 33), vn(3, 3, 10, 51), vn(3, 3, 17)]
    assert d.paused_at is None


def test_a_supplement_wait_moves_the_promise_by_the_time_waited(
    session: Session, world: dict[str, Any]
) -> None:
    """The officer asks for more the way the page does (the Phiếu yêu cầu bổ sung is issued,
    a document event in the waiting status), notes something during the wait, and the
    applicant answers: only that answer resumes the clock."""
    w, d = world, world["dossier"]
    processing.forward(session, a(w, "clerk"), d, to_user_id=w["officer"].id, at=vn(13, 2, 14))
    comp = d.components[0]
    request_supplement(
        session,
        a(w, "officer"),
        d,
        {comp.id: "Thiếu chữ ký"},
        printer=w["printer"],
        at=vn(24, 2, 10),
    )
    assert any(f.details.get("form") == "supplement" for f in d.files)
    assert (d.status, d.paused_at) == (Status.AWAITING_SUPPLEMENT, vn(24, 2, 10))
    processing.add_note(session, a(w, "officer"), d, "Đã gọi điện cho người nộp", at=vn(25, 2, 9))
    assert d.paused_at == vn(24, 2, 10)
    [item] = _waiting_items(session, w, vn(25, 2, 10))
    assert item.urgency == Urgency.PAUSED
    [waiting] = work_items(session, a(w, "leader"), Queue.SUPPLEMENT, now=vn(25, 2, 10))
    assert waiting.urgency == Urgency.PAUSED
    resubmit_dossier(session, a(w, "citizen"), d, at=vn(26, 2, 10))
    answer = history(session, d)[-1]
    assert (answer.kind, d.status) == (Kind.SUPPLEMENTED, Status.IN_PROGRESS)
    _assert_moved_by_the_wait(session, d, answer)
    [item] = _waiting_items(session, w, vn(26, 2, 11))
    assert item.urgency != Urgency.PAUSED


def test_a_payment_wait_moves_the_promise_by_the_time_waited(
    session: Session, world: dict[str, Any]
) -> None:
    w, d = world, world["dossier"]
    processing.forward(session, a(w, "clerk"), d, to_user_id=w["officer"].id, at=vn(13, 2, 14))
    request_payment(session, a(w, "officer"), d, at=vn(24, 2, 10))
    assert (d.status, d.paused_at) == (Status.AWAITING_PAYMENT, vn(24, 2, 10))
    processing.add_note(
        session, a(w, "officer"), d, "Người nộp hẹn nộp tiền tại quầy", at=vn(25, 2, 9)
    )
    assert d.paused_at == vn(24, 2, 10)
    [item] = _waiting_items(session, w, vn(25, 2, 10))
    assert item.urgency == Urgency.PAUSED
    record_desk_payment(session, a(w, "clerk"), d, Method.CASH, "BL-0001", now=vn(26, 2, 10))
    paid = history(session, d)[-1]
    assert (paid.kind, d.status) == (Kind.PAID, Status.IN_PROGRESS)
    _assert_moved_by_the_wait(session, d, paid)
    [item] = _waiting_items(session, w, vn(26, 2, 11))
    assert item.urgency != Urgency.PAUSED


def test_clock_keeps_running_when_the_procedure_says_so(
    session: Session, world: dict[str, Any]
) -> None:
    w, d = world, world["dossier"]
    version = d.procedure_version
    set_process(
        session,
        Actor.system("test"),
        version,
        [StepTemplate(s.name, Role(s.role), s.agency_id, s.share_percent) for s in version.steps],
        clock_pauses=False,
    )
    processing.forward(session, a(w, "clerk"), d, to_user_id=w["officer"].id)
    request_supplement(session, a(w, "officer"), d, {d.components[0].id: "Thiếu"})
    assert d.paused_at is None
    resubmit_dossier(session, a(w, "citizen"), d)
    assert d.due_at == vn(27, 2, 17)


def test_transfer_to_another_agency_and_back(session: Session, world: dict[str, Any]) -> None:
    w, d = world, world["dossier"]
    processing.forward(session, a(w, "clerk"), d, to_user_id=w["officer"].id)
    stranger = a(w, "stranger_officer")
    transfers.transfer(session, a(w, "officer"), d, w["other"].id, note="Xác định nghĩa vụ", days=2)
    assert (d.status, d.holder_agency_id) == (Status.AT_OTHER_AGENCY, w["other"].id)
    assert can_view(a(w, "other_officer"), d, agencies_that_held(session, d))
    assert can_view(a(w, "officer"), d, agencies_that_held(session, d))  # the lead sees it
    with pytest.raises(Forbidden):  # the lead cannot answer for the other agency
        transfers.complete_transfer(session, a(w, "officer"), w["store"], d, opinion="x")
    transfers.accept_transfer(session, a(w, "other_leader"), d)
    with pytest.raises(InvalidInput):
        transfers.accept_transfer(session, a(w, "other_leader"), d)
    processing.assign(session, a(w, "other_leader"), d, w["other_officer"].id)
    transfers.complete_transfer(
        session,
        a(w, "other_officer"),
        w["store"],
        d,
        opinion="Đã xác định nghĩa vụ tài chính",
        document=pdf_bytes(),
    )
    assert (d.status, d.holder_agency_id, d.assignee_id) == (
        Status.IN_PROGRESS,
        w["dept"].id,
        w["officer"].id,
    )
    assert any(
        f.kind == FileKind.WORKING and f.details["purpose"] == "transfer_result" for f in d.files
    )
    # The other agency keeps seeing what it held; an agency never involved does not.
    assert can_view(a(w, "other_officer"), d, agencies_that_held(session, d))
    assert not can_view(stranger, d, agencies_that_held(session, d))


def test_a_rejected_transfer_comes_back_with_its_reason(
    session: Session, world: dict[str, Any]
) -> None:
    w, d = world, world["dossier"]
    processing.forward(session, a(w, "clerk"), d, to_user_id=w["officer"].id)
    transfers.transfer(session, a(w, "officer"), d, w["other"].id)
    with pytest.raises(InvalidInput):
        transfers.reject_transfer(session, a(w, "other_leader"), d, "  ")
    transfers.reject_transfer(session, a(w, "other_leader"), d, "Không thuộc thẩm quyền")
    assert (d.status, d.holder_agency_id) == (Status.IN_PROGRESS, w["dept"].id)


def test_stop_needs_a_leader(session: Session, world: dict[str, Any]) -> None:
    w, d = world, world["dossier"]
    processing.forward(session, a(w, "clerk"), d, to_user_id=w["officer"].id)
    processing.propose_stop(session, a(w, "officer"), d, "Người nộp đề nghị dừng")
    assert d.stop_proposed_at is not None
    with pytest.raises(Forbidden):
        processing.stop(session, a(w, "officer"), d, "x")
    processing.stop(session, a(w, "leader"), d, "Theo đề nghị của người nộp")
    assert (d.status, d.national_status) == (Status.STOPPED, 8)


def test_overdue_dossier_gets_an_apology_for_the_leader(
    session: Session, world: dict[str, Any]
) -> None:
    w, d = world, world["dossier"]
    processing.forward(session, a(w, "clerk"), d, to_user_id=w["officer"].id, at=vn(13, 2, 14))
    assert apologies.sweep(session, now=vn(24, 2, 9)) == []  # 3.5 working days left
    prepared = apologies.sweep(session, now=vn(27, 2, 9))
    assert [p.dossier_id for p in prepared] == [d.id]
    assert apologies.sweep(session, now=vn(27, 2, 10)) == []  # one open letter at a time
    letter = prepared[0]
    # Steps 2–4 (90 % of 46.5 h = 41.85 h) are still to do, counted from the old promise
    # 27/02 17:00: five full days (02–06/03) and 1 h 51 on Monday 09/03.
    assert letter.new_due_at.astimezone(VN_TZ) == vn(9, 3, 9, 21)
    leader_told = session.scalars(select(OutboxMessage).where(OutboxMessage.job == "notify")).all()
    assert any(m.payload["user_id"] == w["leader"].id for m in leader_told)
    with pytest.raises(Forbidden):
        apologies.approve(session, a(w, "officer"), letter)
    with pytest.raises(InvalidInput):
        apologies.approve(
            session, a(w, "leader"), letter, new_due_at=vn(20, 2, 17), at=vn(27, 2, 9, 30)
        )
    apologies.approve(
        session,
        a(w, "leader"),
        letter,
        reason="Cần xác minh thực địa",
        new_due_at=vn(4, 3, 17),
        printer=w["printer"],
        at=vn(27, 2, 9, 30),
    )
    assert d.due_at == vn(4, 3, 17)
    assert letter.state == "approved"
    told = [
        m.payload["body"]
        for m in session.scalars(select(OutboxMessage).where(OutboxMessage.job == "notify")).all()
        if m.payload.get("user_id") == w["citizen"].id
    ]
    assert any("04/03/2026" in body for body in told)
    form = next(f for f in d.files if f.details.get("form") == "apology")
    _keep(w["store"].read(form.sha256), "apology")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=w["store"].read(form.sha256), capture_output=True, check=True
    ).stdout.decode()
    assert "Cần xác minh thực địa" in text
    assert "04/03/2026" in text


def test_register_lists_what_the_agency_received(session: Session, world: dict[str, Any]) -> None:
    w, d = world, world["dossier"]
    rows = register_rows(session, w["centre"].id, vn(1, 2, 0).date(), vn(28, 2, 0).date())
    assert [r["code"] for r in rows] == [d.code]
    assert rows[0]["received"] == "09:00 13/02/2026"
    assert rows[0]["due"] == "17:00 27/02/2026"
    assert register_rows(session, w["centre"].id, vn(14, 2, 0).date(), vn(28, 2, 0).date()) == []
    import io

    from openpyxl import load_workbook

    book = load_workbook(
        io.BytesIO(register_xlsx(session, w["centre"], vn(1, 2, 0).date(), vn(28, 2, 0).date()))
    )
    sheet = book.active
    assert sheet is not None
    assert sheet["B4"].value == d.code
    assert sheet["A3"].value == "STT"


def test_a_dossier_without_a_process_gets_the_default(session: Session, store: FileStore) -> None:
    desk = f.agency(session)
    version = f.procedure(session, desk, steps=[])
    clerk = f.user(session, Role.RECEPTION, desk)
    citizen = f.user(session)
    dossier = f.draft(session, citizen, version)
    from dossiers.intake import mark_component

    for c in dossier.components:
        mark_component(session, citizen.actor(), dossier, c.id, "paper")
    submit_dossier(session, citizen.actor(), dossier)
    accept_dossier(session, clerk.actor(), dossier)
    assert [s.role for s in steps_of(session, dossier)] == [
        "reception",
        "officer",
        "leader",
        "reception",
    ]
    assert session.scalar(select(Event.id).where(Event.dossier_id == dossier.id)) is not None
    assert isinstance(dossier, Dossier)


def _keep(pdf: bytes, name: str) -> None:
    """MOTCUA_KEEP_PDFS=dir keeps the rendered paperwork for a person to look at."""
    import os
    from pathlib import Path

    if folder := os.environ.get("MOTCUA_KEEP_PDFS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.pdf").write_bytes(pdf)
