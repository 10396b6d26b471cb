"""Signature appearances as Phụ lục I.3 and II describe them.

- A leader's signature: the image of their handwritten signature, no text (II.1).
- The agency's seal: the red seal image at its real size, no text (II.2).
- Copies and attachments: text only, Times-metric font, 10 pt, upright, black (I.3, II.3).

Text stamps use the rescaled font (fonts.py) with zero margins and the same size on the stamp
and its text box, so a 10 pt line is drawn at 10 pt and its width is what we measure here.
"""

import io
import unicodedata
from functools import cache
from typing import Any

from PIL import Image
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import StaticStampStyle, TextStampStyle

from dossiers.signing.fonts import stamp_font

FONT_SIZE = 10
LEADING = 12
MM = 72 / 25.4


@cache
def _font_bytes() -> bytes:
    return stamp_font().read_bytes()


class _MemoryFont(GlyphAccumulatorFactory):
    """pyHanko's factory opens the font file and never closes it; read it once from memory."""

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(_font_bytes()),
            font_size=self.font_size,
            ot_script_tag=self.ot_script_tag,
            ot_language_tag=self.ot_language_tag,
            writing_direction=self.writing_direction,
            bcp47_lang_code=self.bcp47_lang_code,
            obj_stream=obj_stream,
        )


def image_style(png: bytes) -> StaticStampStyle:
    """An image-only appearance filling its box (the box has the image's proportions)."""
    image: Image.Image = Image.open(io.BytesIO(png))
    image.load()
    if image.mode not in ("RGBA", "LA"):
        image = image.convert("RGBA")
    return StaticStampStyle(
        background=PdfImage(image),
        background_opacity=1.0,
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
        ),
    )


@cache
def _widths() -> tuple[dict[int, str], dict[str, int]]:
    from fontTools.ttLib import TTFont

    with TTFont(io.BytesIO(_font_bytes())) as font:
        return font.getBestCmap(), {name: adv for name, (adv, _) in font["hmtx"].metrics.items()}


def text_width(line: str, size: float = FONT_SIZE) -> float:
    """Width in points of ``line`` in the stamp font (1000 units per em after rescaling)."""
    cmap, advances = _widths()
    units = sum(
        advances.get(cmap.get(ord(ch), ".notdef"), 500) for ch in unicodedata.normalize("NFC", line)
    )
    return units * size / 1000


def text_box_size(lines: list[str]) -> tuple[float, float]:
    width = max(text_width(line) for line in lines)
    return width + 2, LEADING * len(lines) + 4


# An opaque white ground under the text: where the stamp has to sit over something (a scan's
# top right corner, a header no free space could avoid), the signature stays legible.
_GROUND = 100


def _white_ground() -> RawContent:
    return RawContent(
        b"1 1 1 rg 0 0 %d %d re f" % (_GROUND, _GROUND), box=layout.BoxConstraints(_GROUND, _GROUND)
    )


def text_style(lines: list[str]) -> TextStampStyle:
    """Text-only appearance: black, upright, 10 pt, right-aligned to the box's right edge,
    on a white ground."""
    font = _MemoryFont(str(stamp_font()), font_size=FONT_SIZE)
    text = "\n".join(unicodedata.normalize("NFC", line).replace("%", "%%") for line in lines)
    no_margins = layout.Margins(0, 0, 0, 0)
    return TextStampStyle(
        stamp_text=text,
        border_width=0,
        background=_white_ground(),
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=no_margins,
            inner_content_scaling=layout.InnerScaling.STRETCH_FILL,
        ),
        text_box_style=TextBoxStyle(
            font=font,
            font_size=FONT_SIZE,
            leading=LEADING,
            border_width=0,
            text_color=(0, 0, 0),
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MAX,
                margins=no_margins,
                inner_content_scaling=layout.InnerScaling.NO_SCALING,
            ),
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=no_margins,
            inner_content_scaling=layout.InnerScaling.NO_SCALING,
        ),
    )
