"""Desk scans become electronic copies signed by the agency (NĐ 107/2021 Art. 21a, Phụ lục I.3).

A compliant scan attached at the counter is turned, after its upload commits, into a SAO Y copy
signed by the receiving agency: the copy replaces the scan as the component's current file (the
scan stays in the history) and is registered as issued here. The job is safe to run twice.
"""

import logging
from typing import Any

from sqlalchemy.orm import Session

from dossiers.db import utcnow
from dossiers.errors import DomainError
from dossiers.files import store_bytes
from dossiers.outbox import JobContext, enqueue, handler
from dossiers.records import DossierFile, FileKind
from dossiers.register import DocumentKind, register

log = logging.getLogger(__name__)


def queue_scan_copy(session: Session, file_id: int) -> None:
    enqueue(session, "sign_scan_copy", {"file_id": file_id}, key=f"sign_scan_copy:{file_id}")


@handler("sign_scan_copy")
def sign_scan_copy(session: Session, payload: dict[str, Any], ctx: JobContext) -> None:
    from dossiers.signing.copy import make_copy
    from dossiers.signing.keys import shared_keyring

    scan = session.get(DossierFile, payload["file_id"])
    if scan is None or scan.details.get("copy_signature") != "pending":
        return
    agency = scan.dossier.receiving_agency
    try:
        signer = shared_keyring(ctx.settings).agency(agency.code)
        signed = make_copy(
            ctx.store.read(scan.sha256), form="SAO Y", agency_name=agency.name, agency=signer
        )
    except DomainError as error:  # no key configured yet: the scan keeps waiting, with why
        scan.details = {**scan.details, "copy_signature": "pending", "copy_problem": error.message}
        session.flush()
        return
    except Exception as error:  # noqa: BLE001 — a file the signer chokes on fails every retry
        log.exception("SAO Y copy of file %s failed", scan.id)
        scan.details = {
            **scan.details,
            "copy_signature": "pending",
            "copy_problem": "Không ký được bản sao từ tệp scan này "
            f"({type(error).__name__}); hãy scan lại",
        }
        session.flush()
        return
    blob = store_bytes(session, ctx.store, signed)
    now = utcnow()
    copy = DossierFile(
        dossier=scan.dossier,
        component_id=scan.component_id,
        sha256=blob.sha256,
        size=blob.size,
        filename=f"sao-y-{scan.filename}",
        content_type="application/pdf",
        kind=FileKind.COPY,
        uploaded_by_id=scan.uploaded_by_id,
        uploaded_at=now,
        details={"scan_check": scan.details.get("scan_check"), "copy_of": scan.id, "form": "SAO Y"},
    )
    session.add(copy)
    session.flush()
    scan.replaced_at = now
    scan.details = {**scan.details, "copy_signature": "signed", "copy_file_id": copy.id}
    register(
        session,
        sha256=blob.sha256,
        kind=DocumentKind.COPY,
        title=f"SAO Y {scan.filename}",
        agency_id=agency.id,
        agency_name=agency.name,
        issued_by=agency.name,
        dossier_id=scan.dossier_id,
        file_id=copy.id,
        at=now,
    )
    session.flush()
