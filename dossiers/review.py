"""The desk's decision on a submitted dossier: accept, ask for more, or refuse (Đ12.1.d, Đ4.3).

Each is one event through ``apply``; the applicant is told through the outbox.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.db import utcnow
from dossiers.errors import InvalidInput
from dossiers.events import apply, authorize, check_legal
from dossiers.intake import promised_date
from dossiers.lifecycle import Kind
from dossiers.records import Dossier


def accept_dossier(session: Session, actor: Actor, dossier: Dossier,
                   at: datetime | None = None) -> Dossier:
    """Accept an online dossier: the limit runs from now, the promised date is fixed."""
    when = at or utcnow()
    check_legal(dossier, Kind.ACCEPTED)
    authorize(session, actor, dossier, Kind.ACCEPTED)
    dossier.received_at = when
    dossier.due_at = promised_date(session, dossier.procedure_version, when)
    apply(session, dossier, Kind.ACCEPTED, actor, at=when)
    return dossier


def request_supplement(session: Session, actor: Actor, dossier: Dossier,
                       reasons: dict[int, str], note: str = "") -> Dossier:
    """Ask for more, with a reason against each component concerned (Phiếu yêu cầu bổ sung)."""
    by_id = {c.id: c for c in dossier.components}
    cleaned = {cid: text.strip() for cid, text in reasons.items() if text and text.strip()}
    unknown = set(cleaned) - set(by_id)
    if unknown:
        raise InvalidInput("Thành phần hồ sơ không thuộc hồ sơ này",
                           "A component does not belong to this dossier")
    if not cleaned and not note.strip():
        raise InvalidInput("Cần nêu nội dung cần bổ sung", "Say what must be supplemented",
                           code="reason_required")
    summary = note.strip() or "; ".join(f"{by_id[c].name}: {t}" for c, t in cleaned.items())
    apply(session, dossier, Kind.SUPPLEMENT_REQUESTED, actor, reason=summary,
          payload={"components": {str(c): t for c, t in cleaned.items()}, "note": note.strip()})
    return dossier


def refuse_dossier(session: Session, actor: Actor, dossier: Dossier, reason: str) -> Dossier:
    apply(session, dossier, Kind.REFUSED, actor, reason=reason)
    return dossier
