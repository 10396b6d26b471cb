"""Điều 5.5: every form the one-stop system issues is signed with the issuing agency's seal
certificate before it is issued, and the public verification page names it.

Each form is produced by its own use case (the desk's decisions, counter intake, comparison,
the apology letter, the control sheet, the payment receipt job after the commit), with the
demo PKI as ``motcua demo`` makes it; then each goes through /verify and /api/v1/verify."""

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dossiers import apologies
from dossiers.documents import Printer
from dossiers.files import FileStore
from dossiers.intake import (
    Applicant,
    create_draft,
    mark_component,
    receive_at_counter,
    resubmit_dossier,
    submit_dossier,
)
from dossiers.lifecycle import Role
from dossiers.records import Channel, ComponentState, Dossier, DossierFile, FileKind
from dossiers.reports import control_sheet_pdf
from dossiers.review import accept_dossier, compare_originals, refuse_dossier, request_supplement
from dossiers.signing.demo import create_demo_pki
from dossiers.signing.keys import shared_keyring
from motcua.database import get_db
from payments.ledger import record_desk_payment, request_payment
from payments.models import Method
from tests import factories as f
from tests.signing.conftest import PASS
from tests.web import csrf_token

FEES = [{"kind": "Lệ phí", "amount_vnd": 75000, "channel": "all"}]


def _forms(app: Any) -> dict[str, tuple[bytes, str, str]]:
    """Every form each use case issued: (bytes, title, dossier code) by a readable name."""
    store = FileStore(app.config["MOTCUA_STORAGE"])
    found: dict[str, tuple[bytes, str, str]] = {}
    with get_db(app).factory() as db:
        for row in db.scalars(select(DossierFile).where(DossierFile.kind == FileKind.FORM)):
            name = f"{row.details['form']}-{row.dossier.code}"
            found[name] = (store.read(row.sha256), row.details["title"], row.dossier.code or "")
    return found


def _issue_every_form(app: Any) -> tuple[dict[str, tuple[bytes, str, str]], str]:
    with get_db(app).factory() as db:
        desk = f.agency(db, code="000.00.31.H99", name="Trung tâm Phục vụ hành chính công")
        version = f.procedure(
            db,
            desk,
            fees=FEES,
            components=[{"name": "Tờ khai", "requirement": "required", "originals": 1}],
        )
        citizen = f.user(db)
        clerk = f.user(db, Role.RECEPTION, desk).actor()
        officer = f.user(db, Role.OFFICER, desk).actor()
        leader = f.user(db, Role.LEADER, desk).actor()
        store = FileStore(app.config["MOTCUA_STORAGE"])
        create_demo_pki(db, store, app.config["MOTCUA_PKI_DIR"], PASS)  # as `motcua demo`
        printer = Printer(store, app.config["MOTCUA_BASE_URL"], keyring=shared_keyring(app.config))

        def online() -> Dossier:
            dossier = f.draft(db, citizen, version)
            for component in dossier.components:
                mark_component(db, citizen.actor(), dossier, component.id, ComponentState.PAPER)
            submit_dossier(db, citizen.actor(), dossier)
            return dossier

        first = online()
        request_supplement(
            db, clerk, first, {first.components[0].id: "Thiếu chữ ký"}, printer=printer
        )
        resubmit_dossier(db, citizen.actor(), first)
        accept_dossier(db, clerk, first, printer=printer)
        compare_originals(db, clerk, first, {first.components[0].id: (True, "")}, printer=printer)
        letter = apologies.prepare(db, first, actor=officer)
        assert first.due_at is not None
        apologies.approve(
            db,
            leader,
            letter,
            reason="Cần xác minh thực địa",
            new_due_at=first.due_at + timedelta(days=7),
            printer=printer,
        )
        request_payment(db, officer, first)
        record_desk_payment(db, clerk, first, Method.CASH, "0000777")
        refuse_dossier(db, clerk, online(), "Không thuộc thẩm quyền", printer=printer)
        counter = create_draft(
            db,
            clerk,
            version.code,
            Applicant("Lê Văn Cường", "082088009876"),
            channel=Channel.COUNTER,
        )
        for component in counter.components:
            mark_component(db, clerk, counter, component.id, ComponentState.PAPER)
        receive_at_counter(db, clerk, counter, printer=printer)
        sheet = control_sheet_pdf(db, leader, printer, first)
        first_code = first.code or ""
        db.commit()  # the payment receipt is issued by its job, after this commit
    forms = _forms(app)
    forms[f"control_sheet-{first_code}"] = (
        sheet,
        "Phiếu kiểm soát quá trình giải quyết hồ sơ",
        first_code,
    )
    return forms, first_code


def test_every_issued_form_is_sealed_and_named_on_verify(make_app: Any, tmp_path: Path) -> None:
    app = make_app(MOTCUA_PKI_DIR=str(tmp_path / "pki"), MOTCUA_KEY_PASSPHRASE=PASS)
    forms, _ = _issue_every_form(app)
    assert {name.split("-", 1)[0] for name in forms} == {
        "receipt",
        "supplement",
        "refusal",
        "comparison",
        "apology",
        "payment_receipt",
        "label",
        "label_a4",
        "control_sheet",
    }
    client = app.test_client()
    token = csrf_token(client.get("/verify").get_data(as_text=True))
    for name, (pdf, title, code) in forms.items():
        page = client.post(
            "/verify",
            data={"csrf_token": token, "file": (io.BytesIO(pdf), f"{name}.pdf")},
            content_type="multipart/form-data",
        ).get_data(as_text=True)
        assert "Văn bản hợp lệ" in page, name
        assert re.search(r'id="issued-here">\s*Có', page), name
        assert title in page, name
        assert code in page, name
        assert "Trung tâm Phục vụ hành chính công" in page, name
        report = client.post(
            "/api/v1/verify",
            data={"file": (io.BytesIO(pdf), "f.pdf")},
            content_type="multipart/form-data",
        ).get_json()
        assert report["valid"], (name, report)
        assert report["issued_here"], name
        issued = report["issued"]
        assert (issued["kind"], issued["title"], issued["dossier_code"]) == ("form", title, code)
        assert issued["agency"].startswith("Trung tâm Phục vụ hành chính công"), name
        assert issued["issued_at"]
    receipt = next(pdf for name, (pdf, _, _) in forms.items() if name.startswith("payment_receipt"))
    report = client.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(receipt), "bl.pdf")},
        content_type="multipart/form-data",
    ).get_json()
    assert report["issued"]["number"] == "0000777"


def test_a_tampered_form_is_not_valid_nor_issued_here(make_app: Any, tmp_path: Path) -> None:
    app = make_app(MOTCUA_PKI_DIR=str(tmp_path / "pki"), MOTCUA_KEY_PASSPHRASE=PASS)
    forms, code = _issue_every_form(app)
    receipt, _, _ = forms[f"receipt-{code}"]
    tampered = receipt.replace(b"/Producer", b"/Producex", 1)
    assert tampered != receipt
    client = app.test_client()
    report = client.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(tampered), "r.pdf")},
        content_type="multipart/form-data",
    ).get_json()
    assert not report["valid"]
    assert not report["issued_here"]
    token = csrf_token(client.get("/verify").get_data(as_text=True))
    page = client.post(
        "/verify",
        data={"csrf_token": token, "file": (io.BytesIO(tampered), "r.pdf")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Văn bản không hợp lệ" in page
