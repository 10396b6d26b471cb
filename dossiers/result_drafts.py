"""What a leader signs is what they saw (Đ12.3, Phụ lục II): the result candidate.

The candidate is the officer's proposed draft when the last proposal carried one (the file of
the ``result_proposed`` event, rewritten as every PDF someone else supplied is before we sign
it), or else the procedure's result template filled with the dossier. The leader's page shows
every page of it; the signing form posts the candidate's SHA-256 back, and ``issue_result``
signs only when the candidate is still those very bytes (409 otherwise: a new draft, another
result numbered in between, or a new day changes it).

The template must come out the same on the preview and on the signing request, so everything
it prints is derived from the state: the number (the agency's next), the date (today in
Vietnam) and the verification code (a keyed hash of the dossier and the number, so nobody can
guess it, yet the preview and the signature agree on it).
"""

import base64
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dossiers.accounts import User
from dossiers.actors import Actor
from dossiers.agencies import Agency
from dossiers.calendar import VN_TZ
from dossiers.db import utcnow
from dossiers.errors import Conflict, InvalidInput
from dossiers.events import Event
from dossiers.lifecycle import Kind
from dossiers.records import Dossier, DossierFile
from dossiers.register import DocumentKind, IssuedDocument

if TYPE_CHECKING:
    from dossiers.results import Signing


@dataclass(frozen=True)
class Candidate:
    """The exact bytes a leader would sign now, and what the register will record."""

    pdf: bytes
    sha256: str
    source: str  # "draft" (the officer's) or "template"
    filename: str
    number: str
    verify_code: str
    draft_file_id: int | None = None


def next_number(session: Session, agency: Agency) -> str:
    count = (
        session.scalar(
            select(func.count(IssuedDocument.id)).where(
                IssuedDocument.agency_id == agency.id, IssuedDocument.kind == DocumentKind.RESULT
            )
        )
        or 0
    )
    abbr = "".join(w[0] for w in (agency.short_name or agency.name).split() if w[0].isalpha())
    return f"{count + 1}/QĐ-{unicodedata.normalize('NFC', abbr).upper()[:8]}"


def verify_code_for(key: bytes, dossier: Dossier, number: str) -> str:
    """16 URL-safe characters (the register keeps up to 24), unguessable without ``key``."""
    digest = hmac.new(key, f"result:{dossier.id}:{number}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def proposed_draft(session: Session, dossier: Dossier) -> DossierFile | None:
    """The draft the last ``result_proposed`` event carried, if it carried one."""
    event = session.scalar(
        select(Event)
        .where(Event.dossier_id == dossier.id, Event.kind == Kind.RESULT_PROPOSED)
        .order_by(Event.seq.desc())
        .limit(1)
    )
    file_id = (event.payload or {}).get("draft_file_id") if event is not None else None
    record = session.get(DossierFile, file_id) if file_id else None
    return record if record is not None and record.dossier_id == dossier.id else None


def candidate(
    session: Session,
    signing: "Signing",
    dossier: Dossier,
    actor: Actor,
    agency: Agency,
    *,
    at: datetime | None = None,
) -> Candidate:
    """The result this leader would sign now (see the module's docstring)."""
    from dossiers.results import render_result
    from dossiers.signing.copy import sanitise

    when = at or utcnow()
    number = next_number(session, agency)
    code = verify_code_for(signing.code_key, dossier, number)
    draft = proposed_draft(session, dossier)
    if draft is not None:
        if draft.content_type != "application/pdf":
            raise InvalidInput(
                "Dự thảo kết quả chuyên viên trình không phải tệp PDF nên không "
                "ký số được; hãy trả lại để chuyên viên trình bản PDF",
                "The proposed draft is not a PDF and cannot be signed",
                code="draft_not_pdf",
            )
        pdf = sanitise(signing.store.read(draft.sha256))
        return Candidate(
            pdf, hashlib.sha256(pdf).hexdigest(), "draft", draft.filename, number, code, draft.id
        )
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    pdf = render_result(
        session,
        signing,
        dossier,
        signer_name=actor.full_name,
        signer_title=user.title if user else None,
        agency=agency,
        number=number,
        verify_code=code,
        when=when.astimezone(VN_TZ),
    )
    return Candidate(
        pdf,
        hashlib.sha256(pdf).hexdigest(),
        "template",
        f"ket-qua-{dossier.code}.pdf",
        number,
        code,
    )


def require_seen(found: Candidate, seen_sha256: str | None) -> None:
    """The leader signs only the bytes they were shown."""
    if not seen_sha256:
        raise InvalidInput(
            "Hãy xem văn bản sẽ được ký trước khi ký số",
            "Preview the document to be signed first (send its sha256)",
            code="preview_required",
        )
    if not hmac.compare_digest(seen_sha256.strip().lower(), found.sha256):
        raise Conflict(
            "Văn bản sẽ ký đã thay đổi kể từ khi bạn xem (dự thảo mới, số văn bản "
            "hoặc ngày ký khác); hãy xem lại rồi ký",
            "The document changed since you previewed it; preview it again",
            code="candidate_changed",
        )
