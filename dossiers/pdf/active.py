"""Whether a PDF carries content a viewer may run: JavaScript, launch or open actions.

A browser's PDF viewer shown a file inline runs in our origin's tab; such a file is only ever
sent as an attachment (motcua/files.py). Every object is looked at, direct dictionaries inside
others too, with pikepdf (names written with #xx escapes are read as the names they are, and
objects inside object streams are seen). A file that cannot be read counts as active: it is
not shown inline either.
"""

import io
from typing import Any

import pikepdf

# Action types (PDF 32000 §12.6.4) that run code, start programs or reach elsewhere.
ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/RichMediaExecute",
        "/Rendition",
        "/Sound",
        "/Movie",
    }
)
# Keys whose presence alone means code or an automatic action: scripts, additional actions
# (on page open, on field change…), document open action, embedded files and XFA forms.
ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/AA", "/OpenAction", "/EmbeddedFiles", "/XFA", "/RichMedia"}
)
MAX_OBJECTS = 200_000  # more than a file that passed the upload check can hold; beyond: active


def is_active(data: bytes) -> bool:
    """True when the PDF has JavaScript, launch or open actions (or cannot be read)."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            seen: set[tuple[int, int]] = set()
            pending: list[Any] = [pdf.trailer, *pdf.objects]
            visits = 0
            while pending:
                visits += 1
                if visits > MAX_OBJECTS:
                    return True
                node = pending.pop()
                if isinstance(node, pikepdf.Stream | pikepdf.Dictionary):
                    if node.is_indirect:
                        if node.objgen in seen:
                            continue
                        seen.add(node.objgen)
                    keys = set(node.keys())
                    if keys & ACTIVE_KEYS or str(node.get("/S", "")) in ACTIVE_ACTIONS:
                        return True
                    pending.extend(
                        node[key]
                        for key in keys
                        if _is_container(node[key]) and not node[key].is_indirect
                    )
                elif isinstance(node, pikepdf.Array):
                    pending.extend(
                        item for item in node if _is_container(item) and not item.is_indirect
                    )
            return False
    except (
        pikepdf.PdfError,
        ValueError,
        TypeError,
        KeyError,
        RecursionError,
        MemoryError,
        OSError,
    ):
        return True


def _is_container(value: Any) -> bool:
    return isinstance(value, pikepdf.Dictionary | pikepdf.Array | pikepdf.Stream)
