"""Two installations on loopback exchange a dossier there and back (issue 6, Đ12.2).

Each installation is its own `motcua run` process with its own database (SQLite or
PostgreSQL), file store, agencies and exchange key; jobs run inline after each commit. The
administrators register each other with the CLI. A sends while B is down (delivered once B is
back and A resends), B refuses a tampered file, a replay and a stranger's key, accepts, returns
a result; A ends with the dossier back in progress and B's result file in it.
"""

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dossiers import events
from dossiers.accounts import issue_token
from dossiers.exchange import keys
from dossiers.exchange.envelope import from_xml, parse_receipt, to_xml
from dossiers.exchange.models import Direction, ExchangeMessage, MessageState
from dossiers.exchange.send import multipart
from dossiers.files import FileStore
from dossiers.intake import Applicant, attach_file, create_draft, mark_component, receive_at_counter
from dossiers.lifecycle import Kind, Role, Status
from dossiers.processing import forward
from dossiers.records import Channel, ComponentState, Dossier, DossierFile, FileKind
from motcua.demo import sample_pdf
from tests import factories as f
from tests.conftest import BACKENDS, fresh_database
from tests.exchange.installations import PASSPHRASE, Installation

A_AGENCY, B_AGENCY = "000.00.12.H20", "000.00.03.G12"
PROCEDURE = "1.009001"


def _world_a(a: Installation) -> dict[str, Any]:
    with a.session() as db:
        agency = f.agency(db, code=A_AGENCY, name="Sở Xây dựng tỉnh Đồng Tháp")
        version = f.procedure(db, agency, code=PROCEDURE)
        clerk = f.user(db, Role.RECEPTION, agency)
        officer = f.user(db, Role.OFFICER, agency)
        dossier = create_draft(
            db,
            clerk.actor(),
            version.code,
            Applicant(
                name="Trần Thị Bích Ngọc",
                id_number="082190000123",
                address="Phường Mỹ Tho, tỉnh Đồng Tháp",
            ),
            channel=Channel.COUNTER,
        )
        store = FileStore(a.root / "files")
        first, second = dossier.components[0], dossier.components[1]
        attach_file(
            db,
            clerk.actor(),
            store,
            dossier,
            first.id,
            filename="Đơn đề nghị.pdf",
            content_type="application/pdf",
            data=sample_pdf(),
        )
        mark_component(db, clerk.actor(), dossier, second.id, ComponentState.PAPER)
        receive_at_counter(db, clerk.actor(), dossier)
        forward(db, clerk.actor(), dossier, to_user_id=officer.id)
        token = issue_token(db, officer, "officer")
        db.commit()
        return {"dossier": dossier.id, "code": dossier.code, "officer": token}


def _world_b(b: Installation) -> dict[str, Any]:
    with b.session() as db:
        agency = f.agency(db, code=B_AGENCY, name="Cục Thuế (thử nghiệm)")
        f.procedure(db, agency, code=PROCEDURE)
        clerk = f.user(db, Role.RECEPTION, agency)
        token = issue_token(db, clerk, "clerk")
        db.commit()
        return {"clerk": token}


@pytest.fixture(params=BACKENDS)
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Installation, ...]]:
    installs = []
    for name in ("a", "b"):
        root = tmp_path / name
        root.mkdir()
        installs.append(
            Installation(name, fresh_database(request.param, f"xchg_{name}", root), root)
        )
    a, b = installs
    try:
        yield a, b
    finally:
        a.dispose()
        b.dispose()


def _register(a: Installation, b: Installation) -> dict[str, str]:
    a.cli("exchange", "keygen", "--name", "Motcua Đồng Tháp")
    b.cli("exchange", "keygen", "--name", "Motcua Bộ Tài chính")
    (a.root / "peer.pem").write_text(b.cli("exchange", "certificate") + "\n")
    (b.root / "peer.pem").write_text(a.cli("exchange", "certificate") + "\n")
    a_calls_b = b.cli(
        "exchange",
        "peers",
        "add",
        "Dong Thap",
        "--url",
        a.url,
        "--agency",
        A_AGENCY,
        "--cert",
        str(b.root / "peer.pem"),
    )
    b_calls_a = a.cli(
        "exchange",
        "peers",
        "add",
        "Bo Tai chinh",
        "--url",
        b.url,
        "--agency",
        B_AGENCY,
        "--cert",
        str(a.root / "peer.pem"),
        "--token",
        a_calls_b,
    )
    b.cli("exchange", "peers", "set", "Dong Thap", "--token", b_calls_a)
    return {"a_calls_b": a_calls_b}


def _dossiers_from_a(b: Installation) -> list[Dossier]:
    with b.session() as db:
        return [
            d
            for d in db.scalars(select(Dossier)).all()
            if d.applicant.get("exchange", {}).get("peer") == "Dong Thap"
        ]


def _post_message(
    b: Installation,
    token: str,
    envelope: bytes,
    signer: keys.Signer,
    files: dict[str, tuple[str, str, bytes]],
) -> tuple[int, Any]:
    body, content_type = multipart(
        {
            "signature": base64.b64encode(signer.sign(envelope)).decode(),
            "certificate": signer.certificate_pem,
        },
        {"envelope": ("e.xml", "application/xml", envelope), **files},
    )
    return b.call("POST", "/api/v1/exchange/messages", token, body, content_type)


def test_a_dossier_goes_to_another_installation_and_comes_back(
    pair: tuple[Installation, Installation],
) -> None:
    a, b = pair
    world_a, world_b = _world_a(a), _world_b(b)
    tokens = _register(a, b)
    a.start()  # B is down

    # A's officer sends; the peer is down, so the message waits in the outbox.
    status, body = a.post_json(
        f"/api/v1/exchange/dossiers/{world_a['dossier']}/send",
        world_a["officer"],
        {"peer": "Bo Tai chinh", "agency": B_AGENCY, "note": "Đề nghị xác định nghĩa vụ thuế"},
    )
    assert status == 200, body
    assert body["dossier"]["status"] == Status.AT_OTHER_AGENCY
    with a.session() as db:
        sent = db.scalar(select(ExchangeMessage).where(ExchangeMessage.direction == "out"))
        assert sent is not None
        assert sent.state == MessageState.QUEUED
        assert sent.attempts == 1
        assert "127.0.0.1" in (sent.last_error or "")
        message_id = sent.message_id

    # B comes back; A resends now (not waiting for the backoff): delivered, exactly once.
    b.start()
    assert a.cli("exchange", "retry", "--all") == "1"
    assert a.cli("exchange", "retry", "--all") == "0", a.cli("exchange", "log")
    with a.session() as db:
        sent = db.scalar(select(ExchangeMessage).where(ExchangeMessage.message_id == message_id))
        assert sent is not None
        assert sent.state == MessageState.ACKNOWLEDGED, sent.last_error
        receipt = parse_receipt((sent.receipt or "").encode())
        assert receipt.state == "received"
        assert receipt.message_id == message_id
        envelope = sent.envelope.encode()
        stored_receipt, signature = sent.receipt, sent.signature
    received = _dossiers_from_a(b)
    assert len(received) == 1
    incoming = received[0]
    assert incoming.status == Status.SUBMITTED
    assert incoming.applicant["exchange"]["remote_code"] == world_a["code"]
    assert receipt.reference == incoming.code
    assert incoming.code.startswith(B_AGENCY)
    with b.session() as db:
        files = db.scalars(select(DossierFile).where(DossierFile.dossier_id == incoming.id)).all()
        assert [x.filename for x in files] == ["Đơn đề nghị.pdf"]
        assert FileStore(b.root / "files").read(files[0].sha256) == sample_pdf()
        states = {c.name: c.state for c in db.get(Dossier, incoming.id).components}  # type: ignore[union-attr]
        assert ComponentState.PAPER in states.values()

    # A replayed message is acknowledged with the same receipt and stores nothing.
    parts = {
        ref.cid: (ref.name, ref.content_type, sample_pdf()) for ref in from_xml(envelope).files
    }
    replay_body, replay_type = multipart(
        {
            "signature": signature or "",
            "certificate": (a.root / "exchange" / keys.CERT_FILE).read_text(),
        },
        {"envelope": ("e.xml", "application/xml", envelope), **parts},
    )
    status, answer = b.call(
        "POST", "/api/v1/exchange/messages", tokens["a_calls_b"], replay_body, replay_type
    )
    assert status == 200
    assert answer["state"] == "received"
    assert base64.b64decode(answer["receipt"]).decode() == stored_receipt
    assert len(_dossiers_from_a(b)) == 1

    # A file changed on the way is refused, by name, and nothing is stored.
    a_signer = keys.load(a.root / "exchange", PASSPHRASE)
    manifest = from_xml(envelope)
    manifest.message_id = "tampered-" + message_id[:20]
    tampered = {
        ref.cid: (ref.name, ref.content_type, sample_pdf() + b"% changed") for ref in manifest.files
    }
    status, answer = _post_message(b, tokens["a_calls_b"], to_xml(manifest), a_signer, tampered)
    assert status == 422
    assert answer["code"] == "file_hash_mismatch"
    assert "Đơn đề nghị.pdf" in answer["message"]
    assert "SHA-256" in answer["message"]
    assert len(_dossiers_from_a(b)) == 1

    # A message signed by a key nobody registered is refused.
    stranger = keys.generate(a.root / "stranger", "x" * 12, "Kẻ mạo danh")
    manifest.message_id = "stranger-" + message_id[:20]
    status, answer = _post_message(b, tokens["a_calls_b"], to_xml(manifest), stranger, parts)
    assert status == 422
    assert answer["code"] == "certificate_not_registered"
    assert len(_dossiers_from_a(b)) == 1
    # … and a token nobody issued is not even heard.
    status, answer = _post_message(b, "mcx_wrong", to_xml(manifest), a_signer, parts)
    assert status == 401
    with b.session() as db:
        log = db.scalars(
            select(ExchangeMessage)
            .where(ExchangeMessage.direction == Direction.IN)
            .order_by(ExchangeMessage.id)
        ).all()
        assert [(m.state, m.attempts) for m in log] == [
            (MessageState.RECEIVED, 2),
            (MessageState.REFUSED, 1),
            (MessageState.REFUSED, 1),
        ]

    # B accepts: A sees the transfer accepted.
    status, body = b.post_json(
        f"/api/v1/exchange/dossiers/{incoming.id}/accept", world_b["clerk"], {"note": "Đã nhận"}
    )
    assert status == 200, body
    assert body["message"]["state"] == MessageState.ACKNOWLEDGED
    with a.session() as db:
        dossier = db.get(Dossier, world_a["dossier"])
        assert dossier is not None
        assert dossier.status == Status.AT_OTHER_AGENCY
        assert events.history(db, dossier)[-1].kind == Kind.TRANSFER_ACCEPTED

    # B works and returns its result; A has it, and the dossier is back in progress.
    result = sample_pdf().replace(b"%%EOF", b"% thong bao thue\n%%EOF")
    body_bytes, content_type = multipart(
        {"note": "Thông báo nộp thuế"}, {"files": ("Thông báo thuế.pdf", "application/pdf", result)}
    )
    status, body = b.call(
        "POST",
        f"/api/v1/exchange/dossiers/{incoming.id}/complete",
        world_b["clerk"],
        body_bytes,
        content_type,
    )
    assert status == 200, body
    assert body["message"]["state"] == MessageState.ACKNOWLEDGED
    with a.session() as db:
        dossier = db.get(Dossier, world_a["dossier"])
        assert dossier is not None
        assert dossier.status == Status.IN_PROGRESS
        kinds = [e.kind for e in events.history(db, dossier)]
        assert kinds[-4:] == [
            Kind.TRANSFERRED,
            Kind.TRANSFER_ACCEPTED,
            Kind.DOCUMENT_ADDED,
            Kind.TRANSFER_COMPLETED,
        ]
        returned = [x for x in dossier.files if x.details.get("exchange_result")]
        assert [(x.filename, x.kind) for x in returned] == [
            ("Thông báo thuế.pdf", FileKind.WORKING)
        ]
        assert FileStore(a.root / "files").read(returned[0].sha256) == result
        assert returned[0].sha256 == hashlib.sha256(result).hexdigest()
        counts = db.execute(
            select(ExchangeMessage.direction, ExchangeMessage.state, func.count()).group_by(
                ExchangeMessage.direction, ExchangeMessage.state
            )
        ).all()
        assert sorted(counts) == [("in", "received", 2), ("out", "acknowledged", 1)]
