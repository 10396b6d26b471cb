"""Checks of Vietnamese identifiers entered by applicants.

A citizen identity number (CCCD, Luật Căn cước 2023) has 12 digits: the 3-digit code of the
province of birth registration, a gender/century digit, the last two digits of the birth year,
and 6 random digits. Province codes are the 63 pre-2025 ones (TT 07/2016/TT-BCA, kept for
numbers already issued). A tax code (mã số thuế) of an organisation has 10 digits, or 10 + "-"
+ 3 for a dependent unit.
"""

import re

from dossiers.errors import InvalidInput

_PROVINCES = frozenset(
    (  # noqa: SIM905 - a compact table of the 63 codes
        "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 "
        "035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 "
        "070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
    ).split()
)
_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")


def citizen_id(value: str) -> str:
    number = re.sub(r"\s", "", value or "")
    if not (len(number) == 12 and number.isdigit()):
        raise InvalidInput(
            "Số định danh cá nhân (CCCD) phải gồm đúng 12 chữ số",
            "The citizen ID (CCCD) must be exactly 12 digits",
            code="invalid_cccd",
        )
    if number[:3] not in _PROVINCES:
        raise InvalidInput(
            f"Mã tỉnh {number[:3]} trong số CCCD không tồn tại",
            f"Province code {number[:3]} of the citizen ID does not exist",
            code="invalid_cccd",
        )
    return number


def tax_code(value: str) -> str:
    code = re.sub(r"\s", "", value or "")
    if not _TAX_CODE.match(code):
        raise InvalidInput(
            "Mã số thuế gồm 10 chữ số (hoặc 10 chữ số, dấu '-' và 3 chữ số)",
            "A tax code is 10 digits (or 10 digits, '-', 3 digits)",
            code="invalid_tax_code",
        )
    return code


_PHONE = re.compile(r"^0\d{9}$")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# CR/LF (and any other control character) would let an address add headers to a mail.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def phone(value: str) -> str:
    number = re.sub(r"[\s.\-]", "", value or "").replace("+84", "0", 1)
    if not _PHONE.match(number):
        raise InvalidInput(
            "Số điện thoại gồm 10 chữ số, bắt đầu bằng 0",
            "A phone number has 10 digits starting with 0",
            code="invalid_phone",
        )
    return number


def email(value: str) -> str:
    """A normalised e-mail address; line breaks are refused, never stripped (header
    injection), wherever the address comes from: registration, dossiers, agencies."""
    if _CONTROL.search(value or ""):
        raise InvalidInput(
            "Địa chỉ thư điện tử không được chứa ký tự xuống dòng hay ký tự điều khiển",
            "An e-mail address cannot contain line breaks or control characters",
            code="invalid_email",
        )
    address = (value or "").strip().lower()
    if len(address) > 200 or not _EMAIL.fullmatch(address):
        raise InvalidInput(
            "Địa chỉ thư điện tử không hợp lệ", "Invalid e-mail address", code="invalid_email"
        )
    return address
