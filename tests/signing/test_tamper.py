"""Tampered and hostile files: each is invalid with a clear reason, and pdfsig agrees where it
can tell (it exits 0 on a mismatch: its text is parsed)."""

import io
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields

from dossiers.errors import InvalidFile
from dossiers.signing import result
from dossiers.signing.keys import Keyring
from dossiers.verification import inspect
from tests.signing.conftest import AGENCY, LEADER, pdfsig


@pytest.fixture(scope="module")
def signed(keyring: Keyring, signature_png: bytes, seal_png: bytes) -> bytes:
    from weasyprint import HTML

    letter = HTML(
        string=f"""<html><head><meta charset="utf-8"></head><body>
        <p style="margin-left:300px">PHÓ GIÁM ĐỐC</p><div style="height:130px"></div>
        <p style="margin-left:300px">{LEADER[1]}</p></body></html>"""
    ).write_pdf()
    return result.sign_result(
        letter,
        leader=keyring.user(LEADER[0]),
        agency=keyring.agency(AGENCY[0]),
        signature_png=signature_png,
        seal_png=seal_png,
        seal_mm=(36.0, 36.0),
        placement=result.find_placement(letter, LEADER[1]),
    )


def _codes(data: bytes, keyring: Keyring) -> set[str]:
    report = inspect(data, keyring.trust_roots())
    assert not report.valid
    return {p.code for s in report.signatures for p in s.problems} | {
        p.code for p in report.problems
    }


def _update(data: bytes, change: object) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    change(writer)  # type: ignore[operator]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_untouched_result_is_valid(signed: bytes, keyring: Keyring) -> None:
    assert inspect(signed, keyring.trust_roots()).valid


def test_flipped_byte_is_a_digest_mismatch(
    signed: bytes, keyring: Keyring, nss_db: Path, tmp_path: Path
) -> None:
    data = bytearray(signed)
    at = data.index(b"stream\n", 200) + 20  # inside the first compressed content stream
    data[at] ^= 0x01
    assert "not_intact" in _codes(bytes(data), keyring)
    report = pdfsig(bytes(data), nss_db, tmp_path)
    assert all(r["Signature Validation"] != "Signature is Valid." for r in report)


def test_incremental_update_changing_page_content_is_reported(
    signed: bytes, keyring: Keyring
) -> None:
    def draw(writer: IncrementalPdfFileWriter) -> None:
        stream = generic.StreamObject(stream_data=b"1 0 0 rg 100 100 200 50 re f")
        writer.add_stream_to_page(0, writer.add_object(stream))

    codes = _codes(_update(signed, draw), keyring)
    assert "modified_after_signing" in codes


def test_added_page_is_reported(signed: bytes, keyring: Keyring) -> None:
    def add_page(writer: IncrementalPdfFileWriter) -> None:
        page = generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Page"),
                generic.NameObject("/MediaBox"): generic.ArrayObject(
                    [generic.NumberObject(v) for v in (0, 0, 595, 842)]
                ),
                generic.NameObject("/Resources"): generic.DictionaryObject(),
            }
        )
        writer.insert_page(page)

    assert "modified_after_signing" in _codes(_update(signed, add_page), keyring)


def test_signature_field_added_after_certification_is_reported(
    signed: bytes, keyring: Keyring
) -> None:
    def add_field(writer: IncrementalPdfFileWriter) -> None:
        fields.append_signature_field(
            writer, fields.SigFieldSpec(sig_field_name="Them", on_page=0, box=(50, 50, 200, 100))
        )

    assert "modified_after_signing" in _codes(_update(signed, add_field), keyring)


def test_untrusted_signer_is_reported(signed: bytes) -> None:
    report = inspect(signed, [])
    assert not report.valid
    assert all("untrusted" in {p.code for p in s.problems} for s in report.signatures)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello",
        b"%PDF-1.7\n" + b"\x00" * 100,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R",
    ],
)
def test_broken_files_cannot_be_verified_with_a_reason(data: bytes, keyring: Keyring) -> None:
    try:
        report = inspect(data, keyring.trust_roots())
    except InvalidFile as error:
        message = error.message
    else:
        assert not report.valid
        message = report.problems[0].message
    assert message


def test_truncated_signed_file_is_never_an_exception(signed: bytes, keyring: Keyring) -> None:
    for cut in (len(signed) // 3, len(signed) // 2, len(signed) - 10):
        try:
            report = inspect(signed[:cut], keyring.trust_roots())
        except InvalidFile:
            continue
        assert not report.valid


def test_unsigned_pdf_has_no_signature(keyring: Keyring) -> None:
    import pikepdf

    doc = pikepdf.new()
    doc.add_blank_page()
    out = io.BytesIO()
    doc.save(out)
    report = inspect(out.getvalue(), keyring.trust_roots())
    assert not report.valid
    assert report.problems[0].code == "no_signature"
