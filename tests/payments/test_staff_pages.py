"""The staff payment pages and API through the Flask test client: the desk asks for payment,
exempts, takes cash with a receipt number, refunds, and reads the finance figures and XLSX;
a citizen or another agency's clerk sees nothing (404, or 403 for the finance figures)."""

import io
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from dossiers.accounts import User, issue_token
from dossiers.intake import submit_dossier
from dossiers.lifecycle import NationalStatus, Role, Status
from dossiers.processing import stop
from dossiers.records import Dossier
from dossiers.review import accept_dossier
from motcua.database import get_db
from payments.models import Payment, PaymentState, Refund
from tests import factories as f
from tests.payments.conftest import receipt_count
from tests.web import bearer, csrf_token, login

FEES = [
    {"kind": "Lệ phí", "amount_vnd": 75000, "channel": "all"},
    {"kind": "Phí thẩm định", "amount_vnd": 25000, "channel": "all"},
]


def _world(app: Any) -> dict[str, Any]:
    with get_db(app).factory() as db:
        agency = f.agency(db, name="UBND phường Thu Phí")
        other = f.agency(db, name="UBND xã Khác")
        version = f.procedure(
            db,
            agency,
            online_level="toan_trinh",
            fees=FEES,
            components=[{"name": "Tờ khai", "requirement": "optional"}],
        )
        citizen = f.user(db, login="dan")
        clerk = f.user(db, Role.RECEPTION, agency, login="thu")
        f.user(db, Role.RECEPTION, other, login="khac")
        leader = f.user(db, Role.LEADER, agency, login="lanhdao")
        dossier = f.draft(db, citizen, version)
        submit_dossier(db, citizen.actor(), dossier)
        accept_dossier(db, clerk.actor(), dossier)
        world = {
            "dossier": dossier.id,
            "agency": agency.name,
            "leader": leader.id,
            "citizen_token": issue_token(db, citizen, "t"),
        }
        db.commit()
    return world


def _post(client: Any, path: str, page: str, **data: str) -> Any:
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def _dossier(app: Any, dossier_id: int) -> tuple[str, int | None, list[tuple[str, str]], int]:
    with get_db(app).factory() as db:
        dossier = db.get(Dossier, dossier_id)
        assert dossier is not None
        payments = [
            (p.state, p.txn_ref)
            for p in db.scalars(
                select(Payment).where(Payment.dossier_id == dossier_id).order_by(Payment.id)
            )
        ]
        return (dossier.status, dossier.national_status, payments, receipt_count(db, dossier_id))


def test_the_desk_asks_exempts_takes_cash_and_refunds_through_the_pages(
    app: Any, client: Any
) -> None:
    world = _world(app)
    base = f"/backoffice/dossiers/{world['dossier']}/payments"
    login(client, "thu")
    page = client.get(base).get_data(as_text=True)
    assert "100.000" in page

    _post(client, base + "/request", base)
    assert _dossier(app, world["dossier"])[:2] == (Status.AWAITING_PAYMENT, NationalStatus.PAYMENT)

    # An exemption needs a reason; with one, the amount due drops.
    with get_db(app).factory() as db:
        fee_id = next(
            fee.id
            for fee in db.get(Dossier, world["dossier"]).procedure_version.fees
            if fee.amount_vnd == 25000
        )
    _post(client, base + "/exempt", base, fee_id=str(fee_id), reason=" ")
    page = client.get(base).get_data(as_text=True)
    assert "Cần nêu lý do miễn, giảm" in page
    assert "Ghi nhận khoản thu 100.000 đồng" in page
    _post(client, base + "/exempt", base, fee_id=str(fee_id), reason="Người có công")
    page = client.get(base).get_data(as_text=True)
    assert "Người có công" in page
    assert "Ghi nhận khoản thu 75.000 đồng" in page

    # Cash at the desk: the receipt number is required; then one payment, one receipt.
    _post(client, base + "/desk", base, method="cash", receipt_number="")
    assert "Cần nhập số biên lai" in client.get(base).get_data(as_text=True)
    assert _dossier(app, world["dossier"])[2] == []
    _post(client, base + "/desk", base, method="cash", receipt_number="BL-0077")
    status, national, payments, receipts = _dossier(app, world["dossier"])
    assert (status, national, payments, receipts) == (
        Status.IN_PROGRESS,
        NationalStatus.IN_PROGRESS,
        [(PaymentState.PAID, "BL-0077")],
        1,
    )
    page = client.get(base).get_data(as_text=True)
    assert "BL-0077" in page
    assert "Đã thanh toán" in page
    _post(client, base + "/desk", base, method="card", receipt_number="BL-0078")
    assert _dossier(app, world["dossier"])[2:] == ([(PaymentState.PAID, "BL-0077")], 1)

    # The leader stops the dossier; the desk refunds, with a reason and a reference.
    with get_db(app).factory() as db:
        dossier = db.get(Dossier, world["dossier"])
        assert dossier is not None
        leader = db.get(User, world["leader"])
        assert leader is not None
        stop(db, leader.actor(), dossier, "Không đủ điều kiện")
        payment_id = db.scalar(select(Payment.id).where(Payment.txn_ref == "BL-0077"))
        db.commit()
    _post(client, f"{base}/{payment_id}/refund", base, reason="Dừng xử lý", reference="")
    assert "Cần nêu lý do và số chứng từ hoàn trả" in client.get(base).get_data(as_text=True)
    assert _dossier(app, world["dossier"])[2] == [(PaymentState.PAID, "BL-0077")]
    _post(client, f"{base}/{payment_id}/refund", base, reason="Dừng xử lý", reference="UNC-55")
    assert _dossier(app, world["dossier"])[2] == [(PaymentState.REFUNDED, "BL-0077")]
    with get_db(app).factory() as db:
        assert [(r.reason, r.reference, r.amount_vnd) for r in db.scalars(select(Refund))] == [
            ("Dừng xử lý", "UNC-55", 75000)
        ]

    # The finance page and its workbook show what came in and what went back.
    finance = client.get("/backoffice/finance").get_data(as_text=True)
    assert world["agency"] in finance
    assert finance.count("75.000 (1)") == 2  # collected and refunded
    workbook = client.get("/backoffice/finance.xlsx")
    assert workbook.status_code == 200
    assert workbook.headers["Content-Disposition"].startswith('attachment; filename="thu-phi-')
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    assert sheet is not None
    row = [cell.value for cell in sheet[2]]
    assert row[1:] == [world["agency"], 75000, 1, 0, 0, 75000, 1, 0, 0, 0]
    api = client.get("/api/v1/backoffice/finance", headers=bearer(world["citizen_token"]))
    assert api.status_code == 404


def test_citizens_and_other_agencies_see_no_payment_pages(app: Any, client: Any) -> None:
    world = _world(app)
    base = f"/backoffice/dossiers/{world['dossier']}/payments"
    for who, home in (("dan", "/my/dossiers"), ("khac", "/backoffice/")):
        browser = app.test_client()
        login(browser, who)
        assert browser.get(base).status_code == 404, who
        for action, data in (
            ("/request", {}),
            ("/desk", {"method": "cash", "receipt_number": "X-1"}),
            ("/exempt", {"fee_id": "1", "reason": "tự miễn"}),
        ):
            assert _post(browser, base + action, home, **data).status_code == 404, (who, action)
        assert (
            _post(browser, base + "/1/refund", home, reason="r", reference="x").status_code == 404
        )
    assert _dossier(app, world["dossier"])[:3] == (Status.RECEIVED, NationalStatus.RECEIVED, [])

    # The finance figures: 404 to a citizen; another agency's clerk sees none of ours.
    citizen = app.test_client()
    login(citizen, "dan")
    assert citizen.get("/backoffice/finance").status_code == 404
    assert citizen.get("/backoffice/finance.xlsx").status_code == 404
    other = app.test_client()
    login(other, "khac")
    assert world["agency"] not in other.get("/backoffice/finance").get_data(as_text=True)

    # The JSON API answers 404 to a citizen before reading the body.
    for path in (
        f"/api/v1/backoffice/dossiers/{world['dossier']}/payment-request",
        f"/api/v1/backoffice/dossiers/{world['dossier']}/desk-payments",
    ):
        answer = client.post(path, headers=bearer(world["citizen_token"]), json={})
        assert answer.status_code == 404, path
    assert _dossier(app, world["dossier"])[2] == []
