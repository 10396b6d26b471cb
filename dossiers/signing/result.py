"""A result's two signatures (Phụ lục II.1–2).

The leader signs first: the image of their handwritten signature centred between their title
(chức vụ) and their name, no text. This first signature certifies the document (DocMDP, form
filling and signing only), so nothing but signatures may change afterwards. The agency signs
second, an incremental update over the whole file: its red seal at real size, overlapping the
left third of the leader's image. Both fields are created in the first revision: a visible
field added after certification would itself be a disallowed change.
"""

import html
import io
import re
import shutil
import subprocess  # noqa: S404 — pdftotext (poppler) finds where the signer's name is printed
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm
from pyhanko.stamp import StaticStampStyle

from dossiers.errors import InvalidInput
from dossiers.signing import appearance, core
from dossiers.signing.appearance import MM

LEADER_FIELD = "ChuKyLanhDao"
SEAL_FIELD = "DauCoQuan"
MAX_IMAGE_HEIGHT = 30 * MM
MAX_IMAGE_WIDTH = 60 * MM
MIN_IMAGE_HEIGHT = 10 * MM


class CannotPlace(InvalidInput):
    code = "cannot_place_signature"


@dataclass(frozen=True)
class Placement:
    """Where the leader's image goes: page (0-based) and the free box between title and name."""

    page: int
    box: core.Box  # PDF points, origin bottom-left


@dataclass(frozen=True)
class _Line:
    page: int
    page_height: float
    x1: float
    top: float
    x2: float
    bottom: float
    text: str


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def text_lines(pdf: bytes) -> list[_Line]:
    """Every line of text with its box (pdftotext's coordinates: top-left origin, y down)."""
    return _lines(pdf)


def _lines(pdf: bytes) -> list[_Line]:
    tool = shutil.which("pdftotext")
    if tool is None:
        raise CannotPlace(
            "Thiếu công cụ pdftotext (poppler-utils) để tìm vị trí ký",
            "pdftotext (poppler-utils) is needed to find where to sign",
        )
    out = subprocess.run(  # noqa: S603
        [tool, "-bbox-layout", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        timeout=60,
        check=False,
    ).stdout.decode("utf-8", "replace")
    lines: list[_Line] = []
    for n, page in enumerate(
        re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S)
    ):
        height = float(page.group(2))
        for line in re.finditer(
            r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
            r'yMax="([\d.]+)">(.*?)</line>',
            page.group(3),
            re.S,
        ):
            words = re.findall(r">([^<]*)</word>", line.group(5))
            lines.append(
                _Line(
                    n,
                    height,
                    float(line.group(1)),
                    float(line.group(2)),
                    float(line.group(3)),
                    float(line.group(4)),
                    html.unescape(" ".join(words)),
                )
            )
    return lines


def find_placement(pdf: bytes, full_name: str) -> Placement:
    """The box above the last line naming the signer, below the line above it (the title)."""
    wanted = _norm(full_name)
    lines = _lines(pdf)
    hits = [line for line in lines if wanted and wanted in _norm(line.text)]
    if not hits:
        raise CannotPlace(
            f"Không tìm thấy họ tên người ký «{full_name}» trong văn bản; "
            "hãy chỉ rõ trang và vị trí (--page, --box)",
            f"The signer's name '{full_name}' is not in the document; give --page and --box",
        )
    name = max(hits, key=lambda line: (line.page, line.top))
    above = [
        line
        for line in lines
        if line.page == name.page
        and line.bottom <= name.top
        and line.x2 > name.x1 - 80
        and line.x1 < name.x2 + 80
    ]
    ceiling = max((line.bottom for line in above), default=name.top - MAX_IMAGE_HEIGHT - 8)
    if name.top - ceiling < MIN_IMAGE_HEIGHT + 4:
        raise CannotPlace(
            "Không đủ chỗ trống giữa chức vụ và họ tên người ký để đặt chữ ký",
            "There is not enough room between the title and the name to sign",
        )
    height = name.page_height
    return Placement(
        name.page, (name.x1 - 40, height - name.top + 2, name.x2 + 40, height - ceiling - 2)
    )


@lru_cache(maxsize=64)
def _image(png: bytes) -> tuple[float, float]:
    with Image.open(io.BytesIO(png)) as image:
        return image.width, image.height


@lru_cache(maxsize=64)
def _style(png: bytes) -> StaticStampStyle:
    return appearance.image_style(png)


def fit_image(free: core.Box, png: bytes) -> core.Box:
    """The image's box: centred in ``free``, proportions kept, at most 60 × 30 mm."""
    x1, y1, x2, y2 = free
    width, height = _image(png)
    h = min(y2 - y1, MAX_IMAGE_HEIGHT)
    w = h * width / height
    if w > min(x2 - x1, MAX_IMAGE_WIDTH):
        w = min(x2 - x1, MAX_IMAGE_WIDTH)
        h = w * height / width
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    return (round(cx - w / 2, 2), round(cy - h / 2, 2), round(cx + w / 2, 2), round(cy + h / 2, 2))


def seal_box(leader: core.Box, seal_mm: tuple[float, float]) -> core.Box:
    """Real size; its right edge a third of the way into the leader's image (Phụ lục II.2)."""
    x1, y1, x2, y2 = leader
    w, h = seal_mm[0] * MM, seal_mm[1] * MM
    right = x1 + (x2 - x1) / 3
    cy = (y1 + y2) / 2
    return (round(right - w, 2), round(cy - h / 2, 2), round(right, 2), round(cy + h / 2, 2))


def sign_result(
    pdf: bytes,
    *,
    leader: signers.Signer,
    agency: signers.Signer,
    signature_png: bytes,
    seal_png: bytes,
    seal_mm: tuple[float, float],
    placement: Placement,
    timestamping: core.Timestamping | None = None,
) -> bytes:
    leader_box = fit_image(placement.box, signature_png)
    fields = (
        core.FieldPlan(LEADER_FIELD, placement.page, leader_box),
        core.FieldPlan(SEAL_FIELD, placement.page, seal_box(leader_box, seal_mm)),
    )
    first = core.sign(
        pdf,
        leader,
        LEADER_FIELD,
        _style(signature_png),
        new_fields=fields,
        certify=MDPPerm.FILL_FORMS,
        timestamping=timestamping,
    )
    return core.sign(first, agency, SEAL_FIELD, _style(seal_png), timestamping=timestamping)
