"""The agency's seal on the forms it issues (Điều 5.5: every electronic document an agency
issues is signed before it is issued).

Receipts, requests, refusals, labels, apology letters, control sheets and payment receipts
are our own renderings, so they carry an invisible signature of the issuing agency's seal
certificate: nothing on the printed page changes, and the file proves who issued it. The
signature certifies the document (DocMDP, no changes allowed afterwards). Keys come from the
keyring, loaded once per process (keys.py); one signature costs a few milliseconds.
"""

from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm
from pyhanko.stamp import BaseStampStyle

from dossiers.signing import core

SEAL_FIELD = "DauCoQuanPhatHanh"
_INVISIBLE = core.FieldPlan(SEAL_FIELD, 0, (0, 0, 0, 0))
_STYLE = BaseStampStyle()  # never drawn: the widget has no area


def seal_form(
    pdf: bytes, agency: signers.Signer, *, timestamping: core.Timestamping | None = None
) -> bytes:
    """``pdf`` (a form we rendered) with the agency's invisible, certifying signature."""
    return core.sign(
        pdf,
        agency,
        SEAL_FIELD,
        _STYLE,
        new_fields=(_INVISIBLE,),
        certify=MDPPerm.NO_CHANGES,
        timestamping=timestamping,
        reason="Văn bản do cơ quan phát hành qua Hệ thống một cửa điện tử",
    )
