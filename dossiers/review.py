"""The desk's decision on a submitted dossier: accept, ask for more, or refuse (Đ12.1.d, Đ4.3).

Each is one event through ``apply``; the applicant is told through the outbox.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.db import utcnow
from dossiers.documents import Printer, issue_document
from dossiers.errors import InvalidInput
from dossiers.events import apply, authorize, check_legal, revision_checked
from dossiers.intake import promised_date
from dossiers.lifecycle import Kind
from dossiers.pdf.forms import FormKind
from dossiers.records import Dossier


def accept_dossier(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    at: datetime | None = None,
    printer: Printer | None = None,
) -> Dossier:
    """Accept an online dossier: the limit runs from now, the promised date is fixed, and the
    receipt (Giấy tiếp nhận hồ sơ và hẹn trả kết quả) is issued."""
    when = at or utcnow()
    check_legal(dossier, Kind.ACCEPTED)
    authorize(session, actor, dossier, Kind.ACCEPTED)
    with revision_checked():  # another clerk may have accepted it since we read it: 409
        dossier.received_at = when
        dossier.due_at = promised_date(session, dossier.procedure_version, when)
        apply(session, dossier, Kind.ACCEPTED, actor, at=when)
    if printer is not None:
        issue_document(session, actor, printer, dossier, FormKind.RECEIPT, at=when)
    return dossier


def request_supplement(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    reasons: dict[int, str],
    note: str = "",
    printer: Printer | None = None,
    at: datetime | None = None,
) -> Dossier:
    """Ask for more, with a reason against each component concerned (Phiếu yêu cầu bổ sung)."""
    by_id = {c.id: c for c in dossier.components}
    cleaned = {cid: text.strip() for cid, text in reasons.items() if text and text.strip()}
    unknown = set(cleaned) - set(by_id)
    if unknown:
        raise InvalidInput(
            "Thành phần hồ sơ không thuộc hồ sơ này", "A component does not belong to this dossier"
        )
    if not cleaned and not note.strip():
        raise InvalidInput(
            "Cần nêu nội dung cần bổ sung", "Say what must be supplemented", code="reason_required"
        )
    summary = note.strip() or "; ".join(f"{by_id[c].name}: {t}" for c, t in cleaned.items())
    when = at or utcnow()
    apply(
        session,
        dossier,
        Kind.SUPPLEMENT_REQUESTED,
        actor,
        reason=summary,
        at=when,
        payload={"components": {str(c): t for c, t in cleaned.items()}, "note": note.strip()},
    )
    if printer is not None:
        issue_document(
            session,
            actor,
            printer,
            dossier,
            FormKind.SUPPLEMENT,
            at=when,
            requests=[{"name": by_id[c].name, "reason": t} for c, t in cleaned.items()],
            note=note.strip(),
        )
    return dossier


def refuse_dossier(
    session: Session, actor: Actor, dossier: Dossier, reason: str, printer: Printer | None = None
) -> Dossier:
    """Refuse with the reason (Đ4.3); the refusal slip (Phiếu từ chối) is issued."""
    event = apply(session, dossier, Kind.REFUSED, actor, reason=reason)
    if printer is not None:
        issue_document(session, actor, printer, dossier, FormKind.REFUSAL, reason=event.reason)
    return dossier


def compare_originals(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    results: dict[int, tuple[bool, str]],
    printer: Printer | None = None,
) -> bool:
    """Đ12.1.g: the paper originals of an online dossier are compared, component by component,
    with the electronic dossier. A mismatch flags the dossier for the officer. Returns whether
    everything matched."""
    by_id = {c.id: c for c in dossier.components}
    if not results or set(results) - set(by_id):
        raise InvalidInput(
            "Cần kết quả đối chiếu cho các thành phần của hồ sơ này",
            "Give a comparison result for this dossier's components",
        )
    for cid, (match, note) in results.items():
        if not match and not note.strip():
            raise InvalidInput(
                f"Ghi rõ điểm không khớp của «{by_id[cid].name}»",
                "Say what does not match",
                code="note_required",
            )
    all_match = all(match for match, _ in results.values())
    apply(
        session,
        dossier,
        Kind.ORIGINALS_COMPARED,
        actor,
        reason=None if all_match else "Bản giấy không khớp hồ sơ điện tử",
        payload={
            "all_match": all_match,
            "components": {
                str(c): {"match": m, "note": n.strip()} for c, (m, n) in results.items()
            },
        },
    )
    if printer is not None:
        issue_document(
            session,
            actor,
            printer,
            dossier,
            FormKind.COMPARISON,
            all_match=all_match,
            items=[
                {"name": by_id[c].name, "match": m, "note": n.strip()}
                for c, (m, n) in results.items()
            ],
        )
    return all_match
