"""Documents the desk issues: rendered, stored in the dossier, listed in its timeline (Đ12.1.e).

A ``Printer`` carries what rendering needs beyond the session: the file store and the public
address that QR codes link to. Use cases that issue a form take one.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.agencies import parent_on
from dossiers.calendar import VN_TZ
from dossiers.db import utcnow
from dossiers.events import apply
from dossiers.files import FileStore, store_bytes
from dossiers.lifecycle import Kind
from dossiers.pdf.forms import FormKind, FormVersion, render, version_for
from dossiers.pdf.marks import code128_svg, document_qr_text, qr_svg
from dossiers.procedures import time_limit_text
from dossiers.records import ComponentState, Dossier, DossierFile, FileKind

_SLUG = {FormKind.RECEIPT: "giay-tiep-nhan", FormKind.SUPPLEMENT: "phieu-yeu-cau-bo-sung",
         FormKind.REFUSAL: "phieu-tu-choi", FormKind.LABEL: "nhan-ho-so",
         FormKind.LABEL_A4: "nhan-ho-so-a4", FormKind.COMPARISON: "bien-ban-doi-chieu",
         FormKind.APOLOGY: "phieu-xin-loi", FormKind.CONTROL_SHEET: "phieu-kiem-soat"}


@dataclass(frozen=True)
class Printer:
    store: FileStore
    base_url: str
    place: str = "Đồng Tháp"  # the place name printed before the date

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
        quantity = max(1, len(component.current_files)) if source is None else max(
            1, (source.originals or 0) + (source.copies or 0))
        rows.append({"name": component.name, "form": form, "quantity": f"{quantity:02d}"})
    return rows


def _context(session: Session, dossier: Dossier, printer: Printer, actor: Actor,
             title: str) -> dict[str, Any]:
    agency = dossier.receiving_agency
    parent = parent_on(session, agency, utcnow().astimezone(VN_TZ).date())
    version = dossier.procedure_version
    last4 = (dossier.applicant_id_number or "")[-4:]
    return {
        "dossier": {"code": dossier.code, "lookup_code": dossier.lookup_code,
                    "received_at": dossier.received_at, "due_at": dossier.due_at,
                    "submitted_at": dossier.submitted_at,
                    "lookup_hint": f"Mã tra cứu: {dossier.lookup_code or ''}"},
        "agency": {"name": agency.name, "parent": parent.name if parent else "",
                   "phone": agency.phone, "desk": f"Bộ phận Tiếp nhận và Trả kết quả – "
                                                 f"{agency.name}",
                   "desk_short": "Bộ phận Tiếp nhận và Trả kết quả"},
        "applicant": {"name": dossier.applicant_name,
                      "id_number": dossier.applicant_id_number,
                      "address": dossier.applicant_address, "phone": dossier.applicant_phone,
                      "email": dossier.applicant_email},
        "procedure": {"code": version.code, "name": version.name,
                      "short_name": version.name if len(version.name) <= 90
                      else version.name[:87] + "…",
                      "time_limit": time_limit_text(version)},
        "components": _component_rows(dossier),
        "paper_count": sum(1 for c in dossier.components
                           if c.state in (ComponentState.PAPER, ComponentState.NOT_DIGITIZABLE,
                                          ComponentState.ATTACHED)
                           and dossier.channel != "online"),
        "clerk": actor.full_name or actor.login,
        "place": printer.place,
        "return_place": agency.name,
        "lookup_url": f"{printer.base_url}/lookup",
        "qr": qr_svg(document_qr_text(dossier_code=dossier.code or "",
                                      procedure_code=version.code,
                                      applicant_id=last4 or None, document=title,
                                      url=printer.lookup_url(dossier)), scale=2),
        "barcode": code128_svg(dossier.code or ""),
    }


def render_for(session: Session, actor: Actor, printer: Printer, dossier: Dossier,
               kind: FormKind, at: datetime, **extra: Any) -> tuple[FormVersion, bytes]:
    """Render a dossier's form without storing it (the control sheet is read live)."""
    title = version_for(kind, at.astimezone(VN_TZ).date()).title
    return render(kind, at, {**_context(session, dossier, printer, actor, title),
                             "competent": dossier.competent_agency.name, **extra})


def issue_document(session: Session, actor: Actor, printer: Printer, dossier: Dossier,
                   kind: FormKind, *, at: datetime | None = None,
                   **extra: Any) -> DossierFile:
    """Render a form for the dossier, store the PDF in it and record it in the timeline."""
    when = at or utcnow()
    form, pdf = render_for(session, actor, printer, dossier, kind, when, **extra)
    blob = store_bytes(session, printer.store, pdf)
    record = DossierFile(dossier=dossier, component_id=None, sha256=blob.sha256, size=blob.size,
                         filename=f"{_SLUG[kind]}-{dossier.code}.pdf",
                         content_type="application/pdf", kind=FileKind.FORM,
                         uploaded_by_id=actor.user_id, uploaded_at=when,
                         details={"form": kind.value, "number": form.number,
                                  "basis": form.basis, "title": form.title})
    session.add(record)
    session.flush()
    apply(session, dossier, Kind.DOCUMENT_ADDED, actor, at=when,
          payload={"file_id": record.id, "form": kind.value, "title": form.title})
    return record
