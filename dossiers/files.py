"""Content-addressed file storage: bytes are named by their SHA-256.

Writes are atomic (temporary file in the same folder, fsync, rename, fsync of the folder), so
a crash leaves either the whole file or nothing. Every read re-hashes the bytes and refuses
them if they are not the ones received. The same bytes uploaded twice are stored once.
"""

import hashlib
import os
import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlalchemy import BigInteger, Connection, String
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
            raise NotFound("Không tìm thấy tệp trong kho lưu trữ",
                           "File missing from the store") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise IntegrityFailure("Tệp đã bị thay đổi kể từ khi tiếp nhận",
                                   "Stored file no longer matches its hash")
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
    """Write bytes to the store and record their hash in the same transaction as the caller.

    If that transaction rolls back, ``forget_uncommitted`` removes the file again, so a failed
    upload leaves neither a row nor a file.
    """
    sha, size, created = store.put(data)
    if created:
        session.info.setdefault("new_files", []).append((store, sha))
    blob = session.get(Blob, sha)
    if blob is None:
        blob = Blob(sha256=sha, size=size)
        session.add(blob)
        session.flush()
    return blob


def forget_uncommitted(session: Session) -> None:
    """After a rollback: delete files this transaction wrote that no committed row refers to."""
    written = session.info.pop("new_files", [])
    if not written:
        return
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    with engine.connect() as conn:  # a fresh connection sees only committed rows
        for store, sha in written:
            committed = conn.execute(Blob.__table__.select().where(Blob.sha256 == sha)).first()
            if committed is None:
                store.path(sha).unlink(missing_ok=True)


def keep_committed(session: Session) -> None:
    session.info.pop("new_files", None)


def install_cleanup(session_factory: object) -> None:
    """Hook the rollback clean-up onto a sessionmaker (or any Session class)."""
    from sqlalchemy import event

    event.listen(session_factory, "after_commit", keep_committed)
    event.listen(session_factory, "after_soft_rollback",
                 lambda session, previous: forget_uncommitted(session))
