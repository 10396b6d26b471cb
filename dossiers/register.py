"""The register of documents issued here, and the images that sign them.

Every document the agency issues is registered with the SHA-256 of its final signed bytes, so
the public page can say "issued here" or "not issued here" (shadow attacks, DESIGN "Known
traps"), and with a random verification code that its QR code carries. Cancelling a result's
validity (NĐ 45/2020 Art. 15) is recorded here: when, by whom, why.
"""

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from dossiers.db import Base, utcnow


class DocumentKind(StrEnum):
    RESULT = "result"  # kết quả giải quyết TTHC (Phụ lục II.1–2)
    COPY = "copy"  # bản sao điện tử (Phụ lục I.3)
    ATTACHMENT = "attachment"  # phụ lục / văn bản kèm theo (Phụ lục II.3)
    FORM = "form"  # giấy tờ the one-stop desk issues: receipt, requests, labels … (Điều 5.5)


class IssuedDocument(Base):
    __tablename__ = "issued_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    verify_code: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[DocumentKind] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(60))  # số, ký hiệu: 12/QĐ-UBND
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    agency_name: Mapped[str] = mapped_column(Text)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_files.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by: Mapped[str] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)


class SigningImage(Base):
    """A leader's signature image (blue) or an agency's seal (red, real size), Phụ lục II."""

    __tablename__ = "signing_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(120), unique=True)  # user:<login> | agency:<code>
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    width_mm: Mapped[float]
    height_mm: Mapped[float]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(Text)


def new_verify_code() -> str:
    return secrets.token_urlsafe(12)


def by_sha256(session: Session, sha256: str) -> IssuedDocument | None:
    return session.scalar(select(IssuedDocument).where(IssuedDocument.sha256 == sha256))


def by_code(session: Session, code: str) -> IssuedDocument | None:
    if not code or len(code) > 24:
        return None
    return session.scalar(select(IssuedDocument).where(IssuedDocument.verify_code == code))


def register(
    session: Session,
    *,
    sha256: str,
    kind: DocumentKind,
    title: str,
    agency_id: int | None,
    agency_name: str,
    issued_by: str,
    verify_code: str | None = None,
    number: str | None = None,
    dossier_id: int | None = None,
    file_id: int | None = None,
    at: datetime | None = None,
) -> IssuedDocument:
    existing = by_sha256(session, sha256)
    if existing is not None:
        return existing
    row = IssuedDocument(
        sha256=sha256,
        verify_code=verify_code or new_verify_code(),
        kind=kind,
        title=title,
        number=number,
        agency_id=agency_id,
        agency_name=agency_name,
        dossier_id=dossier_id,
        file_id=file_id,
        issued_at=at or utcnow(),
        issued_by=issued_by,
    )
    session.add(row)
    session.flush()
    return row
