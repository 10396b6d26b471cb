"""Hostile files for the upload checks: small on disk, huge once decoded or followed.

Shared by the tests and bench/bench_bombs.py. The PDFs are written byte by byte (``raw_pdf``)
where a library would decode or repair what the attack needs to keep: filter chains, object
streams, page trees of thousands of leaves.
"""

import io
import struct
import zlib

from PIL import Image

MIB = 1024 * 1024


def deflate(data: bytes) -> bytes:
    return zlib.compress(data, 9)


def deflate_repeated(chunk: bytes, total: int) -> bytes:
    """Deflate ``chunk`` repeated up to ``total`` bytes without building the whole input."""
    packer = zlib.compressobj(9)
    block = chunk * max(1, MIB // len(chunk))
    out, written = [], 0
    while written < total:
        part = block[: total - written]
        out.append(packer.compress(part))
        written += len(part)
    out.append(packer.flush())
    return b"".join(out)


def _deflate_padded(data: bytes, padding: int) -> bytes:
    packer = zlib.compressobj(9)
    out = [packer.compress(data)]
    block = b" " * MIB
    for start in range(0, padding, MIB):
        out.append(packer.compress(block[: padding - start]))
    out.append(packer.flush())
    return b"".join(out)


def stream(dictionary: str, data: bytes) -> bytes:
    return f"<< {dictionary} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def raw_pdf(
    objects: dict[int, bytes],
    *,
    packed: dict[int, bytes] | None = None,
    root: int = 1,
    version: str = "1.7",
    padding: int = 0,
) -> bytes:
    """A PDF with ``objects`` written plainly and ``packed`` ones inside one object stream.

    With ``packed``, the cross-reference is an uncompressed xref stream (PDF 1.5 §7.5.8), so
    the objects inside the object stream can be found; the object stream itself is deflated,
    followed inside by ``padding`` bytes of blank space.
    """
    packed = packed or {}
    objects = dict(objects)
    stm = xref = 0
    if packed:
        stm = max([*objects, *packed]) + 1
        head, parts, offset = [], [], 0
        for number, value in packed.items():
            head.append(f"{number} {offset}")
            parts.append(value + b"\n")
            offset += len(value) + 1
        first = " ".join(head).encode() + b"\n"
        body = b"".join(parts)
        objects[stm] = stream(
            f"/Type /ObjStm /N {len(packed)} /First {len(first)} /Filter /FlateDecode",
            _deflate_padded(first + body, padding),
        )
        xref = stm + 1
    out = bytearray(f"%PDF-{version}\n%\xe2\xe3\xcf\xd3\n".encode("latin-1"))
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    size = max([*objects, *packed, xref]) + 1
    start = len(out)
    if not packed:
        out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
        for number in range(1, size):
            if number in offsets:
                out += f"{offsets[number]:010d} 00000 n \n".encode()
            else:
                out += b"0000000000 65535 f \n"
        out += f"trailer\n<< /Size {size} /Root {root} 0 R >>\nstartxref\n{start}\n%%EOF\n".encode()
        return bytes(out)
    index = {number: i for i, number in enumerate(packed)}
    rows = bytearray()
    for number in range(size):
        if number in offsets:
            rows += struct.pack(">BII", 1, offsets[number], 0)
        elif number == xref:
            rows += struct.pack(">BII", 1, start, 0)
        elif number in packed:
            rows += struct.pack(">BII", 2, stm, index[number])
        else:
            rows += struct.pack(">BII", 0, 0, 65535)
    out += (
        f"{xref} 0 obj\n".encode()
        + stream(f"/Type /XRef /Size {size} /W [1 4 4] /Root {root} 0 R", bytes(rows))
        + b"\nendobj\n"
    )
    out += f"startxref\n{start}\n%%EOF\n".encode()
    return bytes(out)


def _one_page(
    content: bytes,
    content_dict: str = "/Filter /FlateDecode",
    resources: str = "<< >>",
    extra: dict[int, bytes] | None = None,
) -> bytes:
    return raw_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            f"/Resources {resources} >>".encode(),
            4: stream(content_dict, content),
            **(extra or {}),
        }
    )


def operator_bomb(megabytes: int = 4) -> bytes:
    """The reported one: a few KB that inflate to a few MB of ``q Q`` operators."""
    return _one_page(deflate_repeated(b"q Q\n", megabytes * MIB))


def content_size_bomb(megabytes: int = 64) -> bytes:
    """A content stream of blank space that inflates far beyond any real page."""
    return _one_page(deflate_repeated(b" " * 64, megabytes * MIB))


def nested_filter_bomb(megabytes: int = 64) -> bytes:
    """Deflate inside deflate: a thousandfold twice (a gigabyte from 5 KB with 1024)."""
    inner = deflate_repeated(b"q Q\n", megabytes * MIB)
    return _one_page(deflate(inner), "/Filter [/FlateDecode /FlateDecode]")


def nesting_bomb(depth: int = 100_000) -> bytes:
    """``q`` saved a hundred thousand times before anything is restored."""
    return _one_page(deflate(b"q\n" * depth + b"Q\n" * depth))


def huge_image_pdf(side: int = 1_000_000) -> bytes:
    """An image XObject declaring side × side pixels, drawn over the page, with 8 bytes of data."""
    return _one_page(
        deflate(b"q 595 0 0 842 0 0 cm /Im0 Do Q"),
        resources="<< /XObject << /Im0 5 0 R >> >>",
        extra={
            5: stream(
                f"/Type /XObject /Subtype /Image /Width {side} "
                f"/Height {side} /ColorSpace /DeviceRGB "
                "/BitsPerComponent 8 /Filter /FlateDecode",
                deflate(bytes(8)),
            )
        },
    )


def many_pages(count: int = 100_000) -> bytes:
    """``count`` small pages, all in one object stream: a few hundred KB on disk."""
    first = 10
    packed = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: (
            f"<< /Type /Pages /Count {count} /Kids ["
            + " ".join(f"{first + i} 0 R" for i in range(count))
            + "] >>"
        ).encode(),
    }
    for i in range(count):
        packed[first + i] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
    return raw_pdf({}, packed=packed)


def nested_forms(fan_out: int = 10, depth: int = 12) -> bytes:
    """Form k draws form k+1 ``fan_out`` times, ``depth`` levels down to an image."""
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /XObject << /F 5 0 R >> >> >>",
        4: stream("", b"q 595 0 0 842 0 0 cm /F Do Q"),
    }
    for level in range(depth):
        number = 5 + level
        draws = b"/F Do " * fan_out
        objects[number] = stream(
            f"/Type /XObject /Subtype /Form /BBox [0 0 1 1] "
            f"/Resources << /XObject << /F {number + 1} 0 R >> >>",
            draws,
        )
    objects[5 + depth] = stream(
        "/Type /XObject /Subtype /Image /Width 2 /Height 2 "
        "/ColorSpace /DeviceRGB /BitsPerComponent 8",
        bytes(12),
    )
    return raw_pdf(objects)


def object_stream_bomb(megabytes: int = 64) -> bytes:
    """The catalogue and page tree inside an object stream that inflates to ``megabytes``."""
    return raw_pdf(
        {3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"},
        packed={
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        },
        padding=megabytes * MIB,
    )


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A PNG declaring width × height pixels in a few hundred bytes: only the header is real."""
    small = io.BytesIO()
    Image.new("L", (1, 1)).save(small, "PNG")
    data = bytearray(small.getvalue())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17]))
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


def jpeg_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A JPEG whose frame header declares width × height pixels (65535 is JPEG's maximum)."""
    small = io.BytesIO()
    Image.new("RGB", (8, 8)).save(small, "JPEG")
    data = bytearray(small.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def container_bomb(items: int = 5_000_000) -> bytes:
    """A catalogue holding an array of ``items`` numbers: 10 MB of text, a few KB deflated,
    and qpdf makes an object of each number when it reads the catalogue."""
    return raw_pdf(
        {3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"},
        packed={
            1: b"<< /Type /Catalog /Pages 2 0 R /Filler [" + b"0 " * items + b"] >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        },
    )
