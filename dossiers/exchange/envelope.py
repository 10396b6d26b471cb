"""The message envelope: a manifest mapped onto edXML (QCVN 102:2016, FACTS §8).

What maps onto edXML does: ``MessageHeader`` (From/To ``OrganId``, ``Code`` with the dossier
code, ``Subject``, ``Content``, ``DocumentId`` = our message id, ``ResponseFor`` = the message
answered, ``DueDate``), the ``TraceHeaderList`` (who sent it, when, ``Bussiness`` with the
business type and reason) and the ``edXMLManifest`` (one ``Reference`` per file, ``cid:`` linked).
What edXML has no place for goes into one ``mc:Exchange`` element of our own namespace in the
body: the kind of message, the dossier (applicant, components) and each file's SHA-256 and
size. The files travel beside the envelope (multipart parts named by their content id) rather
than base64 inside it; ``export_document`` gives the classic edXML with ``AttachmentEncoded``.

The envelope is signed as bytes (``keys.Signer.sign``): the signature is detached, not XML-DSig.
"""

import base64
import xml.etree.ElementTree as ET  # noqa: S405 - we build XML; parsing is guarded below
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dossiers.errors import InvalidInput

EDXML = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
MC = "urn:motcua:exchange:1"
ET.register_namespace("edXML", EDXML)
ET.register_namespace("mc", MC)
MAX_ENVELOPE = 2 * 1024 * 1024


def _e(tag: str) -> str:
    return f"{{{EDXML}}}{tag}"


def _m(tag: str) -> str:
    return f"{{{MC}}}{tag}"


@dataclass
class Party:
    code: str
    name: str = ""


@dataclass
class FileRef:
    cid: str
    name: str
    content_type: str
    sha256: str
    size: int
    kind: str = "upload"
    description: str = ""
    component: int | None = None  # position of the component it belongs to


@dataclass
class Manifest:
    message_id: str
    kind: str  # dossier / status / result
    sent_at: datetime
    sender: Party
    receiver: Party
    dossier_code: str
    procedure_code: str = ""
    procedure_name: str = ""
    note: str = ""
    reply_to: str | None = None
    status: str | None = None  # accepted / refused (status messages)
    reason: str | None = None
    staff: str = ""
    due_at: datetime | None = None
    dossier: dict[str, Any] = field(default_factory=dict)  # applicant, channel, components
    files: list[FileRef] = field(default_factory=list)

    @property
    def label(self) -> str:
        return {
            "dossier": "Hồ sơ liên thông",
            "status": "Trạng thái hồ sơ liên thông",
            "result": "Kết quả xử lý hồ sơ liên thông",
        }.get(self.kind, self.kind)

    @property
    def subject(self) -> str:
        return f"{self.label} {self.dossier_code}: {self.procedure_name}".strip(": ")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


def _party(parent: ET.Element, tag: str, party: Party) -> None:
    node = _sub(parent, _e(tag))
    _sub(node, _e("OrganId"), party.code)
    _sub(node, _e("OrganName"), party.name)


def _header(root: ET.Element, m: Manifest) -> None:
    header = _sub(root, _e("edXMLHeader"))
    mh = _sub(header, _e("MessageHeader"))
    _party(mh, "From", m.sender)
    _party(mh, "To", m.receiver)
    code = _sub(mh, _e("Code"))
    _sub(code, _e("CodeNumber"), m.dossier_code)
    _sub(code, _e("CodeNotation"), "HSLT")  # hồ sơ liên thông
    promulgation = _sub(mh, _e("PromulgationInfo"))
    _sub(promulgation, _e("PromulgationDate"), m.sent_at.date().isoformat())
    doc_type = _sub(mh, _e("DocumentType"))
    _sub(doc_type, _e("Type"), m.kind)
    _sub(doc_type, _e("TypeName"), m.label)
    _sub(mh, _e("Subject"), m.subject)
    _sub(mh, _e("Content"), m.note)
    if m.staff:
        signer = _sub(mh, _e("SignerInfo"))
        _sub(signer, _e("FullName"), m.staff)
    if m.due_at is not None:
        _sub(mh, _e("DueDate"), m.due_at.isoformat())
    _sub(mh, _e("DocumentId"), m.message_id)
    if m.reply_to:
        _sub(mh, _e("ResponseFor"), m.reply_to)
    traces = _sub(header, _e("TraceHeaderList"))
    trace = _sub(traces, _e("TraceHeader"))
    _sub(trace, _e("OrganId"), m.sender.code)
    _sub(trace, _e("Timestamp"), m.sent_at.isoformat())
    business = _sub(traces, _e("Bussiness"))
    _sub(business, _e("BussinessDocType"), m.kind)
    _sub(business, _e("BussinessDocReason"), m.reason or m.status or "")
    _sub(business, _e("StaffInfo"), m.staff)


def _manifest(body: ET.Element, files: list[FileRef]) -> None:
    manifest = _sub(body, _e("edXMLManifest"), version="1.0")
    for f in files:
        ref = _sub(manifest, _e("Reference"))
        _sub(ref, _e("ContentId"), f"cid:{f.cid}")
        _sub(ref, _e("ContentType"), f.content_type)
        _sub(ref, _e("AttachmentName"), f.name)
        _sub(ref, _e("Description"), f.description)


def to_xml(m: Manifest) -> bytes:
    root = ET.Element(_e("edXMLEnvelope"))
    _header(root, m)
    body = _sub(root, _e("edXMLBody"))
    _manifest(body, m.files)
    ext = _sub(body, _m("Exchange"), version="1", kind=m.kind)
    for name, value in (
        ("DossierCode", m.dossier_code),
        ("ProcedureCode", m.procedure_code),
        ("ProcedureName", m.procedure_name),
        ("Status", m.status),
        ("Reason", m.reason),
        ("ReplyTo", m.reply_to),
        ("SentAt", m.sent_at.isoformat()),
    ):
        if value:
            _sub(ext, _m(name), value)
    dossier = _sub(ext, _m("Dossier"))
    for key in (
        "channel",
        "applicant_name",
        "applicant_id_number",
        "applicant_phone",
        "applicant_email",
        "applicant_address",
        "received_at",
        "due_at",
    ):
        if m.dossier.get(key):
            _sub(dossier, _m("Field"), str(m.dossier[key]), name=key)
    for comp in m.dossier.get("components", []):
        _sub(
            dossier,
            _m("Component"),
            comp.get("note") or "",
            position=str(comp["position"]),
            name=comp["name"],
            requirement=comp["requirement"],
            state=comp["state"],
        )
    files = _sub(ext, _m("Files"))
    for f in m.files:
        attrs = {"cid": f.cid, "sha256": f.sha256, "size": str(f.size), "kind": f.kind}
        if f.component is not None:
            attrs["component"] = str(f.component)
        _sub(files, _m("File"), **attrs)
    return _bytes(root)


def _bytes(root: ET.Element) -> bytes:
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _bad(detail: str) -> InvalidInput:
    return InvalidInput(
        f"Phong bì edXML không hợp lệ: {detail}",
        f"Invalid edXML envelope: {detail}",
        code="bad_envelope",
    )


def parse_xml(data: bytes) -> ET.Element:
    """Parse XML we were sent, refusing DTDs and entities (no entity expansion attacks)."""
    if len(data) > MAX_ENVELOPE:
        raise _bad("quá lớn / too large")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _bad("không chấp nhận DTD / no DTD allowed")
    try:
        return ET.fromstring(data)  # noqa: S314 - no DTD, signature already checked
    except ET.ParseError as error:
        raise _bad(str(error)) from None


def _text(node: ET.Element | None, path: str) -> str:
    found = node.find(path) if node is not None else None
    return (found.text or "") if found is not None else ""


def _when(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(f"thời điểm {value!r}") from None
    if parsed.tzinfo is None:
        raise _bad(f"thời điểm thiếu múi giờ {value!r}")
    return parsed


def from_xml(data: bytes) -> Manifest:
    root = parse_xml(data)
    if root.tag != _e("edXMLEnvelope"):
        raise _bad("thiếu edXMLEnvelope")
    mh = root.find(f"{_e('edXMLHeader')}/{_e('MessageHeader')}")
    ext = root.find(f"{_e('edXMLBody')}/{_m('Exchange')}")
    if mh is None or ext is None:
        raise _bad("thiếu MessageHeader hoặc mc:Exchange")
    refs: dict[str, ET.Element] = {}
    for listed in root.iterfind(f"{_e('edXMLBody')}/{_e('edXMLManifest')}/{_e('Reference')}"):
        refs[_text(listed, _e("ContentId")).removeprefix("cid:")] = listed
    files = []
    for node in ext.iterfind(f"{_m('Files')}/{_m('File')}"):
        cid = node.get("cid", "")
        ref = refs.get(cid)
        if ref is None:
            raise _bad(f"tệp {cid} không có trong edXMLManifest")
        try:
            size = int(node.get("size", ""))
            position = node.get("component")
            component = int(position) if position else None
        except ValueError:
            raise _bad(f"kích thước tệp {cid}") from None
        files.append(
            FileRef(
                cid=cid,
                name=_text(ref, _e("AttachmentName")),
                content_type=_text(ref, _e("ContentType")),
                sha256=node.get("sha256", "").lower(),
                size=size,
                kind=node.get("kind", "upload"),
                description=_text(ref, _e("Description")),
                component=component,
            )
        )
    if len(files) != len(refs):
        raise _bad("edXMLManifest và danh sách tệp không khớp")
    dossier: dict[str, Any] = {}
    dossier_node = ext.find(_m("Dossier"))
    if dossier_node is not None:
        for item in dossier_node.iterfind(_m("Field")):
            dossier[item.get("name", "")] = item.text or ""
        dossier["components"] = [
            {
                "position": int(c.get("position", "0")),
                "name": c.get("name", ""),
                "requirement": c.get("requirement", "optional"),
                "state": c.get("state", "pending"),
                "note": c.text or None,
            }
            for c in dossier_node.iterfind(_m("Component"))
        ]
    sent_at = _when(_text(ext, _m("SentAt")))
    message_id = _text(mh, _e("DocumentId"))
    if not message_id or sent_at is None:
        raise _bad("thiếu DocumentId hoặc thời điểm gửi")
    return Manifest(
        message_id=message_id,
        kind=ext.get("kind", ""),
        sent_at=sent_at,
        sender=Party(
            _text(mh, f"{_e('From')}/{_e('OrganId')}"), _text(mh, f"{_e('From')}/{_e('OrganName')}")
        ),
        receiver=Party(
            _text(mh, f"{_e('To')}/{_e('OrganId')}"), _text(mh, f"{_e('To')}/{_e('OrganName')}")
        ),
        dossier_code=_text(ext, _m("DossierCode")),
        procedure_code=_text(ext, _m("ProcedureCode")),
        procedure_name=_text(ext, _m("ProcedureName")),
        note=_text(mh, _e("Content")),
        reply_to=_text(ext, _m("ReplyTo")) or None,
        status=_text(ext, _m("Status")) or None,
        reason=_text(ext, _m("Reason")) or None,
        staff=_text(mh, f"{_e('SignerInfo')}/{_e('FullName')}"),
        due_at=_when(_text(mh, _e("DueDate"))),
        dossier=dossier,
        files=files,
    )


# --- receipts -------------------------------------------------------------------------------


@dataclass
class Receipt:
    message_id: str
    envelope_sha256: str
    state: str  # received / refused
    at: datetime
    receiver: str  # our agency identifier (the envelope's To)
    code: str = ""  # refusal code
    reason: str = ""
    reason_en: str = ""
    reference: str = ""  # our code for the stored dossier


def receipt_xml(r: Receipt) -> bytes:
    root = ET.Element(_m("Receipt"), {"version": "1"})
    for name, value in (
        ("MessageId", r.message_id),
        ("EnvelopeSHA256", r.envelope_sha256),
        ("State", r.state),
        ("ReceivedAt", r.at.isoformat()),
        ("Receiver", r.receiver),
        ("Code", r.code),
        ("Reason", r.reason),
        ("ReasonEn", r.reason_en),
        ("Reference", r.reference),
    ):
        _sub(root, _m(name), value)
    return _bytes(root)


def parse_receipt(data: bytes) -> Receipt:
    root = parse_xml(data)
    if root.tag != _m("Receipt"):
        raise _bad("không phải biên nhận / not a receipt")
    at = _when(_text(root, _m("ReceivedAt")))
    if at is None:
        raise _bad("biên nhận thiếu thời điểm")
    return Receipt(
        message_id=_text(root, _m("MessageId")),
        envelope_sha256=_text(root, _m("EnvelopeSHA256")),
        state=_text(root, _m("State")),
        at=at,
        receiver=_text(root, _m("Receiver")),
        code=_text(root, _m("Code")),
        reason=_text(root, _m("Reason")),
        reason_en=_text(root, _m("ReasonEn")),
        reference=_text(root, _m("Reference")),
    )


# --- export ---------------------------------------------------------------------------------


def export_document(m: Manifest, contents: dict[str, bytes]) -> bytes:
    """A self-contained edXML document: the header, the manifest and every file base64-encoded
    in ``AttachmentEncoded`` (the layout of the national document-exchange packets)."""
    root = ET.Element(_e("edXML"))
    envelope = ET.fromstring(to_xml(m))  # noqa: S314 - our own bytes
    root.append(envelope)
    attachments = _sub(root, _e("AttachmentEncoded"))
    for f in m.files:
        node = _sub(attachments, _e("Attachment"))
        _sub(node, _e("ContentId"), f"cid:{f.cid}")
        _sub(node, _e("ContentType"), f.content_type)
        _sub(node, _e("AttachmentName"), f.name)
        _sub(node, _e("ContentTransferEncoded"), "base64")
        _sub(node, _e("AttachmentText"), base64.b64encode(contents[f.cid]).decode())
    return _bytes(root)
