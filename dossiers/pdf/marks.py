"""QR codes (segno) and Code 128 barcodes (python-barcode) as inline SVG for printed forms."""

import io
import unicodedata

import barcode
import segno
from barcode.writer import SVGWriter


def qr_svg(text: str, *, scale: int = 3) -> str:
    """A QR code (TCVN 7322:2009 / ISO 18004), medium error correction, as an SVG element."""
    out = io.BytesIO()
    segno.make(text, error="m").save(
        out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, nl=False
    )
    return out.getvalue().decode()


def code128_svg(text: str, *, module_height: float = 12.0) -> str:
    """A Code 128 barcode of the dossier code, readable by a keyboard-wedge scanner."""
    out = io.BytesIO()
    barcode.get("code128", text, writer=SVGWriter()).write(
        out,
        options={
            # Quiet zones of 10 modules or more each side, or scanners miss the start.
            "module_height": module_height,
            "module_width": 0.25,
            "quiet_zone": 3.0,
            "write_text": False,
        },
    )
    svg = out.getvalue().decode()
    # Presentation attributes instead of inline styles (WeasyPrint's SVG ignores the latter).
    svg = svg.replace('style="fill:black;"', 'fill="black"').replace(
        'style="fill:white"', 'fill="white"'
    )
    return svg[svg.index("<svg") :]  # drop the XML declaration and doctype for inlining


def document_qr_text(
    *, dossier_code: str, procedure_code: str, applicant_id: str | None, document: str, url: str
) -> str:
    """TT 01/2023: at least the dossier code, procedure code, applicant identifier and the
    document's name, plus the public lookup address."""
    fields = [f"MHS:{dossier_code}", f"TTHC:{procedure_code}"]
    if applicant_id:
        fields.append(f"ID:{applicant_id[-4:].rjust(len(applicant_id), '*')}")
    fields += [f"VB:{unicodedata.normalize('NFC', document)}", url]
    return "\n".join(fields)
