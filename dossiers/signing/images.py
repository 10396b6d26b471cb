"""Checks for uploaded signature and seal images (Phụ lục II.1–2), each with a clear reason.

A leader's signature: PNG with a transparent background, the ink blue. An agency's seal: PNG
with a transparent background, the ink red, its resolution recorded (pHYs) so that its real
size in millimetres is known: a seal is drawn at real size.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from dossiers.errors import InvalidFile

MAX_PIXELS = 4000 * 4000
SEAL_MM = (25.0, 50.0)  # plausible real diameters of an agency's seal


@dataclass(frozen=True)
class CheckedImage:
    width_mm: float
    height_mm: float


@dataclass(frozen=True)
class _Ink:
    """The colour an image must be drawn in, and what to say when it is not."""

    is_ink: Callable[[int, int, int], bool]
    message: str
    message_en: str
    code: str


BLUE = _Ink(
    lambda r, g, b: b >= r + 40 and b >= g + 20,
    "Chữ ký phải có màu xanh (Phụ lục II.1)",
    "The signature must be blue (Phụ lục II.1)",
    "not_blue",
)
RED = _Ink(
    lambda r, g, b: r >= g + 60 and r >= b + 60,
    "Con dấu phải có màu đỏ (Phụ lục II.2)",
    "The seal must be red (Phụ lục II.2)",
    "not_red",
)


def _open(data: bytes) -> Image.Image:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InvalidFile("Ảnh phải là tệp PNG", "The image must be a PNG file", code="not_png")
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise InvalidFile(
                "Ảnh quá lớn (tối đa 4000 × 4000 điểm ảnh)",
                "The image is too large (at most 4000 × 4000 pixels)",
                code="too_large",
            )
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise InvalidFile(
            "Không đọc được ảnh PNG", f"Cannot read the PNG: {error}", code="unreadable_png"
        ) from None
    return image


def _inked(data: bytes, ink: _Ink) -> Image.Image:
    """The opened PNG, checked for a transparent background and mostly ``ink`` pixels."""
    image = _open(data)
    rgba = image.convert("RGBA")
    rgba.thumbnail((300, 300))
    pixels: list[tuple[int, int, int, int]] = list(rgba.get_flattened_data())  # type: ignore[arg-type]
    clear = sum(1 for p in pixels if p[3] < 32) / max(1, len(pixels))
    if ("A" not in image.getbands() and "transparency" not in image.info) or clear < 0.2:
        raise InvalidFile(
            "Ảnh phải có nền trong suốt (PNG có kênh alpha)",
            "The image must have a transparent background (PNG with alpha)",
            code="not_transparent",
        )
    opaque = [p for p in pixels if p[3] >= 128]
    if sum(1 for r, g, b, _ in opaque if ink.is_ink(r, g, b)) / max(1, len(opaque)) < 0.6:
        raise InvalidFile(ink.message, ink.message_en, code=ink.code)
    return image


def _size_mm(image: Image.Image) -> tuple[float, float] | None:
    dpi = image.info.get("dpi")
    if not dpi or not dpi[0] or not dpi[1] or dpi[0] < 50:
        return None
    return image.width / float(dpi[0]) * 25.4, image.height / float(dpi[1]) * 25.4


def check_signature(data: bytes) -> CheckedImage:
    image = _inked(data, BLUE)
    size = _size_mm(image) or (image.width / 300 * 25.4, image.height / 300 * 25.4)
    return CheckedImage(round(size[0], 2), round(size[1], 2))


def check_seal(data: bytes) -> CheckedImage:
    image = _inked(data, RED)
    size = _size_mm(image)
    if size is None:
        raise InvalidFile(
            "Ảnh con dấu phải ghi độ phân giải (DPI) để xác định kích thước thật",
            "The seal image must record its resolution (DPI) to know its real size",
            code="no_dpi",
        )
    if not all(SEAL_MM[0] <= s <= SEAL_MM[1] for s in size):
        raise InvalidFile(
            f"Kích thước thật của con dấu là {size[0]:.1f} × {size[1]:.1f} mm, "
            f"phải từ {SEAL_MM[0]:.0f} đến {SEAL_MM[1]:.0f} mm",
            f"The seal's real size is {size[0]:.1f} × {size[1]:.1f} mm; it must be "
            f"{SEAL_MM[0]:.0f}–{SEAL_MM[1]:.0f} mm",
            code="seal_size",
        )
    return CheckedImage(round(size[0], 2), round(size[1], 2))
