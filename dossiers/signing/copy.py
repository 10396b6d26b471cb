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
SEARCH_STEP = 6.0  # points: how far down each try moves the stamp
SEARCH_DEPTH = 0.35  # at most this share of the page from its top: still "top right"

_CATALOG_KEYS = (
    "/AcroForm",
    "/OCProperties",
    "/Names",
    "/OpenAction",
    "/AA",
    "/JavaScript",
    "/AF",
    "/Perms",
    "/Collection",
    "/Threads",
    "/Outlines",
    "/Dests",
)
_PAGE_KEYS = ("/Annots", "/AA", "/B", "/Thumb", "/AF")


def sanitise(pdf: bytes) -> bytes:
    """Rewrite ``pdf`` keeping only its pages' visible content (a full save, not incremental)."""
    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            if doc.is_encrypted:
                raise InvalidFile(
                    "Tệp PDF được mã hóa; không sao được",
                    "The PDF is encrypted and cannot be copied",
                    code="encrypted_pdf",
                )
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
            doc.save(
                out,
                min_version="1.7",
                object_stream_mode=pikepdf.ObjectStreamMode.disable,
                deterministic_id=True,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
            )
            return out.getvalue()
    except pikepdf.PdfError as error:
        raise InvalidFile(
            f"Không đọc được tệp PDF: {error}",
            f"Cannot read the PDF: {error}",
            code="unreadable_pdf",
        ) from None


def top_right_box(pdf: bytes, lines: list[str], field: str) -> core.FieldPlan:
    """Top right of page one (Phụ lục I.3, II.3), clear of the page's own text.

    The first box from the top, right-aligned, that overlaps no line of text on the page (a
    national motto, a document number, a form's "Mẫu số" are often exactly there); if none is
    free in the upper part of the page, the top right corner, where the stamp's white ground
    keeps it legible. A scan has no text to avoid: its stamp sits on the white ground."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        x1, y1, x2, y2 = (float(v) for v in doc.pages[0].mediabox)
    width, height = appearance.text_box_size(lines)
    right, left = x2 - RIGHT_MARGIN, x2 - RIGHT_MARGIN - width
    taken = _text_boxes(pdf, page_top=y2)
    top = y2 - TOP_MARGIN
    lowest = y2 - (y2 - y1) * SEARCH_DEPTH
    while top - height >= lowest:
        box = (left, top - height, right, top)
        if not any(_overlap(box, other) for other in taken):
            break
        top -= SEARCH_STEP
    else:
        top = y2 - TOP_MARGIN
    return core.FieldPlan(
        field, 0, (round(left, 2), round(top - height, 2), round(right, 2), round(top, 2))
    )


def _text_boxes(pdf: bytes, page_top: float) -> list[core.Box]:
    """Page one's lines of text in PDF coordinates, a little enlarged (nothing if pdftotext
    is missing: the white ground is then what keeps the stamp legible)."""
    from dossiers.signing.result import CannotPlace, text_lines

    try:
        found = text_lines(pdf)
    except CannotPlace:
        return []
    pad = 2.0
    return [
        (line.x1 - pad, page_top - line.bottom - pad, line.x2 + pad, page_top - line.top + pad)
        for line in found
        if line.page == 0
    ]


def _overlap(a: core.Box, b: core.Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def sign_text_top_right(
    pdf: bytes,
    agency: signers.Signer,
    lines: list[str],
    field: str,
    *,
    timestamping: core.Timestamping | None = None,
) -> bytes:
    plan = top_right_box(pdf, lines, field)
    return core.sign(
        pdf,
        agency,
        field,
        appearance.text_style(lines),
        new_fields=(plan,),
        certify=MDPPerm.NO_CHANGES,
        timestamping=timestamping,
    )


def make_copy(
    pdf: bytes,
    *,
    form: str,
    agency_name: str,
    agency: signers.Signer,
    timestamping: core.Timestamping | None = None,
) -> bytes:
    form = form.strip().upper()
    if form not in COPY_FORMS:
        raise InvalidInput(
            f"Hình thức sao phải là một trong: {', '.join(COPY_FORMS)}",
            f"The copy form must be one of {', '.join(COPY_FORMS)}",
            code="copy_form",
        )
    clean = sanitise(pdf)
    lines = [form, agency_name, core.iso_time(core.signing_time())]
    return sign_text_top_right(clean, agency, lines, COPY_FIELD, timestamping=timestamping)
