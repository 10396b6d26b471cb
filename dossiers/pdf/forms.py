"""Printed forms as versioned templates, rendered from Jinja HTML to PDF by WeasyPrint.

A form is chosen by the date it is issued: TT 01/2018/TT-VPCP's set (Mẫu 01–06, in force from
06/01/2019) until the set of TT 03/2025/TT-VPCP applies. QĐ 31 Đ23.1: when a cited text is
replaced, the replacement applies — so the dates are data here, not branches in the code.
WeasyPrint shapes Vietnamese correctly and writes PDF 1.7; every string is NFC-normalised.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from dossiers.calendar import VN_TZ

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "pdf"


class FormKind(StrEnum):
    RECEIPT = "receipt"  # Giấy tiếp nhận hồ sơ và hẹn trả kết quả
    SUPPLEMENT = "supplement"  # Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ
    REFUSAL = "refusal"  # Phiếu từ chối tiếp nhận giải quyết hồ sơ
    LABEL = "label"  # nhãn hồ sơ (Đ12.1.c)
    LABEL_A4 = "label_a4"
    COMPARISON = "comparison"  # biên bản đối chiếu bản giấy với hồ sơ điện tử (Đ12.1.g)
    APOLOGY = "apology"  # Phiếu xin lỗi và hẹn lại ngày trả kết quả
    CONTROL_SHEET = "control_sheet"  # Phiếu kiểm soát quá trình giải quyết hồ sơ
    REGISTER = "register"  # Sổ theo dõi hồ sơ
    PAYMENT_RECEIPT = "payment_receipt"  # biên lai thu phí, lệ phí (payments/receipts.py)


@dataclass(frozen=True)
class FormVersion:
    kind: FormKind
    number: str  # "Mẫu số 01"
    basis: str  # the legal text that sets the form
    title: str
    template: str
    valid_from: date
    valid_to: date | None = None

    def applies_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


TT01 = "Thông tư số 01/2018/TT-VPCP"
TT01_FROM = date(2019, 1, 6)
# The TT 03/2025 set replaces these when its effective date is confirmed from the official
# text (FACTS §2 lists its numbering: 01 receipt, 02 supplement, 03 refusal, 04 apology and
# extension, 05 stop notice, 06 control sheet, 07 register). Add its rows here with that date.
REGISTRY: tuple[FormVersion, ...] = (
    FormVersion(
        FormKind.RECEIPT,
        "Mẫu số 01",
        TT01,
        "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        "receipt.html",
        TT01_FROM,
    ),
    FormVersion(
        FormKind.SUPPLEMENT,
        "Mẫu số 02",
        TT01,
        "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
        "supplement.html",
        TT01_FROM,
    ),
    FormVersion(
        FormKind.REFUSAL,
        "Mẫu số 03",
        TT01,
        "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
        "refusal.html",
        TT01_FROM,
    ),
    FormVersion(
        FormKind.APOLOGY,
        "Mẫu số 04",
        TT01,
        "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
        "apology.html",
        TT01_FROM,
    ),
    FormVersion(
        FormKind.CONTROL_SHEET,
        "Mẫu số 05",
        TT01,
        "Phiếu kiểm soát quá trình giải quyết hồ sơ",
        "control_sheet.html",
        TT01_FROM,
    ),
    FormVersion(
        FormKind.REGISTER, "Mẫu số 06", TT01, "Sổ theo dõi hồ sơ", "register.html", TT01_FROM
    ),
    FormVersion(
        FormKind.LABEL,
        "",
        "Quyết định số 31/2021/QĐ-UBND, Điều 12.1.c",
        "Nhãn hồ sơ",
        "label.html",
        date(2021, 8, 10),
    ),
    FormVersion(
        FormKind.LABEL_A4,
        "",
        "Quyết định số 31/2021/QĐ-UBND, Điều 12.1.c",
        "Nhãn hồ sơ (khổ A4)",
        "label_a4.html",
        date(2021, 8, 10),
    ),
    FormVersion(
        FormKind.COMPARISON,
        "",
        "Quyết định số 31/2021/QĐ-UBND, Điều 12.1.g",
        "Biên bản đối chiếu hồ sơ giấy với hồ sơ điện tử",
        "comparison.html",
        date(2021, 8, 10),
    ),
    # Our layout of the e-receipt (contents after NĐ 123/2020 on receipts; the article was not
    # checked here); not an official Mẫu number.
    FormVersion(
        FormKind.PAYMENT_RECEIPT,
        "",
        "Nghị định số 123/2020/NĐ-CP",
        "Biên lai thu phí, lệ phí",
        "payment_receipt.html",
        date(2022, 7, 1),
    ),
)


def version_for(kind: FormKind, day: date) -> FormVersion:
    for form in REGISTRY:
        if form.kind == kind and form.applies_on(day):
            return form
    raise LookupError(f"no {kind} form in force on {day}")


def _nfc(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {k: _nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nfc(v) for v in value]
    return value


def _vn_time(value: datetime | None, fmt: str = "%H giờ %M phút, ngày %d/%m/%Y") -> str:
    return value.astimezone(VN_TZ).strftime(fmt) if value else ""


_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["vn_time"] = _vn_time


def render(
    kind: FormKind, issued_at: datetime, context: dict[str, Any]
) -> tuple[FormVersion, bytes]:
    """Render the form in force on the issuing day; return its version and the PDF bytes."""
    from weasyprint import HTML  # imported late: only processes that print need it

    form = version_for(kind, issued_at.astimezone(VN_TZ).date())
    html = _env.get_template(form.template).render(form=form, issued_at=issued_at, **_nfc(context))
    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf(
        pdf_version="1.7", custom_metadata=True
    )
    return form, pdf
