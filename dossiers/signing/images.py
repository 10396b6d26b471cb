"""Checks for uploaded signature and seal images (Phụ lục II.1–2), each with a clear reason.

A leader's signature: PNG with a transparent background, the ink blue. An agency's seal: PNG
with a transparent background, the ink red, its resolution recorded (pHYs) so that its real
size in millimetres is known: a seal is drawn at real size.
"""

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from dossiers.errors import InvalidFile

MAX_PIXELS = 4000 * 4000
SEAL_MM = (25.0, 50.0)  # plausible real diameters of an agency's seal


@dataclass(frozen=True)
class CheckedImage:
    width_mm: float
    height_mm: float


def _fail(vi: str, en: str, code: str) -> InvalidFile:
    return InvalidFile(vi, en, code=code)


def _open(data: bytes) -> Image.Image:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise _fail("Ảnh phải là tệp PNG", "The image must be a PNG file", "not_png")
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise _fail("Ảnh quá lớn (tối đa 4000 × 4000 điểm ảnh)",
                        "The image is too large (at most 4000 × 4000 pixels)", "too_large")
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise _fail("Không đọc được ảnh PNG", f"Cannot read the PNG: {error}",
                    "unreadable_png") from None
    return image


def _ink_share(image: Image.Image, colour: str) -> tuple[float, float]:
    """(share of transparent pixels, share of the opaque pixels that are ``colour``)."""
    rgba = image.convert("RGBA")
    rgba.thumbnail((300, 300))
    pixels: list[tuple[int, int, int, int]] = list(rgba.get_flattened_data())  # type: ignore[arg-type]
    transparent = sum(1 for p in pixels if p[3] < 32)
    ink = [p for p in pixels if p[3] >= 128]
    if colour == "blue":
        coloured = sum(1 for r, g, b, _ in ink if b >= r + 40 and b >= g + 20)
    else:
        coloured = sum(1 for r, g, b, _ in ink if r >= g + 60 and r >= b + 60)
    return transparent / max(1, len(pixels)), coloured / max(1, len(ink))


def _transparent(image: Image.Image, share: float) -> None:
    if ("A" not in image.getbands() and "transparency" not in image.info) or share < 0.2:
        raise _fail("Ảnh phải có nền trong suốt (PNG có kênh alpha)",
                    "The image must have a transparent background (PNG with alpha)",
                    "not_transparent")


def _size_mm(image: Image.Image) -> tuple[float, float] | None:
    dpi = image.info.get("dpi")
    if not dpi or not dpi[0] or not dpi[1] or dpi[0] < 50:
        return None
    return image.width / float(dpi[0]) * 25.4, image.height / float(dpi[1]) * 25.4


def check_signature(data: bytes) -> CheckedImage:
    image = _open(data)
    clear, blue = _ink_share(image, "blue")
    _transparent(image, clear)
    if blue < 0.6:
        raise _fail("Chữ ký phải có màu xanh (Phụ lục II.1)",
                    "The signature must be blue (Phụ lục II.1)", "not_blue")
    size = _size_mm(image) or (image.width / 300 * 25.4, image.height / 300 * 25.4)
    return CheckedImage(round(size[0], 2), round(size[1], 2))


def check_seal(data: bytes) -> CheckedImage:
    image = _open(data)
    clear, red = _ink_share(image, "red")
    _transparent(image, clear)
    if red < 0.6:
        raise _fail("Con dấu phải có màu đỏ (Phụ lục II.2)",
                    "The seal must be red (Phụ lục II.2)", "not_red")
    size = _size_mm(image)
    if size is None:
        raise _fail("Ảnh con dấu phải ghi độ phân giải (DPI) để xác định kích thước thật",
                    "The seal image must record its resolution (DPI) to know its real size",
                    "no_dpi")
    if not all(SEAL_MM[0] <= s <= SEAL_MM[1] for s in size):
        raise _fail(f"Kích thước thật của con dấu là {size[0]:.1f} × {size[1]:.1f} mm, "
                    f"phải từ {SEAL_MM[0]:.0f} đến {SEAL_MM[1]:.0f} mm",
                    f"The seal's real size is {size[0]:.1f} × {size[1]:.1f} mm; it must be "
                    f"{SEAL_MM[0]:.0f}–{SEAL_MM[1]:.0f} mm", "seal_size")
    return CheckedImage(round(size[0], 2), round(size[1], 2))
