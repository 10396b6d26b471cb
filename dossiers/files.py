"""Content-addressed file storage: bytes are named by their SHA-256.

Writes are atomic (temporary file in the same folder, fsync, rename, fsync of the folder), so
a crash leaves either the whole file or nothing. Every read re-hashes the bytes and refuses
them if they are not the ones received. The same bytes uploaded twice are stored once.
"""

import hashlib
import os
import tempfile
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from dossiers.db import Base, utcnow
from dossiers.errors import IntegrityFailure, NotFound

CHUNK = 1 << 20


class Blob(Base):
    """The database's record of stored bytes: the hash it must match, and the size."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FileStore:
    """A folder of files named ``ab/cd/<sha256>``; S3-compatible stores can follow the same API."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise NotFound("Mã tệp không hợp lệ", "Invalid file hash")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, chunks: bytes | Iterable[bytes]) -> tuple[str, int, bool]:
        """Store the bytes; return (sha256, size, whether this call created the file).

        Nothing is left behind if writing fails.
        """
        if isinstance(chunks, bytes):
            chunks = [chunks]
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            if final.exists():
                os.unlink(tmp)  # already stored: same bytes, stored once
                os.utime(final)  # fresh again: the orphan collector leaves it alone
                return sha, size, False
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
            _fsync_dir(final.parent)
            return sha, size, True
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def read(self, sha256: str) -> bytes:
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise NotFound(
                "Không tìm thấy tệp trong kho lưu trữ", "File missing from the store"
            ) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise IntegrityFailure(
                "Tệp đã bị thay đổi kể từ khi tiếp nhận", "Stored file no longer matches its hash"
            )
        return data

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def store_bytes(session: Session, store: FileStore, data: bytes | Iterable[bytes]) -> Blob:
    """Write bytes to the store and record their hash in the caller's transaction.

    Files are never deleted when a transaction rolls back: another transaction may be saving
    the same bytes at the same moment (content addressing shares one file). Files that no
    committed row names are removed later by ``collect_orphans``.
    """
    sha, size, _ = store.put(data)
    dialect = session.get_bind().dialect.name
    insert: Any = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    # Two uploads of the same bytes at once: one inserts, the other finds the row.
    session.execute(
        insert(Blob.__table__)
        .values(sha256=sha, size=size, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    blob = session.get(Blob, sha)
    assert blob is not None
    return blob


def collect_orphans(
    session: Session, store: FileStore, grace: timedelta = timedelta(hours=1)
) -> int:
    """Delete stored files that no committed row names, once older than ``grace``.

    The grace period covers uploads whose transaction has not committed yet; ``put`` refreshes
    a file's time when the same bytes arrive again.
    """
    if not store.root.exists():
        return 0
    cutoff = time.time() - grace.total_seconds()
    removed = 0
    for path in store.root.glob("??/??/*"):
        if not path.is_file() or path.stat().st_mtime > cutoff:
            continue
        if session.get(Blob, path.name) is None:
            path.unlink(missing_ok=True)
            removed += 1
    for leftover in store.root.glob(".incoming-*"):  # a crash in the middle of a write
        if leftover.stat().st_mtime <= cutoff:
            leftover.unlink(missing_ok=True)
    return removed
