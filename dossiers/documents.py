"""Documents the desk issues: rendered, sealed, stored in the dossier, registered, listed in
its timeline (Đ12.1.e).

A ``Printer`` carries what rendering needs beyond the session: the file store, the public
address that QR codes link to, and the keyring whose agency seals sign what is issued (Điều 5.5:
every electronic document is signed before it is issued). Use cases that issue a form take one.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.agencies import Agency, parent_on
from dossiers.calendar import VN_TZ
from dossiers.db import utcnow
from dossiers.events import apply
from dossiers.files import FileStore, store_bytes
from dossiers.lifecycle import Kind
from dossiers.pdf.forms import FormKind, FormVersion, render, version_for
from dossiers.pdf.marks import code128_svg, document_qr_text, qr_svg
from dossiers.procedures import time_limit_text
from dossiers.records import ComponentState, Dossier, DossierFile, FileKind
from dossiers.register import DocumentKind, IssuedDocument, register

if TYPE_CHECKING:
    from dossiers.signing.keys import Keyring

log = logging.getLogger(__name__)

_SLUG = {
    FormKind.RECEIPT: "giay-tiep-nhan",
    FormKind.SUPPLEMENT: "phieu-yeu-cau-bo-sung",
    FormKind.REFUSAL: "phieu-tu-choi",
    FormKind.LABEL: "nhan-ho-so",
    FormKind.LABEL_A4: "nhan-ho-so-a4",
    FormKind.COMPARISON: "bien-ban-doi-chieu",
    FormKind.APOLOGY: "phieu-xin-loi",
    FormKind.CONTROL_SHEET: "phieu-kiem-soat",
}


@dataclass(frozen=True)
class Printer:
    store: FileStore
    base_url: str
    place: str = "Đồng Tháp"  # the place name printed before the date
    keyring: "Keyring | None" = None  # the agencies' seal keys; None: forms go out unsigned

    def lookup_url(self, dossier: Dossier) -> str:
        return f"{self.base_url}/lookup?code={quote(dossier.code or '')}"


def _component_rows(dossier: Dossier) -> list[dict[str, Any]]:
    rows = []
    sources = {c.id: c for c in dossier.procedure_version.components}
    for component in dossier.components:
        if component.state in (ComponentState.PENDING, ComponentState.NOT_PROVIDED):
            continue
        source = sources.get(component.procedure_component_id or 0)
        if component.state == ComponentState.ATTACHED:
            form = "Bản điện tử" if dossier.channel == "online" else "Bản giấy, đã số hóa"
        elif component.state == ComponentState.NOT_DIGITIZABLE:
            form = "Bản giấy (không số hóa được)"
        else:
            form = "Bản giấy"
        if source is not None and source.originals and not source.copies:
            form += ", bản chính"
        elif source is not None and source.copies:
            form += ", bản sao"
        quantity = (
            max(1, len(component.current_files))
            if source is None
            else max(1, (source.originals or 0) + (source.copies or 0))
        )
        rows.append({"name": component.name, "form": form, "quantity": f"{quantity:02d}"})
    return rows


def _context(
    session: Session, dossier: Dossier, printer: Printer, actor: Actor, title: str
) -> dict[str, Any]:
    agency = dossier.receiving_agency
    parent = parent_on(session, agency, utcnow().astimezone(VN_TZ).date())
    version = dossier.procedure_version
    last4 = (dossier.applicant_id_number or "")[-4:]
    return {
        "dossier": {
            "code": dossier.code,
            "lookup_code": dossier.lookup_code,
            "received_at": dossier.received_at,
            "due_at": dossier.due_at,
            "submitted_at": dossier.submitted_at,
            "lookup_hint": f"Mã tra cứu: {dossier.lookup_code or ''}",
        },
        "agency": {
            "name": agency.name,
            "parent": parent.name if parent else "",
            "phone": agency.phone,
            "desk": f"Bộ phận Tiếp nhận và Trả kết quả – {agency.name}",
            "desk_short": "Bộ phận Tiếp nhận và Trả kết quả",
        },
        "applicant": {
            "name": dossier.applicant_name,
            "id_number": dossier.applicant_id_number,
            "address": dossier.applicant_address,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
        },
        "procedure": {
            "code": version.code,
            "name": version.name,
            "short_name": version.name if len(version.name) <= 90 else version.name[:87] + "…",
            "time_limit": time_limit_text(version),
        },
        "components": _component_rows(dossier),
        "paper_count": sum(
            1
            for c in dossier.components
            if c.state
            in (ComponentState.PAPER, ComponentState.NOT_DIGITIZABLE, ComponentState.ATTACHED)
            and dossier.channel != "online"
        ),
        "clerk": actor.full_name or actor.login,
        "place": printer.place,
        "return_place": agency.name,
        "lookup_url": f"{printer.base_url}/lookup",
        "qr": qr_svg(
            document_qr_text(
                dossier_code=dossier.code or "",
                procedure_code=version.code,
                applicant_id=last4 or None,
                document=title,
                url=printer.lookup_url(dossier),
            ),
            scale=2,
        ),
        "barcode": code128_svg(dossier.code or ""),
    }


def render_for(
    session: Session,
    actor: Actor,
    printer: Printer,
    dossier: Dossier,
    kind: FormKind,
    at: datetime,
    **extra: Any,
) -> tuple[FormVersion, bytes]:
    """Render a dossier's form without storing it (the control sheet is read live)."""
    title = version_for(kind, at.astimezone(VN_TZ).date()).title
    return render(
        kind,
        at,
        {
            **_context(session, dossier, printer, actor, title),
            "competent": dossier.competent_agency.name,
            **extra,
        },
    )


def seal(printer: Printer, agency: Agency, pdf: bytes) -> tuple[bytes, dict[str, Any]]:
    """The form signed with the issuing agency's seal certificate, and what to note on its file.

    Without a key for the agency the form still goes out (a dossier received at the counter
    must exist, Đ12.1.b) but unsigned and not registered, and its file says why, for staff."""
    from dossiers.errors import DomainError
    from dossiers.signing.seal import seal_form

    if printer.keyring is None:
        return pdf, {"seal": {"signed": False, "problem": "Chưa cấu hình khóa ký số"}}
    try:
        signed = seal_form(pdf, printer.keyring.agency(agency.code))
    except DomainError as error:
        log.warning("form of %s issued unsigned: %s", agency.code, error.message_en)
        return pdf, {"seal": {"signed": False, "problem": error.message}}
    return signed, {"seal": {"signed": True, "agency": agency.name}}


def register_form(
    session: Session,
    sha256: str,
    *,
    title: str,
    agency: Agency,
    issued_by: str,
    dossier: Dossier,
    number: str | None = None,
    file_id: int | None = None,
    at: datetime | None = None,
) -> IssuedDocument:
    """Into the register of issued documents, so /verify names it and says it was issued
    here (its SHA-256 is the one of the signed bytes handed out)."""
    return register(
        session,
        sha256=sha256,
        kind=DocumentKind.FORM,
        title=title,
        number=number,
        agency_id=agency.id,
        agency_name=agency.name,
        issued_by=issued_by,
        dossier_id=dossier.id,
        file_id=file_id,
        at=at,
    )


def store_form(
    session: Session,
    printer: Printer,
    dossier: Dossier,
    pdf: bytes,
    *,
    agency: Agency,
    title: str,
    filename: str,
    details: dict[str, Any],
    issued_by: str,
    uploaded_by_id: int | None,
    at: datetime,
    number: str | None = None,
) -> DossierFile:
    """Seal a rendered form, store it in the dossier and register it when it is signed."""
    signed, sealed = seal(printer, agency, pdf)
    blob = store_bytes(session, printer.store, signed)
    record = DossierFile(
        dossier=dossier,
        component_id=None,
        sha256=blob.sha256,
        size=blob.size,
        filename=filename,
        content_type="application/pdf",
        kind=FileKind.FORM,
        uploaded_by_id=uploaded_by_id,
        uploaded_at=at,
        details={**details, **sealed},
    )
    session.add(record)
    session.flush()
    if sealed["seal"]["signed"]:
        register_form(
            session,
            blob.sha256,
            title=title,
            agency=agency,
            issued_by=issued_by,
            dossier=dossier,
            number=number,
            file_id=record.id,
            at=at,
        )
    return record


def issue_document(
    session: Session,
    actor: Actor,
    printer: Printer,
    dossier: Dossier,
    kind: FormKind,
    *,
    at: datetime | None = None,
    issuer: Agency | None = None,
    **extra: Any,
) -> DossierFile:
    """Render a form for the dossier, seal it with the issuing agency's certificate (the
    receiving agency's unless ``issuer`` says otherwise), store the PDF in it, register it and
    record it in the timeline."""
    when = at or utcnow()
    form, pdf = render_for(session, actor, printer, dossier, kind, when, **extra)
    record = store_form(
        session,
        printer,
        dossier,
        pdf,
        agency=issuer or dossier.receiving_agency,
        title=form.title,
        filename=f"{_SLUG[kind]}-{dossier.code}.pdf",
        details={
            "form": kind.value,
            "number": form.number,
            "basis": form.basis,
            "title": form.title,
        },
        issued_by=actor.full_name or actor.login,
        uploaded_by_id=actor.user_id,
        at=when,
    )
    apply(
        session,
        dossier,
        Kind.DOCUMENT_ADDED,
        actor,
        at=when,
        payload={"file_id": record.id, "form": kind.value, "title": form.title},
    )
    return record
