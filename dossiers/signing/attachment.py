"""An attachment in a separate file (Phụ lục II.3): the agency's signature top right of its
first page with the main document's number and symbol and the ISO 8601 signing time, the same
font as copies. An attachment inside the main file gets no signature of its own."""

import re

from pyhanko.sign import signers

from dossiers.errors import InvalidInput
from dossiers.signing import core
from dossiers.signing.copy import sanitise, sign_text_top_right

ATTACHMENT_FIELD = "PhuLucKemTheo"
NUMBER = re.compile(r"^\d{1,6}/[0-9A-ZĐ][0-9A-ZĐa-zđ.&-]*(/[0-9A-ZĐa-zđ.&-]+)*$")


def sign_attachment(
    pdf: bytes,
    *,
    number: str,
    agency: signers.Signer,
    timestamping: core.Timestamping | None = None,
) -> bytes:
    number = number.strip()
    if not NUMBER.match(number):
        raise InvalidInput(
            "Số, ký hiệu văn bản không đúng dạng (ví dụ 12/QĐ-UBND)",
            "The document number must look like 12/QĐ-UBND",
            code="number",
        )
    lines = [number, core.iso_time(core.signing_time())]
    return sign_text_top_right(
        sanitise(pdf), agency, lines, ATTACHMENT_FIELD, timestamping=timestamping
    )
