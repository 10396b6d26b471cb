"""Drawn demo artwork: a blue handwritten-looking signature and a red round seal (PNG, 300 dpi).

For the demo and the tests only; real agencies upload scans of their own.
"""

import io
import math

from PIL import Image, ImageDraw

DPI = 300


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(DPI, DPI))
    return out.getvalue()


def signature_png(seed: int = 1) -> bytes:
    image = Image.new("RGBA", (480, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [
        (30 + i * 6, 100 + 55 * math.sin(i / (3.0 + seed % 3)) * math.cos(i / 11))
        for i in range(70)
    ]
    draw.line(points, fill=(18, 45, 190, 255), width=7, joint="curve")
    draw.line([(60, 160), (420, 130)], fill=(18, 45, 190, 255), width=5)
    return _png(image)


def seal_png(diameter_mm: float = 36.0) -> bytes:
    size = round(diameter_mm / 25.4 * DPI)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (215, 25, 30, 255)
    draw.ellipse([4, 4, size - 5, size - 5], outline=red, width=max(6, size // 45))
    inner = size * 0.18
    draw.ellipse([inner, inner, size - inner, size - inner], outline=red, width=max(3, size // 90))
    c, r = size / 2, size * 0.14  # the five-pointed star of a state seal
    star = [
        (
            c + (r if k % 2 == 0 else r * 0.4) * math.sin(k * math.pi / 5),
            c - (r if k % 2 == 0 else r * 0.4) * math.cos(k * math.pi / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=red)
    for k in range(36):  # the ring of lettering, drawn as dashes
        a = k * 2 * math.pi / 36
        r1, r2 = size * 0.36, size * 0.43
        draw.line(
            [
                (c + r1 * math.cos(a), c + r1 * math.sin(a)),
                (c + r2 * math.cos(a), c + r2 * math.sin(a)),
            ],
            fill=red,
            width=4,
        )
    return _png(image)
