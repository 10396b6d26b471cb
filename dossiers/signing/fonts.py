"""The Times-metric font for text signatures (Phụ lục I.3, II.3: Times New Roman, 10 pt).

pyHanko lays out TrueType text assuming 1000 font units per em; Liberation Serif has 2048, so
its stamps come out twice as wide (measured, DESIGN "Known traps"). We rescale a copy to 1000
units with fontTools. Liberation's licence reserves its name, so the copy is made here from the
installed system font (Debian fonts-liberation2, or Tinos) under another name, never shipped.
"""

import os
import tempfile
from functools import cache
from pathlib import Path

SYSTEM_FONTS = (
    Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"),
    Path("/usr/share/fonts/truetype/croscore/Tinos-Regular.ttf"),
)
FAMILY = "MotcuaSerif1000"


class FontMissing(RuntimeError):
    pass


def system_font() -> Path:
    for path in SYSTEM_FONTS:
        if path.exists():
            return path
    raise FontMissing("Liberation Serif or Tinos is required (Debian: fonts-liberation2)")


def _cache_dir() -> Path:
    root = os.environ.get("MOTCUA_FONT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "motcua"
    )
    return Path(root)


@cache
def stamp_font() -> Path:
    """Path to the rescaled copy (made once per machine, atomically)."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    source = system_font()
    folder = _cache_dir()
    target = folder / f"{FAMILY}-{source.stat().st_size}.ttf"
    if target.exists():
        return target
    font = TTFont(str(source))
    scale_upem(font, 1000)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 16, 21):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (3, 6, 20):
            names.setName(
                f"{FAMILY}-Regular",
                record.nameID,
                record.platformID,
                record.platEncID,
                record.langID,
            )
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".ttf")
    os.close(fd)
    try:
        font.save(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
