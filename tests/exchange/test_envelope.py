"""The edXML envelope, the detached signature and the receipt, without a database."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from dossiers.errors import InvalidInput
from dossiers.exchange import keys
from dossiers.exchange.envelope import (
    EDXML,
    FileRef,
    Manifest,
    Party,
    Receipt,
    export_document,
    from_xml,
    parse_receipt,
    parse_xml,
    receipt_xml,
    to_xml,
)


def _manifest() -> Manifest:
    return Manifest(
        message_id="6f1c",
        kind="dossier",
        sent_at=datetime(2026, 2, 13, 2, 0, tzinfo=UTC),
        sender=Party("000.00.12.H20", "Sở Xây dựng tỉnh Đồng Tháp"),
        receiver=Party("000.00.03.G12"),
        dossier_code="000.00.12.H20-260213-0001",
        procedure_code="1.009001",
        procedure_name="Cấp giấy phép xây dựng",
        note="Đề nghị",
        staff="Nguyễn Văn An",
        dossier={
            "applicant_name": "Trần Thị Bích Ngọc",
            "channel": "counter",
            "components": [
                {
                    "position": 1,
                    "name": "Đơn đề nghị",
                    "requirement": "required",
                    "state": "attached",
                    "note": None,
                }
            ],
        },
        files=[
            FileRef(
                cid="f1",
                name="Đơn.pdf",
                content_type="application/pdf",
                sha256="ab" * 32,
                size=10,
                component=1,
                description="Đơn đề nghị",
            )
        ],
    )


def test_manifest_round_trips_through_edxml() -> None:
    data = to_xml(_manifest())
    root = parse_xml(data)
    header = root.find(f"{{{EDXML}}}edXMLHeader/{{{EDXML}}}MessageHeader")
    assert header is not None
    assert header.findtext(f"{{{EDXML}}}From/{{{EDXML}}}OrganId") == "000.00.12.H20"
    assert header.findtext(f"{{{EDXML}}}To/{{{EDXML}}}OrganId") == "000.00.03.G12"
    assert header.findtext(f"{{{EDXML}}}Code/{{{EDXML}}}CodeNumber") == "000.00.12.H20-260213-0001"
    assert header.findtext(f"{{{EDXML}}}DocumentId") == "6f1c"
    assert "Cấp giấy phép xây dựng" in (header.findtext(f"{{{EDXML}}}Subject") or "")
    back = from_xml(data)
    assert back == _manifest()


def test_envelope_with_a_dtd_is_refused() -> None:
    with pytest.raises(InvalidInput, match="DTD"):
        parse_xml(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')


def test_export_carries_each_file_base64() -> None:
    data = export_document(_manifest(), {"f1": b"%PDF-1.4 ..."})
    root = parse_xml(data)
    text = root.findtext(
        f"{{{EDXML}}}AttachmentEncoded/{{{EDXML}}}Attachment/{{{EDXML}}}AttachmentText"
    )
    assert text == "JVBERi0xLjQgLi4u"


def test_signature_verifies_only_with_a_registered_certificate(tmp_path: Path) -> None:
    ours = keys.generate(tmp_path / "a", "passphrase-a", "Motcua A")
    other = keys.generate(tmp_path / "b", "passphrase-b", "Motcua B")
    data = to_xml(_manifest())
    signature = ours.sign(data)
    assert keys.verify([ours.certificate_pem], ours.certificate_pem, data, signature) is None
    assert (
        keys.verify([other.certificate_pem], ours.certificate_pem, data, signature)
        == "certificate_not_registered"
    )
    assert (
        keys.verify([ours.certificate_pem], ours.certificate_pem, data + b" ", signature)
        == "bad_signature"
    )
    assert (
        keys.verify(
            [ours.certificate_pem, other.certificate_pem], other.certificate_pem, data, signature
        )
        == "bad_signature"
    )
    reloaded = keys.load(tmp_path / "a", "passphrase-a")
    assert reloaded.fingerprint == ours.fingerprint
    with pytest.raises(InvalidInput, match="mật khẩu"):
        keys.load(tmp_path / "a", "wrong")
    with pytest.raises(InvalidInput):
        keys.generate(tmp_path / "a", "passphrase-a", "again")


def test_receipt_round_trips() -> None:
    receipt = Receipt(
        "6f1c",
        "cd" * 32,
        "refused",
        datetime(2026, 2, 13, tzinfo=UTC),
        "000.00.03.G12",
        "file_hash_mismatch",
        "Tệp «Đơn.pdf» không khớp",
        "x",
    )
    assert parse_receipt(receipt_xml(receipt)) == receipt
