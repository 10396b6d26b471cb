"""Processing through the back-office pages and the JSON API, with who-sees-what."""

import io
from typing import Any

import pytest

from dossiers.accounts import issue_token
from dossiers.files import FileStore
from dossiers.intake import attach_file, mark_component, submit_dossier
from dossiers.lifecycle import Role, Status
from dossiers.records import Dossier
from dossiers.review import accept_dossier
from motcua.database import get_db
from tests import factories as f
from tests import samples
from tests.web import bearer, csrf_token, login

STEPS = [
    {"name": "Tiếp nhận", "role": "reception", "share_percent": 10},
    {"name": "Thẩm định", "role": "officer", "share_percent": 60},
    {"name": "Phê duyệt", "role": "leader", "share_percent": 20},
    {"name": "Trả kết quả", "role": "reception", "share_percent": 10},
]


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    store = FileStore(app.config["MOTCUA_STORAGE"])
    with get_db(app).factory() as db:
        centre = f.agency(db, code="000.00.01.H98", name="Trung tâm PVHCC")
        dept = f.agency(db, code="000.00.11.H98", name="Sở Xây dựng")
        other = f.agency(db, code="000.00.12.H98", name="Sở Tài chính")
        version = f.procedure(db, centre, dept, steps=STEPS)
        users = {
            "clerk": f.user(db, Role.RECEPTION, centre, login="clerk"),
            "officer": f.user(db, Role.OFFICER, dept, login="officer"),
            "leader": f.user(db, Role.LEADER, dept, login="leader"),
            "outsider": f.user(db, Role.OFFICER, other, login="outsider"),
        }
        citizen = f.user(db, login="citizen")
        dossier = f.draft(db, citizen, version)
        for c in dossier.components:
            if c.requirement == "required" and c.name.startswith("Đơn"):
                attach_file(
                    db,
                    citizen.actor(),
                    store,
                    dossier,
                    c.id,
                    filename="don.pdf",
                    content_type="application/pdf",
                    data=samples.pdf(),
                )
            else:
                mark_component(db, citizen.actor(), dossier, c.id, "paper")
        submit_dossier(db, citizen.actor(), dossier)
        accept_dossier(db, users["clerk"].actor(), dossier)
        tokens = {k: issue_token(db, u, "t") for k, u in users.items()}
        world = {
            "id": dossier.id,
            "code": dossier.code,
            "tokens": tokens,
            "ids": {k: u.id for k, u in users.items()},
            "citizen_token": issue_token(db, citizen, "t"),
        }
        db.commit()
        return world


def _status(app: Any, dossier_id: int) -> str:
    with get_db(app).factory() as db:
        return db.get(Dossier, dossier_id).status  # type: ignore[union-attr]


def test_officer_and_leader_work_a_dossier_through_the_pages(
    app: Any, client: Any, world: dict[str, Any]
) -> None:
    did = world["id"]
    login(client, "clerk")
    page = client.get(f"/backoffice/work/{did}").get_data(as_text=True)
    assert "Chuyển xử lý" in page
    token = csrf_token(page)
    revision = int(page.split('name="revision" value="')[1].split('"')[0])
    client.post(
        f"/backoffice/work/{did}/forward",
        data={"csrf_token": token, "revision": revision, "user_id": world["ids"]["officer"]},
    )
    # The same form sent twice (a double click) does not move the dossier twice.
    again = client.post(
        f"/backoffice/work/{did}/forward",
        data={"csrf_token": token, "revision": revision},
        follow_redirects=True,
    )
    assert "đã thay đổi" in again.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})

    login(client, "officer")
    queue = client.get("/backoffice/work/?q=mine").get_data(as_text=True)
    assert world["code"] in queue
    page = client.get(f"/backoffice/work/{did}").get_data(as_text=True)
    token = csrf_token(page)
    client.post(
        f"/backoffice/work/{did}/note", data={"csrf_token": token, "note": "Đã kiểm tra bản vẽ"}
    )
    resp = client.post(
        f"/backoffice/work/{did}/propose",
        data={
            "csrf_token": token,
            "note": "Đủ điều kiện cấp phép",
            "file": (io.BytesIO(samples.pdf()), "du-thao.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Đã trình kết quả" in resp.get_data(as_text=True)
    assert _status(app, did) == Status.PENDING_APPROVAL
    client.post("/logout", data={"csrf_token": token})

    login(client, "leader")
    approvals = client.get("/backoffice/work/?q=approval").get_data(as_text=True)
    assert world["code"] in approvals
    page = client.get(f"/backoffice/work/{did}").get_data(as_text=True)
    assert "du-thao.pdf" in page
    assert "Đã kiểm tra bản vẽ" in page
    token = csrf_token(page)
    client.post(
        f"/backoffice/work/{did}/send-back", data={"csrf_token": token, "reason": "Thiếu căn cứ"}
    )
    assert _status(app, did) == Status.IN_PROGRESS
    sheet = client.get(f"/backoffice/work/{did}/control-sheet.pdf")
    assert sheet.status_code == 200
    assert sheet.data.startswith(b"%PDF")


def test_the_api_hands_off_and_refuses_a_retry(client: Any, world: dict[str, Any]) -> None:
    did, tokens = world["id"], world["tokens"]
    clerk = bearer(tokens["clerk"])
    detail = client.get(f"/api/v1/work/{did}", headers=clerk).get_json()
    assert detail["actions"] == ["forward", "note"]
    moved = client.post(
        f"/api/v1/work/{did}/forward", headers=clerk, json={"revision": detail["revision"]}
    )
    assert moved.status_code == 200
    assert moved.get_json()["current_step"] == 2
    retry = client.post(
        f"/api/v1/work/{did}/forward", headers=clerk, json={"revision": detail["revision"]}
    )
    assert retry.status_code == 409
    officer = bearer(tokens["officer"])
    unit = client.get("/api/v1/work?queue=unit", headers=officer).get_json()
    assert [i["code"] for i in unit] == [world["code"]]
    took = client.post(f"/api/v1/work/{did}/assign", headers=officer, json={})
    assert took.get_json()["assignee_id"] == world["ids"]["officer"]
    bad = client.post(
        f"/api/v1/work/{did}/transfer", headers=officer, json={"agency": "999.99.99.H00"}
    )
    assert bad.status_code == 400
    assert "Không có cơ quan" in bad.get_json()["message"]
    sent = client.post(
        f"/api/v1/work/{did}/transfer",
        headers=officer,
        json={"agency": "000.00.12.H98", "days": 2, "note": "Xác định thuế"},
    )
    assert sent.get_json()["status"] == "at_other_agency"
    outsider = bearer(tokens["outsider"])
    incoming = client.get("/api/v1/work?queue=incoming", headers=outsider).get_json()
    assert [i["id"] for i in incoming] == [did]
    done = client.post(
        f"/api/v1/work/{did}/transfer-complete",
        headers=outsider,
        json={"opinion": "Không phát sinh nghĩa vụ"},
    )
    assert done.get_json()["status"] == "in_progress"
    rows = client.get(f"/api/v1/work/{did}/control-sheet", headers=officer).get_json()
    assert [r["kind"] for r in rows][-1] == "transfer_completed"


def test_who_may_see_and_act(client: Any, world: dict[str, Any]) -> None:
    did, tokens = world["id"], world["tokens"]
    outsider = bearer(tokens["outsider"])
    assert client.get(f"/api/v1/work/{did}", headers=outsider).status_code == 404
    assert client.post(f"/api/v1/work/{did}/forward", headers=outsider, json={}).status_code == 404
    citizen = bearer(world["citizen_token"])
    assert client.get(f"/api/v1/work/{did}", headers=citizen).status_code == 404
    officer = bearer(tokens["officer"])
    refused = client.post(f"/api/v1/work/{did}/forward", headers=officer, json={})
    assert refused.status_code == 403  # the desk's step
    assert client.get("/api/v1/work?queue=approval", headers=officer).status_code == 403
    login(client, "outsider")
    assert client.get(f"/backoffice/work/{did}").status_code == 404


def test_register_pages_and_exports(client: Any, world: dict[str, Any]) -> None:
    clerk = bearer(world["tokens"]["clerk"])
    from datetime import timedelta

    from dossiers.calendar import today_in_vietnam

    today = today_in_vietnam().isoformat()
    start = (today_in_vietnam() - timedelta(days=30)).isoformat()
    rows = client.get(
        f"/api/v1/work/register?agency=000.00.01.H98&from={start}&to={today}", headers=clerk
    ).get_json()
    assert [r["code"] for r in rows] == [world["code"]]
    xlsx = client.get(
        f"/api/v1/work/register?agency=000.00.01.H98&from={start}&to={today}&format=xlsx",
        headers=clerk,
    )
    assert xlsx.data[:2] == b"PK"
    other = client.get(
        f"/api/v1/work/register?agency=000.00.12.H98&from={start}&to={today}", headers=clerk
    )
    assert other.status_code == 404  # not an agency the clerk works for
    login(client, "clerk")
    page = client.get(f"/backoffice/work/register?from={start}&to={today}")
    assert world["code"] in page.get_data(as_text=True)
    pdf = client.get(f"/backoffice/work/register?from={start}&to={today}&format=pdf")
    assert pdf.data.startswith(b"%PDF")


def test_an_administrator_edits_the_process_for_later_dossiers(
    app: Any, client: Any, world: dict[str, Any]
) -> None:
    with get_db(app).factory() as db:
        f.user(db, Role.ADMIN, None, login="root")
        version_id = db.get(Dossier, world["id"]).procedure_version_id  # type: ignore[union-attr]
        db.commit()
    login(client, "clerk")
    assert client.get(f"/backoffice/work/processes/{version_id}").status_code == 403
    client.post(
        "/logout",
        data={"csrf_token": csrf_token(client.get("/backoffice/work/").get_data(as_text=True))},
    )
    login(client, "root")
    page = client.get(f"/backoffice/work/processes/{version_id}").get_data(as_text=True)
    token = csrf_token(page)
    form = {
        "csrf_token": token,
        "name": ["Tiếp nhận", "Thẩm định", "Kiểm tra thực địa", "Phê duyệt", ""],
        "role": ["reception", "officer", "officer", "leader", "officer"],
        "agency_id": ["", "", "", "", ""],
        "share_percent": ["10", "40", "30", "10", ""],
    }
    refused = client.post(
        f"/backoffice/work/processes/{version_id}", data=form, follow_redirects=True
    )
    assert "phải bằng 100" in refused.get_data(as_text=True)  # 90 %
    form["share_percent"] = ["10", "40", "30", "20", ""]
    client.post(f"/backoffice/work/processes/{version_id}", data=form)
    with get_db(app).factory() as db:
        from dossiers.plans import steps_of
        from dossiers.procedures import ProcedureVersion

        version = db.get(ProcedureVersion, version_id)
        assert [s.name for s in version.steps] == [
            "Tiếp nhận",
            "Thẩm định",  # type: ignore
            "Kiểm tra thực địa",
            "Phê duyệt",
        ]
        # The dossier received before keeps the plan it was given.
        old = steps_of(db, db.get(Dossier, world["id"]))  # type: ignore[arg-type]
        assert [s.name for s in old] == [s["name"] for s in STEPS]


def test_an_officer_sends_a_dossier_to_another_installation(
    app: Any, client: Any, world: dict[str, Any], tmp_path: Any
) -> None:
    from dossiers.actors import Actor
    from dossiers.exchange import keys
    from dossiers.exchange.models import Direction, ExchangeMessage
    from dossiers.exchange.operations import add_peer

    other = keys.generate(tmp_path / "peer", "pw", "Bộ Tài chính")
    with get_db(app).factory() as db:
        add_peer(
            db,
            Actor.system("test"),
            name="Bộ Tài chính",
            base_url="http://127.0.0.1:9",
            agency_codes=["000.00.03.G12"],
            certificates=other.certificate_pem,
            outbound_token="tok",
        )
        db.commit()
    did, tokens = world["id"], world["tokens"]
    client.post(f"/api/v1/work/{did}/forward", headers=bearer(tokens["clerk"]), json={})
    client.post(f"/api/v1/work/{did}/assign", headers=bearer(tokens["officer"]), json={})
    login(client, "officer")
    page = client.get(f"/backoffice/work/{did}").get_data(as_text=True)
    assert "Chuyển liên thông sang hệ thống khác" in page
    resp = client.post(
        f"/backoffice/work/{did}/transfer-remote",
        data={
            "csrf_token": csrf_token(page),
            "peer_id": "1",
            "agency_code": "000.00.03.G12",
            "note": "Đề nghị xác định nghĩa vụ tài chính",
        },
        follow_redirects=True,
    )
    assert "Đã gửi hồ sơ sang hệ thống liên thông" in resp.get_data(as_text=True)
    assert _status(app, did) == Status.AT_OTHER_AGENCY
    with get_db(app).factory() as db:
        from sqlalchemy import select

        out = db.scalars(
            select(ExchangeMessage).where(ExchangeMessage.direction == Direction.OUT)
        ).all()
        assert [m.dossier_id for m in out] == [did]  # queued; the peer is down, it waits


def test_staff_notes_stay_off_the_citizen_s_page_api_and_the_public_lookup(
    app: Any, client: Any, world: dict[str, Any]
) -> None:
    """Phân công, chuyển bước and working notes are the administration's; the applicant sees
    what concerns them (the supplement request with its reason); the lookup shows milestones."""
    did, tokens = world["id"], world["tokens"]
    clerk, officer = bearer(tokens["clerk"]), bearer(tokens["officer"])

    def act(headers: dict[str, str], action: str, **data: Any) -> dict[str, Any]:
        revision = client.get(f"/api/v1/work/{did}", headers=headers).get_json()["revision"]
        answer = client.post(
            f"/api/v1/work/{did}/{action}", headers=headers, json={"revision": revision, **data}
        )
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    act(clerk, "forward", user_id=world["ids"]["officer"], note="Đề nghị thẩm định gấp")
    act(officer, "note", note="Đã gọi chủ đầu tư, hẹn thứ Hai")
    act(officer, "supplement", reasons={}, note="Bổ sung bản vẽ mặt bằng tầng 1")
    internal = ("Đề nghị thẩm định gấp", "Đã gọi chủ đầu tư")

    mine = client.get(f"/api/v1/dossiers/{did}", headers=bearer(world["citizen_token"])).get_json()
    kinds = [e["kind"] for e in mine["events"]]
    assert "forwarded" not in kinds
    assert "note_added" not in kinds
    asked = next(e for e in mine["events"] if e["kind"] == "supplement_requested")
    assert asked["reason"] == "Bổ sung bản vẽ mặt bằng tầng 1"
    assert not any(text in str(mine) for text in internal)

    login(client, "citizen")
    page = client.get(f"/my/dossiers/{did}").get_data(as_text=True)
    assert "Bổ sung bản vẽ mặt bằng tầng 1" in page
    assert "Phân công xử lý" not in page
    assert "Chuyển bước xử lý" not in page
    assert not any(text in page for text in internal)
    client.post("/logout", data={"csrf_token": csrf_token(page)})

    lookup = client.get(f"/lookup?code={world['code']}&secret=6789").get_data(as_text=True)
    assert "Yêu cầu bổ sung, hoàn thiện hồ sơ" in lookup
    assert "Bổ sung bản vẽ mặt bằng" not in lookup
    assert not any(text in lookup for text in internal)

    login(client, "officer")
    staff_page = client.get(f"/backoffice/work/{did}").get_data(as_text=True)
    assert all(text in staff_page for text in internal)
    assert "Bổ sung bản vẽ mặt bằng tầng 1" in staff_page
    overview = client.get(f"/backoffice/dossiers/{did}").get_data(as_text=True)
    assert all(text in overview for text in internal)
    staff_api = client.get(f"/api/v1/work/{did}", headers=officer).get_json()
    assert all(text in str(staff_api["history"]) for text in internal)


def test_a_reason_is_printed_once_in_the_staff_timeline(client: Any, world: dict[str, Any]) -> None:
    did, tokens = world["id"], world["tokens"]
    clerk, officer = bearer(tokens["clerk"]), bearer(tokens["officer"])
    for headers, action, data in (
        (clerk, "forward", {"user_id": world["ids"]["officer"]}),
        (officer, "supplement", {"reasons": {}, "note": "Bổ sung bản vẽ mặt bằng"}),
    ):
        revision = client.get(f"/api/v1/work/{did}", headers=headers).get_json()["revision"]
        assert (
            client.post(
                f"/api/v1/work/{did}/{action}", headers=headers, json={"revision": revision, **data}
            ).status_code
            == 200
        )
    login(client, "officer")
    page = client.get(f"/backoffice/work/{did}").get_data(as_text=True)
    history = page.split('id="history"', 1)[1].split("</ol>", 1)[0]
    assert history.count("Bổ sung bản vẽ mặt bằng") == 1
