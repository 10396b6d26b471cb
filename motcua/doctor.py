"""``motcua doctor``: what the app needs at run time, checked, with what to do for each failure.

Each check returns a Finding; the command prints them and exits 1 when one failed. The Debian
packages named here are the Makefile's RUNTIME_PACKAGES, which `make run` installs.
"""

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Letters that only a font covering Vietnamese has (NFC forms: stacked diacritics, horn letters).
VIETNAMESE = "ĐđƠơƯưẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẾếỀềỂểỄễỆệỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỨứỪừỬửỮữỰựỳỷỹỵ"
FONT_DIR = Path("/usr/share/fonts/truetype")
# The families the printed forms (templates/pdf) and the text signatures ask for, by file.
FONTS = {
    "serif": (
        "liberation2/LiberationSerif-Regular.ttf",
        "liberation/LiberationSerif-Regular.ttf",
        "croscore/Tinos-Regular.ttf",
    ),
    "sans": (
        "liberation2/LiberationSans-Regular.ttf",
        "liberation/LiberationSans-Regular.ttf",
        "croscore/Arimo-Regular.ttf",
    ),
    "mono": (
        "liberation2/LiberationMono-Regular.ttf",
        "liberation/LiberationMono-Regular.ttf",
        "croscore/Cousine-Regular.ttf",
    ),
}
# The poppler tools the app runs, and why.
TOOLS = {"pdftotext": "tìm vị trí ký trên kết quả / finds where a result is signed"}


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def fonts(font_dir: Path = FONT_DIR) -> Finding:
    from fontTools.ttLib import TTFont

    found, problems = [], []
    for family, candidates in FONTS.items():
        path = next((font_dir / c for c in candidates if (font_dir / c).exists()), None)
        if path is None:
            problems.append(f"{family}: không có / missing")
            continue
        with TTFont(str(path), lazy=True) as font:
            cmap = font.getBestCmap()
        missing = [ch for ch in VIETNAMESE if ord(ch) not in cmap]
        if missing:
            problems.append(f"{path.name}: thiếu / lacks {''.join(missing[:8])}")
        else:
            found.append(path.name)
    if problems:
        return Finding(
            "Phông chữ tiếng Việt / Vietnamese fonts",
            False,
            "; ".join(problems),
            "apt-get install fonts-liberation2 (hoặc/or `make run` as root)",
        )
    return Finding("Phông chữ tiếng Việt / Vietnamese fonts", True, ", ".join(found))


def poppler() -> Finding:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return Finding(
            "Poppler",
            False,
            "; ".join(f"{t}: {TOOLS[t]}" for t in missing),
            "apt-get install poppler-utils (hoặc/or `make run` as root)",
        )
    return Finding("Poppler", True, ", ".join(str(shutil.which(t)) for t in TOOLS))


def keys(config: dict[str, Any]) -> Finding:
    from pyhanko.sign import signers

    from dossiers.signing.keys import keyring_from_config

    name = "Khóa ký số / signing keys"
    fix = (
        "`motcua demo` tạo khóa demo / makes demo keys; otherwise PKCS#12 files under "
        "MOTCUA_PKI_DIR (agencies/, users/) or tokens in MOTCUA_SIGNERS, and "
        "MOTCUA_TRUST_ROOTS"
    )
    try:
        ring = keyring_from_config(config)
        roots = ring.trust_roots()
    except Exception as error:  # noqa: BLE001 - any unreadable file is the finding itself
        return Finding(name, False, f"{type(error).__name__}: {error}", fix)
    files = sorted(Path(config["MOTCUA_PKI_DIR"]).glob("*/*.p12"))
    tokens = len(ring.overrides)
    if not roots:
        return Finding(name, False, "không có chứng thư gốc tin cậy / no trusted root", fix)
    if not files and not tokens:
        return Finding(name, False, f"không có khóa / no keys in {config['MOTCUA_PKI_DIR']}", fix)
    unreadable = []
    for path in files:
        try:
            signers.SimpleSigner.load_pkcs12(str(path), passphrase=ring.passphrase.encode())
        except Exception:  # noqa: BLE001 - a wrong passphrase or a broken file alike
            unreadable.append(path.name)
    if unreadable:
        return Finding(
            name,
            False,
            "không mở được / cannot open " + ", ".join(unreadable),
            "MOTCUA_KEY_PASSPHRASE phải đúng / must match the files' passphrase",
        )
    return Finding(
        name,
        True,
        f"{len(files)} PKCS#12, {tokens} PKCS#11, {len(roots)} chứng thư gốc / trusted roots",
    )


def migrations(config: dict[str, Any]) -> Finding:
    from sqlalchemy.exc import SQLAlchemyError

    from motcua import migrate

    name = "Cơ sở dữ liệu / database"
    try:
        current = migrate.is_current(config["DATABASE_URL"])
    except SQLAlchemyError as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return Finding(
            name,
            False,
            f"không kết nối được / cannot connect: {detail}",
            "kiểm tra / check DATABASE_URL and that the server runs",
        )
    if not current:
        return Finding(
            name,
            False,
            "chưa ở phiên bản mới nhất / not at the newest migration",
            "motcua db upgrade",
        )
    return Finding(name, True, "đã ở phiên bản mới nhất / migrations at head")


def redis(config: dict[str, Any]) -> Finding | None:
    url = config.get("REDIS_URL")
    if not url:
        return None  # jobs run in the process: nothing to check
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except RedisError as error:
        return Finding(
            "Redis",
            False,
            f"{url}: {error}",
            "khởi động Redis hoặc bỏ REDIS_URL / start Redis or unset REDIS_URL",
        )
    return Finding("Redis", True, url)


def file_store(config: dict[str, Any]) -> Finding:
    folder = Path(config["MOTCUA_STORAGE"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as error:
        return Finding(
            "Kho tệp / file store",
            False,
            f"{folder}: {error.strerror or error}",
            "cho tiến trình quyền ghi, hoặc đặt / give write access or set MOTCUA_STORAGE",
        )
    return Finding("Kho tệp / file store", True, str(folder))


def run_checks(config: dict[str, Any]) -> list[Finding]:
    checks: list[Callable[[], Finding | None]] = [
        fonts,
        poppler,
        lambda: keys(config),
        lambda: migrations(config),
        lambda: redis(config),
        lambda: file_store(config),
    ]
    return [f for f in (check() for check in checks) if f is not None]


def environment() -> dict[str, Any]:
    """The configuration as the app reads it, without making the app (it may not start)."""
    from motcua.config import from_env

    return from_env({"SECRET_KEY": os.environ.get("SECRET_KEY") or "doctor"})
