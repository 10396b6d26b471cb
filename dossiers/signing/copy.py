"""Electronic copies SAO Y / SAO LỤC / TRÍCH SAO of a paper document (Phụ lục I.3).

The PDF someone else supplied is rewritten before we sign it: forms, annotations, optional
content, scripts, embedded files, earlier revisions and unreferenced objects go, so nothing
hidden can be revealed after signing (shadow attacks, DESIGN "Known traps"). The agency's
signature sits top right of page 1: the copy form, the agency's name and the signing time in
ISO 8601 with +07:00, Times-metric 10 pt, black, no image. The copy is certified: no changes.
"""

import io

import pikepdf
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm

from dossiers.errors import InvalidFile, InvalidInput
from dossiers.signing import appearance, core
from dossiers.signing.appearance import MM

COPY_FORMS = ("SAO Y", "SAO LỤC", "TRÍCH SAO")
COPY_FIELD = "SaoDienTu"
TOP_MARGIN = 10 * MM
RIGHT_MARGIN = 15 * MM

_CATALOG_KEYS = ("/AcroForm", "/OCProperties", "/Names", "/OpenAction", "/AA", "/JavaScript", "/AF",
                 "/Perms", "/Collection", "/Threads", "/Outlines", "/Dests")
_PAGE_KEYS = ("/Annots", "/AA", "/B", "/Thumb", "/AF")


def sanitise(pdf: bytes) -> bytes:
    """Rewrite ``pdf`` keeping only its pages' visible content (a full save, not incremental)."""
    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            if doc.is_encrypted:
                raise InvalidFile("Tệp PDF được mã hóa; không sao được",
                                  "The PDF is encrypted and cannot be copied",
                                  code="encrypted_pdf")
            root = doc.Root
            for key in _CATALOG_KEYS:
                if key in root:
                    del root[key]
            for page in doc.pages:
                for key in _PAGE_KEYS:
                    if key in page.obj:
                        del page.obj[key]
            out = io.BytesIO()
            # A full rewrite keeps only objects reachable from the trimmed catalog. Streams are
            # copied as they are: decoding them is slow and meets qpdf's per-stream limits
            # (scan_check.QPDF_STREAM_BYTES) on a large lossless image.
            doc.save(out, min_version="1.7", object_stream_mode=pikepdf.ObjectStreamMode.disable,
                     deterministic_id=True, stream_decode_level=pikepdf.StreamDecodeLevel.none)
            return out.getvalue()
    except pikepdf.PdfError as error:
        raise InvalidFile(f"Không đọc được tệp PDF: {error}", f"Cannot read the PDF: {error}",
                          code="unreadable_pdf") from None


def top_right_box(pdf: bytes, lines: list[str], field: str) -> core.FieldPlan:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        x1, y1, x2, y2 = (float(v) for v in doc.pages[0].mediabox)
    width, height = appearance.text_box_size(lines)
    return core.FieldPlan(field, 0, (round(x2 - RIGHT_MARGIN - width, 2),
                                     round(y2 - TOP_MARGIN - height, 2),
                                     round(x2 - RIGHT_MARGIN, 2), round(y2 - TOP_MARGIN, 2)))


def sign_text_top_right(pdf: bytes, agency: signers.Signer, lines: list[str], field: str, *,
                        timestamping: core.Timestamping | None = None) -> bytes:
    plan = top_right_box(pdf, lines, field)
    return core.sign(pdf, agency, field, appearance.text_style(lines), new_fields=(plan,),
                     certify=MDPPerm.NO_CHANGES, timestamping=timestamping)


def make_copy(pdf: bytes, *, form: str, agency_name: str, agency: signers.Signer,
              timestamping: core.Timestamping | None = None) -> bytes:
    form = form.strip().upper()
    if form not in COPY_FORMS:
        raise InvalidInput(f"Hình thức sao phải là một trong: {', '.join(COPY_FORMS)}",
                           f"The copy form must be one of {', '.join(COPY_FORMS)}",
                           code="copy_form")
    clean = sanitise(pdf)
    lines = [form, agency_name, core.iso_time(core.signing_time())]
    return sign_text_top_right(clean, agency, lines, COPY_FIELD, timestamping=timestamping)
