"""Results, copies and attachments: pdfsig and pyHanko agree they are valid and trusted, and
the appearances sit where Phụ lục I.3 and II put them."""

import io
import re
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from dossiers.errors import InvalidInput
from dossiers.signing import attachment, copy, result
from dossiers.signing.appearance import MM
from dossiers.signing.keys import Keyring
from dossiers.verification import inspect
from tests.signing.conftest import AGENCY, LEADER, pdfsig, render, text_lines, widgets


def _result(letter: bytes, keyring: Keyring, signature_png: bytes, seal_png: bytes) -> bytes:
    return result.sign_result(
        letter,
        leader=keyring.user(LEADER[0]),
        agency=keyring.agency(AGENCY[0]),
        signature_png=signature_png,
        seal_png=seal_png,
        seal_mm=(36.0, 36.0),
        placement=result.find_placement(letter, LEADER[1]),
    )


def test_result_has_two_signatures_valid_for_pdfsig_and_pyhanko(
    letter: bytes,
    keyring: Keyring,
    signature_png: bytes,
    seal_png: bytes,
    nss_db: Path,
    tmp_path: Path,
) -> None:
    signed = _result(letter, keyring, signature_png, seal_png)
    report = pdfsig(signed, nss_db, tmp_path)
    assert [r["Signature Field Name"] for r in report] == ["ChuKyLanhDao", "DauCoQuan"]
    for r in report:
        assert r["Signature Validation"] == "Signature is Valid."
        assert r["Certificate Validation"] == "Certificate is Trusted."
    assert report[0]["Signer Certificate Common Name"] == LEADER[1]
    assert report[1]["Signer Certificate Common Name"] == AGENCY[1]
    assert report[1]["total"]
    assert not report[0]["total"]
    ours = inspect(signed, keyring.trust_roots())
    assert ours.valid
    assert [s.signer for s in ours.signatures] == [LEADER[1], AGENCY[1]]
    assert ours.signatures[0].certified
    assert not ours.signatures[0].modified_after_signing
    assert ours.signatures[1].covers_whole_document


def test_leader_image_sits_between_title_and_name_and_seal_overlaps_its_left_third(
    letter: bytes, keyring: Keyring, signature_png: bytes, seal_png: bytes, tmp_path: Path
) -> None:
    signed = _result(letter, keyring, signature_png, seal_png)
    found = widgets(signed)
    lx1, ly1, lx2, ly2 = found["ChuKyLanhDao"]["rect"]
    sx1, sy1, sx2, sy2 = found["DauCoQuan"]["rect"]
    lines = text_lines(letter)
    name = next(line for line in lines if LEADER[1] in line[5])
    title = next(line for line in lines if "PHÓ GIÁM ĐỐC" in line[5])
    assert name[4] <= ly1
    assert ly2 <= title[2]
    assert abs((lx1 + lx2) / 2 - (name[1] + name[3]) / 2) < 2  # centred on the name
    assert abs(sx2 - (lx1 + (lx2 - lx1) / 3)) <= 1  # right edge a third into the signature
    assert abs((sx2 - sx1) - 36 * MM) <= 1
    assert abs((sy2 - sy1) - 36 * MM) <= 1
    assert found["ChuKyLanhDao"]["has_image"]
    assert found["DauCoQuan"]["has_image"]
    assert b"Tj" not in found["ChuKyLanhDao"]["stream"]  # no text
    png = Image.open(render(signed, tmp_path, "result")).convert("RGB")
    scale = 80 / 72
    height = png.height

    def pixel(x: float, y: float) -> tuple[int, int, int]:
        return png.getpixel((int(x * scale), int(height - y * scale)))  # type: ignore[return-value]

    # Blue ink somewhere in the signature's box, red ink in the seal's box: both drawn.
    def colours(box: list[float]) -> set[str]:
        seen = set()
        for i in range(40):
            for j in range(40):
                r, g, b = pixel(
                    box[0] + (box[2] - box[0]) * i / 40, box[1] + (box[3] - box[1]) * j / 40
                )
                if b > r + 40:
                    seen.add("blue")
                if r > g + 60 and r > b + 60:
                    seen.add("red")
        return seen

    assert "blue" in colours([lx1 + (lx2 - lx1) / 3, ly1, lx2, ly2])
    assert "red" in colours([sx1, sy1, sx2, sy2])


def test_cannot_place_when_the_name_is_missing(letter: bytes) -> None:
    with pytest.raises(result.CannotPlace) as error:
        result.find_placement(letter, "Người Không Có Tên")
    assert "--page" in error.value.message


def _hostile_pdf() -> bytes:
    """A page with an annotation, a form, JavaScript and an embedded file."""
    doc = pikepdf.new()
    doc.add_blank_page(page_size=(595, 842))
    annot = doc.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Text,
            Rect=[10, 10, 50, 50],
            Contents=pikepdf.String("hidden"),
        )
    )
    doc.pages[0].obj["/Annots"] = pikepdf.Array([annot])
    doc.Root["/AcroForm"] = pikepdf.Dictionary(Fields=pikepdf.Array([]))
    doc.Root["/OpenAction"] = pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")
    )
    doc.attachments["secret.txt"] = pikepdf.AttachedFileSpec(doc, b"secret")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_copy_is_rewritten_then_signed_top_right_in_10_pt_without_image(
    keyring: Keyring, nss_db: Path, tmp_path: Path
) -> None:
    signed = copy.make_copy(
        _hostile_pdf(), form="SAO Y", agency_name=AGENCY[1], agency=keyring.agency(AGENCY[0])
    )
    report = pdfsig(signed, nss_db, tmp_path)
    assert report[0]["Signature Validation"] == "Signature is Valid."
    assert report[0]["Certificate Validation"] == "Certificate is Trusted."
    assert report[0]["total"]
    assert inspect(signed, keyring.trust_roots()).valid
    with pikepdf.open(io.BytesIO(signed)) as doc:
        assert "/OpenAction" not in doc.Root
        assert "/Names" not in doc.Root
        assert not doc.attachments
        annots = doc.pages[0].obj["/Annots"]
        assert [str(a["/Subtype"]) for a in annots] == ["/Widget"]  # only our signature
    assert b"secret" not in signed
    assert b"app.alert" not in signed
    widget = widgets(signed)[copy.COPY_FIELD]
    x1, y1, x2, y2 = widget["rect"]
    assert widget["page"] == 0
    assert not widget["has_image"]
    assert abs(x2 - (595 - copy.RIGHT_MARGIN)) <= 1
    assert abs(y2 - (842 - copy.TOP_MARGIN)) <= 1
    assert x1 > 595 / 2
    assert y1 > 842 * 0.8
    sizes = {float(s) for s in re.findall(rb"/\w+ ([\d.]+) Tf", widget["stream"])}
    assert sizes == {10.0}
    assert b" 0 0 0 rg" in widget["stream"] or b"0 g" in widget["stream"]  # black


def test_copy_text_renders_at_its_measured_width(keyring: Keyring, tmp_path: Path) -> None:
    """The rescaled font: ink ends inside the box (a 2048-unit font draws twice as wide)."""
    doc = pikepdf.new()
    doc.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    doc.save(out)
    signed = copy.make_copy(
        out.getvalue(), form="SAO Y", agency_name=AGENCY[1], agency=keyring.agency(AGENCY[0])
    )
    x1, y1, x2, y2 = widgets(signed)[copy.COPY_FIELD]["rect"]
    png = Image.open(render(signed, tmp_path, "copy")).convert("L")
    scale = 80 / 72
    dark = [
        x
        for x in range(png.width)
        for y in range(int((842 - y2) * scale), int((842 - y1) * scale))
        if png.getpixel((x, y)) < 128
    ]  # type: ignore[operator]
    assert dark, "the stamp text is drawn"
    assert min(dark) >= x1 * scale - 2
    assert max(dark) <= x2 * scale + 2
    assert max(dark) - min(dark) > (x2 - x1) * scale * 0.8


def test_attachment_is_signed_top_right_with_its_number(
    keyring: Keyring, nss_db: Path, tmp_path: Path
) -> None:
    doc = pikepdf.new()
    doc.add_blank_page(page_size=(595, 842))
    doc.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    doc.save(out)
    signed = attachment.sign_attachment(
        out.getvalue(), number="12/QĐ-UBND", agency=keyring.agency(AGENCY[0])
    )
    assert (
        pdfsig(signed, nss_db, tmp_path)[0]["Certificate Validation"] == "Certificate is Trusted."
    )
    widget = widgets(signed)[attachment.ATTACHMENT_FIELD]
    assert widget["page"] == 0
    assert not widget["has_image"]
    assert widget["rect"][2] > 500
    assert widget["rect"][3] > 800


def test_attachment_number_must_look_like_a_number_and_symbol(keyring: Keyring) -> None:
    with pytest.raises(InvalidInput) as error:
        attachment.sign_attachment(b"%PDF-1.7", number="abc", agency=keyring.agency(AGENCY[0]))
    assert error.value.code == "number"


def test_signing_and_verifying_work_inside_a_running_event_loop(
    letter: bytes, keyring: Keyring, signature_png: bytes, seal_png: bytes
) -> None:
    """An async server (or Playwright's sync API) has a loop running in the thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def inside() -> bool:
        signed = _result(letter, keyring, signature_png, seal_png)
        return inspect(signed, keyring.trust_roots()).valid

    # A thread of its own: this one may already run a loop (Playwright's, in a full run).
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, inside()).result()
