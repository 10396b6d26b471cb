"""The amount due for a dossier, from its procedure version's fees (lệ phí, phí).

A fee line applies when its channel is ``all`` or the dossier's channel; a line whose amount
the catalogue leaves to the province (``None``) counts as 0 until the province sets it. A
reduced-rate line ("mức giảm") replaces the full rate rather than adding to it, so it is not
summed: the officer applies the reduction as an exemption of the full line, with the reason.
Exemptions (miễn) are per dossier and fee line, always with a reason (NĐ 45/2020 Art. 13).
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.catalogue import fold
from dossiers.errors import InvalidInput, NotFound
from dossiers.events import authorize
from dossiers.lifecycle import Kind
from dossiers.procedures import OnlineLevel, ProcedureFee, ProcedureVersion
from dossiers.records import Dossier
from payments.models import FeeExemption

_ALTERNATIVE = ("muc giam",)


def vnd(amount: int) -> str:
    """An amount as Vietnamese prints it: 75.000."""
    return f"{amount:,}".replace(",", ".")


@dataclass(frozen=True)
class Line:
    fee_id: int
    kind: str
    amount_vnd: int
    per: str | None
    note: str | None
    exempt_reason: str | None = None

    @property
    def due_vnd(self) -> int:
        return 0 if self.exempt_reason else self.amount_vnd

    def as_dict(self) -> dict[str, object]:
        return {
            "fee_id": self.fee_id,
            "kind": self.kind,
            "amount_vnd": self.amount_vnd,
            "per": self.per,
            "note": self.note,
            "exempt_reason": self.exempt_reason,
            "due_vnd": self.due_vnd,
        }


@dataclass(frozen=True)
class Due:
    lines: tuple[Line, ...]
    at_submission: bool  # toàn trình procedure that takes payment when the dossier is filed

    @property
    def total_vnd(self) -> int:
        return sum(line.due_vnd for line in self.lines)

    def as_dict(self) -> dict[str, object]:
        return {
            "total_vnd": self.total_vnd,
            "at_submission": self.at_submission,
            "lines": [line.as_dict() for line in self.lines],
        }


def _applies(fee: ProcedureFee, channel: str) -> bool:
    wanted = "online" if channel in ("online", "vneid") else channel
    return fee.channel in ("all", wanted) and not any(a in fold(fee.kind) for a in _ALTERNATIVE)


def pays_at_submission(version: ProcedureVersion) -> bool:
    """The catalogue says the fee is paid when filing (``payment: at_submission``), which only
    a toàn trình procedure can do online."""
    return (
        version.online_level == OnlineLevel.FULL
        and (version.details or {}).get("payment") == "at_submission"
    )


def amount_due(session: Session, dossier: Dossier) -> Due:
    exemptions = {
        e.fee_id: e.reason
        for e in session.scalars(select(FeeExemption).where(FeeExemption.dossier_id == dossier.id))
    }
    version = dossier.procedure_version
    lines = tuple(
        Line(
            fee_id=fee.id,
            kind=fee.kind,
            amount_vnd=int(fee.amount_vnd or 0),
            per=fee.per,
            note=fee.note,
            exempt_reason=exemptions.get(fee.id),
        )
        for fee in version.fees
        if _applies(fee, dossier.channel)
    )
    return Due(
        lines=lines, at_submission=pays_at_submission(version) and dossier.channel == "online"
    )


def exempt_fee(
    session: Session, actor: Actor, dossier: Dossier, fee_id: int, reason: str
) -> FeeExemption:
    """An officer (or the desk) exempts the applicant from one fee line, with the reason."""
    if not actor.is_staff:
        raise NotFound("Không tìm thấy hồ sơ", "Dossier not found")
    authorize(session, actor, dossier, Kind.PAYMENT_REQUESTED)  # who may ask for payment
    if not reason.strip():
        raise InvalidInput(
            "Cần nêu lý do miễn, giảm", "A reason is required", code="reason_required"
        )
    if fee_id not in {fee.id for fee in dossier.procedure_version.fees}:
        raise NotFound("Không tìm thấy khoản phí", "Fee not found")
    existing = session.scalar(
        select(FeeExemption).where(
            FeeExemption.dossier_id == dossier.id, FeeExemption.fee_id == fee_id
        )
    )
    if existing is not None:
        return existing
    exemption = FeeExemption(
        dossier_id=dossier.id,
        fee_id=fee_id,
        reason=reason.strip(),
        by_user_id=actor.user_id,
        by_name=actor.full_name or actor.login,
    )
    session.add(exemption)
    session.flush()
    return exemption
