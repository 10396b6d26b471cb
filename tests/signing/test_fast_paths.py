"""The verification fast paths patch two library functions: they must agree with the originals
on every input, errors and the stream position included."""

import io
import random

import pytest

from dossiers import verification


def _outcome(reader: object, data: bytes) -> tuple[object, int]:
    stream = io.BytesIO(data)
    try:
        value = reader(stream)  # type: ignore[operator]
    except Exception as error:  # noqa: BLE001 - the error itself is what is compared
        return (type(error).__name__, str(error)), stream.tell()
    return bytes(value.original_bytes), stream.tell()


def _samples() -> list[bytes]:
    rng = random.Random(20261125)  # noqa: S311 - test data, not secrets
    alphabet = b"0123456789abcdefABCDEF \n\r\t\x0c<>%xZ\x00"
    cases = [
        b"<>",
        b"<0>",
        b"<48656c6c6f>",
        b"<48 65\n6c>rest",
        b"<4%8>",
        b"<48",
        b"48>",
        b"<" + b"0" * 40_000 + b">tail",
        b"<abc",
        b"<zz>",
        b"< >",
        b"<\x00>",
    ]
    for _ in range(3000):
        body = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        cases.append(b"<" + body + (b">" if rng.random() < 0.8 else b"") + b"after")
    return cases


def test_fast_hex_strings_agree_with_pyhanko() -> None:
    verification._install_fast_paths()
    from pyhanko.pdf_utils import generic

    fast = generic.read_hex_string_from_stream
    original = fast.__wrapped__  # type: ignore[attr-defined]
    assert fast is not original
    parsed = 0
    for data in _samples():
        outcome = _outcome(fast, data)
        assert outcome == _outcome(original, data), data[:60]
        parsed += isinstance(outcome[0], bytes)
    assert parsed > 1000  # most samples are real hex strings, not errors on both sides
    assert _outcome(fast, b"<48656c6c6f>x") == (b"Hello", 12)


@pytest.mark.parametrize("value", ["Nguyễn  Văn   An", "  Bộ Tài chính ", "ABC", ""])
def test_name_preparation_memo_agrees(value: str) -> None:
    verification._install_fast_paths()
    from asn1crypto.x509 import NameTypeAndValue

    prep = NameTypeAndValue._ldap_string_prep
    original = prep.__wrapped__  # type: ignore[attr-defined]
    probe = NameTypeAndValue()
    assert prep(probe, value) == original(probe, value)
    assert prep(probe, value) == original(probe, value)  # the cached answer too
