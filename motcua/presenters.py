"""Plain dicts of domain objects, shared by the portal's pages and its API."""

from typing import Any

from dossiers.calendar import VN_TZ
from dossiers.lifecycle import STATUS_LABELS, Audience, Status, reason_shown_to, shown_to
from dossiers.procedures import AgencyPart, OnlineLevel, ProcedureVersion, time_limit_text
from dossiers.records import Dossier
from payments.models import Payment


def procedure_summary(version: ProcedureVersion) -> dict[str, Any]:
    level = OnlineLevel(version.online_level)
    return {
        "code": version.code,
        "name": version.name,
        "field": version.field,
        "level": version.level,
        "online_level": level.value,
        "online_level_label": level.label,
        "legacy_level": level.legacy_level,
        "time_limit": {
            "value": version.time_limit_value,
            "unit": version.time_limit_unit,
            "cut_off": version.cut_off.strftime("%H:%M") if version.cut_off else None,
            "text": time_limit_text(version),
        },
        "version": version.number,
        "valid_from": version.valid_from.isoformat(),
        "agencies": {
            part.value: [
                {"code": a.agency.code, "name": a.agency.name}
                for a in version.agencies
                if a.part == part
            ]
            for part in AgencyPart
        },
    }


def procedure_detail(version: ProcedureVersion) -> dict[str, Any]:
    return {
        **procedure_summary(version),
        "time_limit_note": version.time_limit_note,
        "components": [
            {
                "position": c.position,
                "name": c.name,
                "requirement": c.requirement,
                "condition": c.condition,
                "originals": c.originals,
                "copies": c.copies,
                "electronic_original_accepted": c.electronic_original_accepted,
                "digitizable": c.digitizable,
                "form": c.form,
                "note": c.note,
            }
            for c in version.components
        ],
        "fees": [
            {
                "kind": f.kind,
                "amount_vnd": int(f.amount_vnd) if f.amount_vnd is not None else None,
                "channel": f.channel,
                "per": f.per,
                "note": f.note,
            }
            for f in version.fees
        ],
        "steps": [
            {
                "position": s.position,
                "name": s.name,
                "role": s.role,
                "share_percent": s.share_percent,
            }
            for s in version.steps
        ],
        "legal_basis": version.legal_basis,
        "results": version.results,
        "publishing_decision": version.publishing_decision,
    }


def supplement_reasons(dossier: Dossier, events: list[Any]) -> dict[str, Any]:
    """The latest supplement request's reasons by component id, while it is being answered."""
    if dossier.status not in (Status.INCOMPLETE, Status.AWAITING_SUPPLEMENT):
        return {}
    for event in reversed(events):
        if event.kind == "supplement_requested":
            return {
                "components": {
                    int(k): v for k, v in (event.payload.get("components") or {}).items()
                },
                "note": event.payload.get("note") or "",
            }
    return {}


def local(dt: Any) -> str | None:
    return dt.astimezone(VN_TZ).isoformat(timespec="seconds") if dt else None


def timeline(events: list[Any], audience: Audience) -> list[dict[str, Any]]:
    """The events ``audience`` may see (lifecycle.AUDIENCES), each reason only where it may
    read it: assignments, hand-offs and working notes never reach the applicant."""
    shown: list[dict[str, Any]] = []
    for e in events:
        if not shown_to(e.kind, audience):
            continue
        item: dict[str, Any] = {"seq": e.seq, "kind": e.kind, "label": e.label, "at": local(e.at)}
        if audience != Audience.PUBLIC:
            why = reason_shown_to(e.kind, audience)
            payload = e.payload or {}
            item |= {
                "actor": e.actor_name,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "reason": e.reason if why else None,
                "components": (payload.get("components") or {}) if why else {},
            }
            if audience == Audience.STAFF and payload.get("note") not in (None, "", e.reason):
                item["note"] = payload["note"]  # working notes, exchanges' cover notes
        shown.append(item)
    return shown


def dossier_detail(dossier: Dossier, events: list[Any], audience: Audience) -> dict[str, Any]:
    return {
        "id": dossier.id,
        "code": dossier.code,
        "status": dossier.status,
        "status_label": STATUS_LABELS[Status(dossier.status)][0],
        "national_status": dossier.national_status,
        "channel": dossier.channel,
        "procedure": {
            "code": dossier.procedure_version.code,
            "name": dossier.procedure_version.name,
            "version": dossier.procedure_version.number,
        },
        "applicant": {
            "name": dossier.applicant_name,
            "id_number": dossier.applicant_id_number,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
            "address": dossier.applicant_address,
        },
        "receiving_agency": dossier.receiving_agency.code,
        "receiving_agency_name": dossier.receiving_agency.name,
        "competent_agency": dossier.competent_agency.code,
        "lookup_code": dossier.lookup_code,
        "submitted_at": local(dossier.submitted_at),
        "received_at": local(dossier.received_at),
        "due_at": local(dossier.due_at),
        "components": [
            {
                "id": c.id,
                "name": c.name,
                "requirement": c.requirement,
                "state": c.state,
                "note": c.note,
                "files": [
                    {
                        "id": f.id,
                        "filename": f.filename,
                        "sha256": f.sha256,
                        "size": f.size,
                        "content_type": f.content_type,
                    }
                    for f in c.current_files
                ],
                "replaced": [
                    {"id": f.id, "filename": f.filename, "sha256": f.sha256}
                    for f in dossier.files
                    if f.component_id == c.id and f.replaced_at is not None
                ],
            }
            for c in dossier.components
        ],
        "documents": [
            {
                "id": f.id,
                "filename": f.filename,
                "kind": f.kind,
                "sha256": f.sha256,
                "issued_at": local(f.uploaded_at),
            }
            for f in dossier.files
            if f.kind in ("form", "result") and f.replaced_at is None
        ],
        "result_cancelled": dossier.status == Status.RESULT_CANCELLED,
        "events": timeline(events, audience),
    }


def payment_json(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "gateway": payment.gateway,
        "txn_ref": payment.txn_ref,
        "amount_vnd": payment.amount_vnd,
        "state": payment.state,
        "method": payment.method,
        "purpose": payment.purpose,
        "created_at": payment.created_at.isoformat(),
        "paid_at": payment.paid_at.isoformat() if payment.paid_at else None,
        "state_reason": payment.state_reason,
        "receipt_number": payment.receipt_number,
        "receipt_file_id": payment.receipt_file_id,
    }
