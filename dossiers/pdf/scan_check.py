"""Scans against the digitization standard of QĐ 31/2021, Phụ lục I.2.

A scan meets it when the PDF is version 1.4 or later (the higher of the header and the
catalogue's /Version), every image on every page is in colour, every image is drawn at 200 dpi
or more in both directions, and the page is the scanned paper at 100 %: the images cover the
page and the page is a real paper size.

The check reads dictionaries and content streams only, never image data: resolution comes from
the pixel size and the current transformation matrix when the image is painted (q/Q, cm, form
XObjects with their /Matrix, inline images), so a PDF declaring a 100000×100000 image is judged
as fast as any other. ppi_x and ppi_y run along the image's own pixel rows and columns and agree
with the x-ppi and y-ppi of ``pdfimages -list`` (poppler), which also takes the lengths of the
transformed unit vectors, so they do not change with /Rotate or a turned image; the page's
width_mm and height_mm are as displayed, after /Rotate. Page attributes are inherited from the
page tree, and a form XObject without /Resources uses its caller's.

Decisions the standard leaves open:
- Colour: DeviceRGB, DeviceCMYK, CalRGB, Lab, ICCBased with 3 or 4 components, DeviceN with 3
  or more colorants (a CMY(K)-plus-spot scan is still a colour scan), and Indexed over any of
  these. Not colour: gray (DeviceGray, CalGray, ICCBased with 1 component), Separation and DeviceN
  with 1–2 colorants, image masks, and any image of 1 bit per component, even an Indexed one.
- JPEG 2000 without /ColorSpace: the colour space is in the JPX stream; its JP2 header (ihdr,
  colr, pclr boxes) or codestream SIZ marker is read, never its pixels. Colour when it declares
  an sRGB/sYCC/CMYK colour space or 3+ components (palette columns for a palette image); a
  header that cannot be read counts as not colour, since colour cannot be shown.
- Resolution: a value that rounds to 200 dpi passes (≥ 199.5), as ``pdfimages -list`` shows it;
  the page size in points rounds the pixel size, so an honest 200-dpi scan can measure 199.8.
- Paper sizes: ISO 216 A0–A10 and B0–B10, US Letter and Legal, either orientation, each side
  within 3 mm (ISO 216 allows ±2 mm on the paper itself, and a scanner rounds to whole pixels).
  The page is the CropBox (clipped to the MediaBox), scaled by /UserUnit.
- "Fills the page": the union of the painted images covers at least 98 % of that box. Clipping
  paths are not modelled; scanners and img2pdf do not clip. A page that fails this and one that
  is no paper size each get their own ``not_full_scale`` problem, with its own message.
- An owner-password-only file opens, so it is checked, but still gets ``encrypted``: the back
  office has to stamp and sign it.
- A page whose content cannot be followed (broken operands) gets ``unreadable`` with its page
  number; only a file-level ``unreadable`` (not a PDF at all) makes the command exit 2.

Hostile files (issue 12: a 4.5 KB file whose content inflated to megabytes of ``q Q`` held a
worker for 95 s and 3 GB). A scan page is one image and a handful of operators, so the work any
file can cause is bounded, and a file over a bound gets ``too_complex`` (Vietnamese and English
reasons) and no further pages are read; uploads refuse it:
- at most MAX_PAGES pages; content streams are inflated by us with a cap (MAX_CONTENT_BYTES a
  page, MAX_TOTAL_CONTENT_BYTES a file) before qpdf parses them, other filters and qpdf's own
  streams (object and xref streams) decode under qpdf's process-wide QPDF_STREAM_BYTES;
- at most MAX_OPERATORS of the operators followed per page, counted before they are parsed,
  MAX_NESTING levels of ``q``, MAX_PLACEMENTS image paintings per page (forms drawing forms);
- no image over MAX_IMAGE_PIXELS (the later stages would decode it);
- uploads (``check_pdf``) are judged in a child process limited to CHILD_CPU_SECONDS of CPU and
  CHILD_MEMORY_BYTES of memory beyond its start, for what qpdf does before any of the above
  (opening a file of a million tiny objects); the command-line check runs in its own process.
"""

import contextlib
import dataclasses
import functools
import io
import json
import math
import os
import re
import resource
import select
import signal
import struct
import time
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

import pikepdf
import pikepdf.settings

ProblemCode = Literal[
    "pdf_version",
    "not_colour",
    "low_resolution",
    "not_full_scale",
    "no_image",
    "encrypted",
    "unreadable",
    "too_complex",
]
Matrix = tuple[float, float, float, float, float, float]
Rect = tuple[float, float, float, float]

MIN_VERSION = (1, 4)
MIN_PPI = 200
PPI_SLACK = 0.5
MIN_FILL = 0.98
SIZE_TOLERANCE_MM = 3.0
PAPER_SIZES_MM: dict[str, tuple[float, float]] = {
    **{
        f"A{i}": s
        for i, s in enumerate(
            [
                (841, 1189),
                (594, 841),
                (420, 594),
                (297, 420),
                (210, 297),
                (148, 210),
                (105, 148),
                (74, 105),
                (52, 74),
                (37, 52),
                (26, 37),
            ]
        )
    },
    **{
        f"B{i}": s
        for i, s in enumerate(
            [
                (1000, 1414),
                (707, 1000),
                (500, 707),
                (353, 500),
                (250, 353),
                (176, 250),
                (125, 176),
                (88, 125),
                (62, 88),
                (44, 62),
                (31, 44),
            ]
        )
    },
    "Letter": (215.9, 279.4),
    "Legal": (215.9, 355.6),
}
COLOUR_KINDS = frozenset({"rgb", "cmyk", "lab", "devicen"})
MAX_FORM_DEPTH = 12
MAX_PLACEMENTS = 10_000  # per page; nested forms drawing each other many times stop here
MIB = 1024 * 1024
MAX_PAGES = 2_000  # 20 MB of upload (uploads.MAX_FILE_BYTES) is 10 KB a page
MAX_CONTENT_BYTES = 8 * MIB  # a scan page's content is under 100 bytes, a dense text page 100 KB
MAX_TOTAL_CONTENT_BYTES = 32 * MIB
MAX_OPERATORS = 50_000  # of q, Q, cm, Do, BI per page; qpdf and Python take ~10 µs each
MAX_NESTING = 256  # q without Q; PDF 32000 Annex C.2 gives 28 as a reader's usual limit
MAX_IMAGE_PIXELS = 200_000_000  # a scan of A0 at 300 dpi (140 million) fits
# Process-wide (qpdf's limits are global): any one stream qpdf decodes, for anyone.
QPDF_STREAM_BYTES = 32 * MIB
QPDF_MAX_FILTERS = 4
NO_PAGES = unicodedata.normalize("NFC", "Tệp PDF không có trang nào")
CHILD_CPU_SECONDS = 1
CHILD_MEMORY_BYTES = 256 * MIB
CHILD_WALL_SECONDS = 10  # only for a child that waits without using CPU

pikepdf.settings.set_qpdf_limits(
    flate_max_memory=QPDF_STREAM_BYTES,
    run_length_max_memory=QPDF_STREAM_BYTES,
    png_max_memory=QPDF_STREAM_BYTES,
    tiff_max_memory=QPDF_STREAM_BYTES,
    max_stream_filters=QPDF_MAX_FILTERS,
)

_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_OPERATORS = "q Q cm Do BI ID EI"
_LETTER: Rect = (0.0, 0.0, 612.0, 792.0)  # poppler's default when a page has no MediaBox
_DEVICE = {
    "/DeviceRGB": "rgb",
    "/RGB": "rgb",
    "/CalRGB": "rgb",
    "/DeviceCMYK": "cmyk",
    "/CMYK": "cmyk",
    "/DeviceGray": "gray",
    "/G": "gray",
    "/CalGray": "gray",
    "/Lab": "lab",
}
_COLOUR_NAMES = {
    "rgb": "màu RGB",
    "cmyk": "màu CMYK",
    "lab": "màu Lab",
    "devicen": "màu DeviceN",
    "gray": "thang xám",
    "bilevel": "đen trắng 1 bit",
    "mask": "đen trắng 1 bit (mặt nạ)",
    "spot": "một kênh màu pha (Separation)",
    "unknown": "không rõ hệ màu",
}
# Bad input shows up as any of these, from qpdf or from a value of the wrong type.
_BAD_INPUT = (
    pikepdf.PdfError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    ArithmeticError,
    RecursionError,
    struct.error,
    NotImplementedError,
    zlib.error,
)
_DELIMITED = rb"\x00\t\n\x0c\r ()<>\[\]{}%"
# Operators the walk follows, as separate tokens (a name such as /Do is not one); strings that
# happen to hold "q" count too, which only makes the count an upper bound.
_FOLLOWED = re.compile(rb"(?<![^" + _DELIMITED + rb"])(?:q|Q|cm|Do|BI)(?![^" + _DELIMITED + rb"/])")


def _vi(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Problem:
    code: ProblemCode
    page: int | None  # 1-based; None for the whole file
    message: str  # Vietnamese, for a clerk
    message_en: str = ""  # for the refusals (too_complex) that reach the API

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "page": self.page, "message": self.message}


@dataclass(frozen=True)
class ImageInfo:
    """One painting of an image: pixels per inch along the image's own x and y axes."""

    ppi_x: float
    ppi_y: float
    colour: str  # rgb, cmyk, lab, devicen, indexed-…, gray, bilevel, mask, spot, unknown

    @property
    def is_colour(self) -> bool:
        return self.colour.removeprefix("indexed-") in COLOUR_KINDS

    def as_dict(self) -> dict[str, Any]:
        return {"ppi_x": round(self.ppi_x, 1), "ppi_y": round(self.ppi_y, 1), "colour": self.colour}


@dataclass
class PageInfo:
    number: int
    width_mm: float  # as displayed, after /Rotate
    height_mm: float
    images: list[ImageInfo] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "width_mm": round(self.width_mm, 1),
            "height_mm": round(self.height_mm, 1),
            "images": [image.as_dict() for image in self.images],
        }


@dataclass
class ScanReport:
    compliant: bool
    pdf_version: str | None
    problems: list[Problem]
    pages: list[PageInfo]

    def as_dict(self) -> dict[str, Any]:
        return {
            "compliant": self.compliant,
            "pdf_version": self.pdf_version,
            "problems": [problem.as_dict() for problem in self.problems],
            "pages": [page.as_dict() for page in self.pages],
        }


def _report(version: str | None, problems: list[Problem], pages: list[PageInfo]) -> ScanReport:
    return ScanReport(not problems, version, problems, pages)


def _unreadable(message: str, version: str | None = None) -> ScanReport:
    return _report(version, [Problem("unreadable", None, _vi(message))], [])


class _Limit(Exception):
    """Over one of the bounds: the file is refused with this reason (Vietnamese, English)."""

    def __init__(self, message: str, message_en: str, page: int | None = None) -> None:
        super().__init__(message)
        self.message, self.message_en, self.page = _vi(message), message_en, page

    def on_page(self, number: int) -> "_Limit":
        return _Limit(
            f"Trang {number}: {self.message}", f"Page {number}: {self.message_en}", number
        )

    def report(self, version: str | None) -> ScanReport:
        return _report(
            version, [Problem("too_complex", self.page, self.message, self.message_en)], []
        )


_QPDF_LIMIT = _Limit(
    "Tệp PDF chứa dữ liệu nén giải nén ra quá lớn, không kiểm tra được",
    "The PDF holds compressed data that inflates too far; it cannot be checked",
)
_QPDF_LIMIT_ON_PAGE = _Limit(
    "dữ liệu nén giải nén ra quá lớn, không kiểm tra được",
    "compressed data inflates too far; the file cannot be checked",
)
_CHILD_LIMIT = _Limit(
    f"Tệp PDF quá lớn hoặc quá phức tạp, không kiểm tra được trong {CHILD_CPU_SECONDS} giây "
    f"và {CHILD_MEMORY_BYTES // MIB} MB bộ nhớ",
    f"The PDF is too large or too complex to check within {CHILD_CPU_SECONDS} s of CPU and "
    f"{CHILD_MEMORY_BYTES // MIB} MB of memory",
)


def _hit_qpdf_limit(error: BaseException) -> bool:
    """qpdf refused to go on because of QPDF_STREAM_BYTES (or ran out of memory trying)."""
    text = str(error).lower()
    return isinstance(error, MemoryError) or "limit exceeded" in text or "too many" in text


_STRUCTURE_STREAM = re.compile(
    rb"/Type\s*/(?:ObjStm|XRef)\b[^\n]{0,300}?>>\s*stream\r?\n", re.DOTALL
)


def _inflates_too_far(data: bytes) -> bool:
    """Whether an object or xref stream inflates beyond qpdf's limit: qpdf then reports only
    that it found no catalogue, and the reason for refusing should be the real one."""
    limit = QPDF_STREAM_BYTES
    for match in _STRUCTURE_STREAM.finditer(data):
        inflater = zlib.decompressobj()
        with contextlib.suppress(zlib.error):
            if len(inflater.decompress(data[match.end() :], limit + 1)) > limit:
                return True
    return False


@functools.lru_cache(maxsize=2)  # the upload check and the intake ask about the same bytes
def check_pdf(data: bytes) -> ScanReport:
    """Judge an upload in a child process limited in CPU and memory; never raises.

    The child is forked (cheap: it shares this process's pages until it writes) and answers in
    JSON, never pickle: a child that a hostile file took over cannot run code here. A child
    that goes over its limits, dies or stays silent gives ``too_complex``.
    """
    if not hasattr(os, "fork"):
        return judge_pdf(data)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(reader)
            _judge_in_child(writer, data)
        finally:
            os._exit(0)
    os.close(writer)
    answer = _read_answer(reader)
    os.close(reader)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    try:
        return _from_json(answer)
    except (ValueError, KeyError, TypeError):
        return _CHILD_LIMIT.report(None)


def _read_answer(reader: int) -> bytes:
    chunks, deadline = [], time.monotonic() + CHILD_WALL_SECONDS
    while (left := deadline - time.monotonic()) > 0 and select.select([reader], [], [], left)[0]:
        chunk = os.read(reader, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _judge_in_child(writer: int, data: bytes) -> None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:  # what the child has already
            start = int(statm.read().split()[0]) * resource.getpagesize()
        limit = start + CHILD_MEMORY_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):
        pass  # not Linux: the CPU limit and the bounds in the walk still hold
    resource.setrlimit(resource.RLIMIT_CPU, (CHILD_CPU_SECONDS, CHILD_CPU_SECONDS + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # qpdf aborts on some allocation failures
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # the peak below is this child's, not the parent's
    before = _resident("VmRSS")
    try:
        report = judge_pdf(data)
    except MemoryError:
        report = _CHILD_LIMIT.report(None)
    if _is_unreadable(report) and _resident("VmHWM") - before > CHILD_MEMORY_BYTES // 2:
        report = _CHILD_LIMIT.report(None)  # qpdf turns a failed allocation into "no catalogue"
    answer = json.dumps(_to_json(report)).encode()
    for start in range(0, len(answer), 1 << 16):
        os.write(writer, answer[start : start + (1 << 16)])


def _resident(field: str) -> int:
    """Bytes of this process's memory as /proc/self/status gives them (0 where there is none)."""
    with (
        contextlib.suppress(OSError, ValueError),
        open("/proc/self/status", encoding="ascii") as status,
    ):
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _to_json(report: ScanReport) -> dict[str, Any]:
    return dataclasses.asdict(report)  # unrounded, unlike as_dict: the same report as here


def _from_json(answer: bytes) -> ScanReport:
    raw = json.loads(answer)
    problems = [
        Problem(p["code"], p["page"], p["message"], p["message_en"]) for p in raw["problems"]
    ]
    pages = [
        PageInfo(
            p["number"],
            p["width_mm"],
            p["height_mm"],
            [ImageInfo(i["ppi_x"], i["ppi_y"], i["colour"]) for i in p["images"]],
        )
        for p in raw["pages"]
    ]
    return ScanReport(bool(raw["compliant"]), raw["pdf_version"], problems, pages)


def judge_pdf(data: bytes) -> ScanReport:
    """Judge a scan in this process; bad input gives ``unreadable``, ``encrypted`` or
    ``too_complex``, never an exception."""
    if not data:
        return _unreadable("Tệp rỗng, không có nội dung PDF")
    header = re.search(rb"%PDF-(\d+\.\d+)", data[:1024])
    if header is None:
        return _unreadable("Tệp không phải là tệp PDF")
    header_version = header.group(1).decode()
    try:
        # No reconstruction, as for uploads: a damaged file is not the file that was meant.
        pdf = pikepdf.open(io.BytesIO(data), attempt_recovery=False)
    except pikepdf.PasswordError:
        return _report(
            header_version,
            [
                Problem(
                    "encrypted",
                    None,
                    _vi("Tệp PDF có mật khẩu, không mở được để kiểm tra; hãy gửi bản không khóa"),
                )
            ],
            [],
        )
    except (*_BAD_INPUT, OSError, MemoryError) as error:
        if _hit_qpdf_limit(error) or _inflates_too_far(data):
            return _QPDF_LIMIT.report(header_version)
        return _unreadable("Tệp PDF bị hỏng hoặc không đầy đủ, không đọc được", header_version)
    with pdf:
        try:
            version = _version(pdf, header_version)
            pages = list(pdf.pages)
        except (*_BAD_INPUT, MemoryError) as error:
            if _hit_qpdf_limit(error):
                return _QPDF_LIMIT.report(header_version)
            return _unreadable("Tệp PDF bị hỏng, không đọc được danh sách trang", header_version)
        if not pages:
            return _unreadable(NO_PAGES, version)
        if len(pages) > MAX_PAGES:
            return _Limit(
                f"Tệp PDF có {len(pages)} trang, nhiều hơn mức tối đa {MAX_PAGES} trang",
                f"The PDF has {len(pages)} pages, more than the {MAX_PAGES} allowed",
            ).report(version)
        problems: list[Problem] = []
        if _parse_version(version) < MIN_VERSION:
            problems.append(
                Problem(
                    "pdf_version",
                    None,
                    _vi(
                        f"Phiên bản PDF {version}, cần từ {MIN_VERSION[0]}.{MIN_VERSION[1]} trở lên"
                    ),
                )
            )
        if pdf.is_encrypted:
            problems.append(
                Problem(
                    "encrypted",
                    None,
                    _vi("Tệp PDF bị mã hóa (hạn chế quyền in, sao chép), hãy gửi bản không mã hóa"),
                )
            )
        walker = _Walker(pdf)
        infos = []
        try:
            for number, page in enumerate(pages, 1):
                info, page_problems = _check_page(number, page, walker)
                infos.append(info)
                problems.extend(page_problems)
        except _Limit as limit:
            return limit.report(version)
        return _report(version, problems, infos)


def _parse_version(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"/?(\d+)\.(\d+)", text.strip())
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def _version(pdf: pikepdf.Pdf, header: str) -> str:
    """The higher of the header and the catalogue's /Version (PDF 1.4 §3.6.1)."""
    best = header if _parse_version(pdf.pdf_version) < (1, 0) else pdf.pdf_version
    catalogue = pdf.Root.get("/Version")
    if isinstance(catalogue, pikepdf.Name) and _parse_version(str(catalogue)) > _parse_version(
        best
    ):
        best = str(catalogue).lstrip("/")
    return best


# --- one page -------------------------------------------------------------------------------


def _check_page(
    number: int, page: pikepdf.Page, walker: "_Walker"
) -> tuple[PageInfo, list[Problem]]:
    try:
        box, rotate, unit = _geometry(page.obj)
    except _BAD_INPUT:
        return PageInfo(number, 0.0, 0.0), [
            Problem(
                "unreadable",
                number,
                _vi(f"Trang {number}: trang bị hỏng (thiếu kích thước), không kiểm tra được"),
            )
        ]
    width_mm = (box[2] - box[0]) * unit * 25.4 / 72
    height_mm = (box[3] - box[1]) * unit * 25.4 / 72
    if rotate in (90, 270):
        width_mm, height_mm = height_mm, width_mm
    info = PageInfo(number, width_mm, height_mm)
    try:
        resources = _inherited(page.obj, "/Resources")
        placements = walker.page(page, resources if _is_dict(resources) else None)
    except _Limit as limit:
        raise limit.on_page(number) from None
    except (*_BAD_INPUT, MemoryError) as error:
        if _hit_qpdf_limit(error):
            raise _QPDF_LIMIT_ON_PAGE.on_page(number) from None
        return info, [
            Problem(
                "unreadable",
                number,
                _vi(f"Trang {number}: nội dung trang bị hỏng, không kiểm tra được"),
            )
        ]
    quads = []
    for ctm, image in placements:
        a, b, c, d = ctm[:4]
        drawn_x, drawn_y = math.hypot(a, b) * unit / 72, math.hypot(c, d) * unit / 72
        if not (1e-9 < drawn_x < math.inf and 1e-9 < drawn_y < math.inf):
            continue  # painted at zero (or absurd) size: nothing of it is on the page
        info.images.append(ImageInfo(image.width / drawn_x, image.height / drawn_y, image.colour))
        quads.append(ctm)
    return info, _judge_page(info, box, quads)


def _judge_page(info: PageInfo, box: Rect, quads: list[Matrix]) -> list[Problem]:
    n = info.number
    if not info.images:
        return [
            Problem(
                "no_image", n, _vi(f"Trang {n}: không có ảnh quét nào, trang không phải bản quét")
            )
        ]
    problems = []
    plain = [image for image in info.images if not image.is_colour]
    if plain:
        what = _colour_name(plain[0].colour)
        many = (
            f"có {len(plain)} ảnh không phải ảnh màu ({what})" if len(plain) > 1 else f"ảnh {what}"
        )
        problems.append(
            Problem("not_colour", n, _vi(f"Trang {n}: {many}, cần ảnh màu (RGB hoặc CMYK)"))
        )
    lowest = min(min(image.ppi_x, image.ppi_y) for image in info.images)
    if lowest < MIN_PPI - PPI_SLACK:
        problems.append(
            Problem(
                "low_resolution",
                n,
                _vi(f"Trang {n}: độ phân giải {_num(lowest, 0)} dpi, cần tối thiểu {MIN_PPI} dpi"),
            )
        )
    covered = _coverage(box, quads)
    if covered < MIN_FILL:
        problems.append(
            Problem(
                "not_full_scale",
                n,
                _vi(
                    f"Trang {n}: ảnh quét chỉ phủ {math.floor(covered * 100)}% trang, "
                    "cần quét đúng tỉ lệ 100% (ảnh phủ kín trang)"
                ),
            )
        )
    if paper_size(info.width_mm, info.height_mm) is None:
        problems.append(
            Problem(
                "not_full_scale",
                n,
                _vi(
                    f"Trang {n}: khổ trang {_num(info.width_mm)} × {_num(info.height_mm)} mm "
                    "không phải khổ giấy chuẩn (A4, A3, Letter…), cần quét đúng tỉ lệ 100%"
                ),
            )
        )
    return problems


def paper_size(width_mm: float, height_mm: float) -> str | None:
    """The ISO A/B, Letter or Legal size within SIZE_TOLERANCE_MM, either orientation."""
    short, long = sorted((width_mm, height_mm))
    for name, (w, h) in PAPER_SIZES_MM.items():
        if abs(short - w) <= SIZE_TOLERANCE_MM and abs(long - h) <= SIZE_TOLERANCE_MM:
            return name
    return None


def _is_dict(obj: object) -> bool:
    return isinstance(obj, pikepdf.Dictionary)


def _get(node: Any, key: str) -> Any:
    """``node.get(key)``; asking first is several times faster when the key is absent."""
    return node[key] if key in node else None  # noqa: SIM401 (the point of it)


def _inherited(node: Any, key: str) -> Any:
    """A page attribute, looked up the /Parent chain as PDF 1.7 §7.7.3.4 allows."""
    for _ in range(64):
        if key in node:
            return node[key]
        node = _get(node, "/Parent")
        if not _is_dict(node):
            return None
    return None


def _rect(value: Any) -> Rect:
    rect = pikepdf.Rectangle(value)  # normalised: llx ≤ urx, lly ≤ ury
    return rect.llx, rect.lly, rect.urx, rect.ury


def _geometry(page: pikepdf.Object) -> tuple[Rect, int, float]:
    """The visible box (CropBox within MediaBox), /Rotate and /UserUnit."""
    media = _inherited(page, "/MediaBox")
    box = _LETTER if media is None else _rect(media)
    crop = _inherited(page, "/CropBox")
    if crop is not None:
        cx0, cy0, cx1, cy1 = _rect(crop)
        box = (max(box[0], cx0), max(box[1], cy0), min(box[2], cx1), min(box[3], cy1))
    if box[2] - box[0] <= 0 or box[3] - box[1] <= 0:
        raise ValueError("empty page box")
    rotate = int(_inherited(page, "/Rotate") or 0) % 360
    unit = float(_get(page, "/UserUnit") or 1)
    return box, rotate, unit if unit > 0 else 1.0


# --- content streams ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Image:
    width: int
    height: int
    colour: str


def _mul(m: Matrix, n: Matrix) -> Matrix:
    """m × n in PDF's row-vector convention: apply m first, then n."""
    return (
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    )


def _matrix(value: Any) -> Matrix:
    if value is None:
        return _IDENTITY
    a, b, c, d, e, f = (float(v) for v in value)
    return a, b, c, d, e, f


class _Walker:
    """Finds every image painting and its CTM; forms and images are read once per document.

    Content is decoded and its operators counted under the bounds before qpdf parses it.
    """

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self._pdf = pdf
        self._forms: dict[tuple[Any, ...], list[tuple[Matrix, _Image]]] = {}
        self._images: dict[tuple[Any, ...], _Image] = {}
        self._page_bytes = self._total_bytes = self._operators = 0

    def page(self, page: pikepdf.Page, resources: Any) -> list[tuple[Matrix, _Image]]:
        self._page_bytes = self._operators = 0
        if "/Contents" not in page.obj:
            return []
        return self._walk(page.obj, resources, 0, frozenset())

    def _walk(
        self, content: Any, resources: Any, depth: int, active: frozenset[tuple[int, int]]
    ) -> list[tuple[Matrix, _Image]]:
        ctm, stack = _IDENTITY, []
        out: list[tuple[Matrix, _Image]] = []
        for instruction in self._instructions(content):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                out.append((ctm, _image(instruction.iimage.obj, resources)))
                continue
            op = str(instruction.operator)
            if op == "q":
                stack.append(ctm)
                if len(stack) > MAX_NESTING:
                    raise _Limit(
                        f"trạng thái đồ họa lồng nhau quá {MAX_NESTING} mức (lệnh q), "
                        "tệp quá phức tạp để kiểm tra",
                        f"graphics states nested more than {MAX_NESTING} deep (q); "
                        "the file is too complex to check",
                    )
            elif op == "Q":
                ctm = stack.pop() if stack else ctm  # an unbalanced Q is ignored, as poppler does
            elif op == "cm":
                ctm = _mul(_matrix(instruction.operands), ctm)
            elif op == "Do" and instruction.operands:
                out.extend(
                    self._do(
                        instruction.operands[0],
                        ctm,
                        resources,
                        depth,
                        active,
                        MAX_PLACEMENTS - len(out),
                    )
                )
            if len(out) > MAX_PLACEMENTS:
                raise _Limit(
                    f"ảnh được vẽ hơn {MAX_PLACEMENTS} lần (hình lồng nhau), tệp quá "
                    "phức tạp để kiểm tra",
                    f"images are painted more than {MAX_PLACEMENTS} times (nested "
                    "forms); the file is too complex to check",
                )
        return out

    def _instructions(self, content: Any) -> list[Any]:
        """The followed operators of a page's or form's content, decoded within the bounds."""
        if isinstance(content, pikepdf.Stream):
            streams = [content]
        else:
            contents = _get(content, "/Contents")
            items = contents if isinstance(contents, pikepdf.Array) else [contents]
            streams = [item for item in items if isinstance(item, pikepdf.Stream)]
        data = b"\n".join(self._decoded(stream) for stream in streams)
        count = self._operators
        for _ in _FOLLOWED.finditer(data):
            count += 1
            if count > MAX_OPERATORS:
                raise _Limit(
                    f"hơn {MAX_OPERATORS} lệnh vẽ trên một trang, tệp quá phức tạp để kiểm tra",
                    f"more than {MAX_OPERATORS} drawing operators on one page; the "
                    "file is too complex to check",
                )
        self._operators = count
        return list(pikepdf.parse_content_stream(pikepdf.Stream(self._pdf, data), _OPERATORS))

    def _decoded(self, stream: pikepdf.Stream) -> bytes:
        page_left = MAX_CONTENT_BYTES - self._page_bytes
        left = min(page_left, MAX_TOTAL_CONTENT_BYTES - self._total_bytes)
        filters = _filters(stream)
        if not filters:
            data = stream.read_raw_bytes()
        elif filters in (["/FlateDecode"], ["/Fl"]) and _get(stream, "/DecodeParms") is None:
            try:
                data = zlib.decompressobj().decompress(stream.read_raw_bytes(), left + 1)
            except zlib.error:
                data = stream.read_bytes()  # qpdf is lenient with broken Flate; within its limits
        else:
            data = stream.read_bytes()  # other filters: qpdf, within QPDF_STREAM_BYTES
        if len(data) > left:
            if left == page_left:
                raise _Limit(
                    f"nội dung trang giải nén ra hơn {MAX_CONTENT_BYTES // MIB} MB, tệp "
                    "quá lớn để kiểm tra",
                    f"the page content inflates to more than "
                    f"{MAX_CONTENT_BYTES // MIB} MB; the file is too large to check",
                )
            raise _Limit(
                f"nội dung các trang giải nén ra hơn {MAX_TOTAL_CONTENT_BYTES // MIB} MB, "
                "tệp quá lớn để kiểm tra",
                f"the pages' content inflates to more than "
                f"{MAX_TOTAL_CONTENT_BYTES // MIB} MB; the file is too large to check",
            )
        self._page_bytes += len(data)
        self._total_bytes += len(data)
        return data

    def _do(
        self,
        name: Any,
        ctm: Matrix,
        resources: Any,
        depth: int,
        active: frozenset[tuple[int, int]],
        room: int,
    ) -> list[tuple[Matrix, _Image]]:
        xobjects: Any = _get(resources, "/XObject") if _is_dict(resources) else None
        xobject: Any = _get(xobjects, name) if _is_dict(xobjects) else None
        if not isinstance(xobject, pikepdf.Stream):
            return []
        key = (xobject.objgen, resources.objgen)  # a name may resolve differently elsewhere
        image = self._images.get(key)
        if image is not None:
            return [(ctm, image)]
        subtype = _get(xobject, "/Subtype")
        if subtype == "/Image":
            image = _image(xobject, resources)
            if (0, 0) not in key:
                self._images[key] = image
            return [(ctm, image)]
        if subtype != "/Form" or xobject.objgen in active or depth >= MAX_FORM_DEPTH:
            return []  # a form that draws itself is drawn once
        own = _get(xobject, "/Resources")
        scope: Any = own if _is_dict(own) else resources  # PDF 1.1 forms use the page's resources
        # A form's own resources go with the form, direct or not; borrowed ones only when they
        # can be told apart. Without the cache, forms drawing forms are walked exponentially.
        scope_key = (
            "own"
            if scope is own
            else scope.objgen
            if _is_dict(scope) and scope.objgen != (0, 0)
            else None
        )
        key = (xobject.objgen, scope_key)
        inner = self._forms.get(key)
        if inner is None:
            inner = self._walk(xobject, scope, depth + 1, active | {xobject.objgen})
            if scope_key is not None:
                self._forms[key] = inner
        if len(inner) > room:
            return inner  # over the bound already: the caller says so, without the products
        base = _mul(_matrix(_get(xobject, "/Matrix")), ctm)
        return [(_mul(m, base), image) for m, image in inner]


def _image(stream: Any, resources: Any) -> _Image:
    """Pixel size and colour kind from an image dictionary (XObject or inline), never its data."""
    width, height = int(stream["/Width"]), int(stream["/Height"])
    if width <= 0 or height <= 0:
        raise ValueError("image without pixels")
    if width * height > MAX_IMAGE_PIXELS:
        raise _Limit(
            f"ảnh quá lớn ({width} × {height} điểm ảnh, tối đa "
            f"{MAX_IMAGE_PIXELS // 1_000_000} triệu điểm ảnh)",
            f"image too large ({width} × {height} pixels, at most "
            f"{MAX_IMAGE_PIXELS // 1_000_000} million)",
        )
    if _get(stream, "/ImageMask") is True:
        return _Image(width, height, "mask")
    space = _get(stream, "/ColorSpace")
    if space is not None:
        colour = _colour(space, resources, 0)
    elif _filters(stream) == ["/JPXDecode"]:
        colour = _jpx_colour(stream.read_raw_bytes())
    else:
        colour = "unknown"
    if _get(stream, "/BitsPerComponent") == 1:
        colour = "bilevel"
    return _Image(width, height, colour)


def _filters(stream: Any) -> list[str]:
    value = _get(stream, "/Filter")
    if isinstance(value, pikepdf.Array):
        return [str(item) for item in value]
    return [] if value is None else [str(value)]


def _colour(space: Any, resources: Any, depth: int) -> str:
    if depth > 8:
        return "unknown"
    if isinstance(space, pikepdf.Name):
        name = str(space)
        if name in _DEVICE:
            return _DEVICE[name]
        named: Any = resources.get("/ColorSpace") if _is_dict(resources) else None
        found = named.get(name) if _is_dict(named) else None
        return "unknown" if found is None else _colour(found, resources, depth + 1)
    if not isinstance(space, pikepdf.Array) or len(space) == 0:
        return "unknown"
    family = str(space[0])
    if family == "/ICCBased":
        profile = space[1]
        components = profile.get("/N")
        by_count = {1: "gray", 3: "rgb", 4: "cmyk"}
        if components in by_count:
            return by_count[int(components)]
        alternate = profile.get("/Alternate")
        return "unknown" if alternate is None else _colour(alternate, resources, depth + 1)
    if family in ("/Indexed", "/I"):
        return "indexed-" + _colour(space[1], resources, depth + 1).removeprefix("indexed-")
    if family == "/DeviceN":
        return "devicen" if len(space[1]) >= 3 else "spot"
    if family == "/Separation":
        return "spot"
    return _DEVICE.get(family, "unknown")


def _jpx_colour(data: bytes) -> str:
    """Colour of a JPEG 2000 image from its JP2 boxes or codestream SIZ marker (ISO 15444-1)."""
    try:
        return _jpx_header(data)
    except (struct.error, IndexError):
        return "unknown"


def _jpx_header(data: bytes) -> str:
    if data[:4] == b"\xff\x4f\xff\x51":
        return _by_components(struct.unpack(">H", data[40:42])[0], None)
    header = _box(data, 0, len(data), b"jp2h")
    if header is None:
        return "unknown"
    start, end = header
    ihdr, colr, pclr = (_box(data, start, end, kind) for kind in (b"ihdr", b"colr", b"pclr"))
    if ihdr is None:
        return "unknown"
    components = struct.unpack(">H", data[ihdr[0] + 8 : ihdr[0] + 10])[0]
    if pclr is not None:
        components = data[pclr[0] + 2]
    enumerated = None
    if colr is not None and data[colr[0]] == 1:
        enumerated = struct.unpack(">I", data[colr[0] + 3 : colr[0] + 7])[0]
    return _by_components(components, enumerated)


def _by_components(components: int, enumerated: int | None) -> str:
    if enumerated == 17 or components in (1, 2):  # 17: greyscale
        return "gray"
    if enumerated == 12 or components == 4:  # 12: CMYK
        return "cmyk"
    return "rgb" if components >= 3 or enumerated in (16, 18) else "unknown"


def _box(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    """Content span of the first JP2 box of this kind between start and end."""
    at = start
    while at + 8 <= end:
        length, found = struct.unpack(">I4s", data[at : at + 8])
        head = 8
        if length == 1:
            length, head = struct.unpack(">Q", data[at + 8 : at + 16])[0], 16
        elif length == 0:
            length = end - at
        if length < head:
            return None
        if found == kind:
            return at + head, min(at + length, end)
        at += length
    return None


def _coverage(box: Rect, quads: list[Matrix]) -> float:
    """Share of the box covered by the union of the images (unit squares mapped by their CTM).

    Exact for upright images (bands between corner heights); sampled at four heights per band
    for turned or skewed ones.
    """
    if any(_contains(m, box) for m in quads):
        return 1.0  # the usual scan: one image over the whole page
    x0, y0, x1, y1 = box
    corners = [
        [
            (m[4], m[5]),
            (m[0] + m[4], m[1] + m[5]),
            (m[0] + m[2] + m[4], m[1] + m[3] + m[5]),
            (m[2] + m[4], m[3] + m[5]),
        ]
        for m in quads
    ]
    heights = sorted({y0, y1, *(min(max(y, y0), y1) for quad in corners for _, y in quad)})
    upright = all((m[1] == 0 and m[2] == 0) or (m[0] == 0 and m[3] == 0) for m in quads)
    samples = 1 if upright else 4
    area = 0.0
    for low, high in zip(heights, heights[1:], strict=False):
        for i in range(samples):
            y = low + (high - low) * (i + 0.5) / samples
            spans = sorted(span for quad in corners if (span := _span(quad, y)) is not None)
            covered, reach = 0.0, x0
            for left, right in spans:
                left, right = max(left, reach), min(right, x1)
                if right > left:
                    covered, reach = covered + right - left, right
            area += covered * (high - low) / samples
    return area / ((x1 - x0) * (y1 - y0))


def _span(quad: list[tuple[float, float]], y: float) -> tuple[float, float] | None:
    xs = []
    for (ax, ay), (bx, by) in zip(quad, quad[1:] + quad[:1], strict=True):
        if min(ay, by) <= y <= max(ay, by) and ay != by:
            xs.append(ax + (y - ay) * (bx - ax) / (by - ay))
    return (min(xs), max(xs)) if xs else None


def _contains(m: Matrix, box: Rect) -> bool:
    """Whether the image's parallelogram holds all four corners of the box."""
    det = m[0] * m[3] - m[1] * m[2]
    if abs(det) < 1e-12:
        return False
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
        dx, dy = x - m[4], y - m[5]
        u, v = (dx * m[3] - dy * m[2]) / det, (dy * m[0] - dx * m[1]) / det
        if not (-1e-6 <= u <= 1 + 1e-6 and -1e-6 <= v <= 1 + 1e-6):
            return False
    return True


# --- the command ----------------------------------------------------------------------------


def _num(value: float, digits: int = 1) -> str:
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _colour_name(kind: str) -> str:
    base = kind.removeprefix("indexed-")
    name = _COLOUR_NAMES.get(base, base)
    return f"{name} (bảng màu)" if kind != base else name


def _read_error(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "Không mở được tệp: tệp không tồn tại"
    if isinstance(error, PermissionError):
        return "Không mở được tệp: không có quyền đọc"
    if isinstance(error, IsADirectoryError):
        return "Không mở được tệp: đây là thư mục"
    return "Không đọc được tệp"


def _is_unreadable(report: ScanReport) -> bool:
    """Not judged at all: not a PDF, or over the bounds (``too_complex``)."""
    return any(
        (p.code == "unreadable" and p.page is None) or p.code == "too_complex"
        for p in report.problems
    )


def _text(path: str, report: ScanReport) -> str:
    if _is_unreadable(report):
        first = report.problems[0]
        what = "KHÔNG KIỂM TRA ĐƯỢC" if first.code == "too_complex" else "KHÔNG ĐỌC ĐƯỢC"
        return _vi(f"{path}: {what} — {first.message}\n")
    verdict = "ĐẠT" if report.compliant else "KHÔNG ĐẠT"
    lines = [
        f"{path}: {verdict} chuẩn số hóa (QĐ 31/2021, Phụ lục I.2) — PDF "
        f"{report.pdf_version}, {len(report.pages)} trang"
    ]
    lines += [f"  - {problem.message}" for problem in report.problems]
    for page in report.pages:
        paper = paper_size(page.width_mm, page.height_mm) or "khổ không chuẩn"
        images = (
            "; ".join(
                f"{_colour_name(i.colour)} {_num(i.ppi_x, 0)} × {_num(i.ppi_y, 0)} dpi"
                for i in page.images
            )
            or "không có ảnh"
        )
        lines.append(
            f"  Trang {page.number}: {_num(page.width_mm)} × {_num(page.height_mm)} mm "
            f"({paper}), {images}"
        )
    return _vi("\n".join(lines) + "\n")


def cli_main(paths: list[str], *, as_json: bool, out: TextIO) -> int:
    """``motcua scan-check``: 0 all meet the standard, 1 one does not, 2 one is not a PDF or
    is over the bounds."""
    results = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            report = _unreadable(_read_error(error))
        else:
            report = judge_pdf(data)  # the command is a process of its own
        results.append((path, report))
    if as_json:
        listing = [{"file": path, **report.as_dict()} for path, report in results]
        out.write(json.dumps(listing, ensure_ascii=False, indent=2) + "\n")
    else:
        for path, report in results:
            out.write(_text(path, report))
        if len(results) > 1:
            good = sum(report.compliant for _, report in results)
            broken = sum(_is_unreadable(report) for _, report in results)
            out.write(
                f"Tổng cộng {len(results)} tệp: {good} đạt, "
                f"{len(results) - good - broken} không đạt, {broken} không đọc được\n"
            )
    if any(_is_unreadable(report) for _, report in results):
        return 2
    return 0 if all(report.compliant for _, report in results) else 1
