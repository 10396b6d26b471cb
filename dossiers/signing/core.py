"""One PAdES signature, as fast as pyHanko allows: keys loaded once, space reserved up front.

Every signature is an incremental update; nothing here re-saves a signed file (DESIGN "Known
traps"). B-B by default; B-T with the validation data embedded (LTV) when a timestamping URL
(RFC 3161) is configured.
"""

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator import ValidationContext

from dossiers.calendar import VN_TZ
from dossiers.db import utcnow
from dossiers.signing.sync import run_sync

Box = tuple[float, float, float, float]
# Enough room for an RSA-4096 CMS with its chain; a timestamp and revocation data need more.
RESERVED_BB = 8192
RESERVED_BT = 32768


@dataclass(frozen=True)
class FieldPlan:
    name: str
    page: int  # 0-based
    box: Box


@dataclass(frozen=True)
class Timestamping:
    url: str
    validation_context: ValidationContext  # trusts the signer's and the TSA's roots


def signing_time() -> datetime:
    """Now in Vietnam's time zone, to the second (what the text signatures print)."""
    return utcnow().astimezone(VN_TZ).replace(microsecond=0)


def iso_time(when: datetime) -> str:
    return when.astimezone(VN_TZ).isoformat(timespec="seconds")  # 2026-05-04T09:12:30+07:00


def sign(
    pdf: bytes,
    signer: signers.Signer,
    field: str,
    style: BaseStampStyle,
    *,
    new_fields: tuple[FieldPlan, ...] = (),
    certify: MDPPerm | None = None,
    timestamping: Timestamping | None = None,
    reason: str | None = None,
    text_params: dict[str, Any] | None = None,
) -> bytes:
    """Add one signature to ``field`` (creating ``new_fields`` first, in the same revision)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    for plan in new_fields:
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(
                sig_field_name=plan.name,
                on_page=plan.page,
                box=(
                    round(plan.box[0]),
                    round(plan.box[1]),
                    round(plan.box[2]),
                    round(plan.box[3]),
                ),
            ),
        )
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        certify=certify is not None,
        docmdp_permissions=certify or MDPPerm.FILL_FORMS,
        reason=reason,
        embed_validation_info=timestamping is not None,
        validation_context=timestamping.validation_context if timestamping else None,
    )
    timestamper = None
    if timestamping is not None:
        from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper

        timestamper = HTTPTimeStamper(timestamping.url)
    pdf_signer = signers.PdfSigner(meta, signer=signer, stamp_style=style, timestamper=timestamper)
    out = io.BytesIO()
    run_sync(
        pdf_signer.sign_pdf,
        writer,
        output=out,
        appearance_text_params=text_params or {},
        bytes_reserved=RESERVED_BT if timestamping else RESERVED_BB,
    )
    return out.getvalue()
