"""Dossiers (hồ sơ), their components (thành phần hồ sơ) and the files attached to them.

Đ12.1.b: every dossier received, online or at the counter, exists here as an electronic
dossier. Its status columns are a cache kept by ``events.apply``; the event log is the truth.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from dossiers.agencies import Agency
from dossiers.db import Base, utcnow
from dossiers.errors import NotFound
from dossiers.procedures import ProcedureVersion, Requirement


class Channel(StrEnum):
    ONLINE = "online"  # national or provincial portal
    COUNTER = "counter"  # in person at the desk
    POST = "post"  # public postal service
    VNEID = "vneid"  # NĐ 367/2025: the fourth channel


class ComponentState(StrEnum):
    PENDING = "pending"  # nothing yet
    ATTACHED = "attached"  # one or more files attached
    PAPER = "paper"  # will be brought / was handed in on paper
    NOT_DIGITIZABLE = "not_digitizable"  # Đ12.1.c: no file, only the mark and a note
    NOT_PROVIDED = "not_provided"  # not required in this case / not provided


class FileKind(StrEnum):
    UPLOAD = "upload"  # sent by the applicant
    SCAN = "scan"  # digitized at the desk
    COPY = "copy"  # electronic copy signed by the agency (NĐ 107 Art. 21a)
    FORM = "form"  # receipt, request, refusal … printed by the system
    WORKING = "working"  # working documents and opinions (Đ12.1.đ–e)
    RESULT = "result"


class Dossier(Base):
    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # <receiving unit id>-<YYMMDD>-<NNNN> (TT 01/2018 Art. 19); allocated at submission or
    # receipt, never for a draft.
    code: Mapped[str | None] = mapped_column(String(60), unique=True)
    lookup_code: Mapped[str | None] = mapped_column(String(8))  # printed on the receipt
    procedure_version_id: Mapped[int] = mapped_column(
        ForeignKey("procedure_versions.id"), index=True
    )
    channel: Mapped[Channel] = mapped_column(String(20))
    applicant_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(Text)
    applicant_id_number: Mapped[str | None] = mapped_column(String(20), index=True)
    applicant_phone: Mapped[str | None] = mapped_column(String(20))
    applicant_email: Mapped[str | None] = mapped_column(String(200))
    applicant_address: Mapped[str | None] = mapped_column(Text)
    applicant: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the rest of the form
    # The agencies as they were at receipt (agencies are dated data, never edited in place).
    receiving_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    competent_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    holder_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Cache of the log, written only by events.apply in the same flush as the event.
    status: Mapped[str] = mapped_column(String(30), index=True)
    national_status: Mapped[int | None]
    last_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    # Processing (dossiers.plans, dossiers.deadlines): the step being worked, since when the
    # clock is paused for the applicant (None: running), an officer's pending stop proposal.
    current_step: Mapped[int | None]
    paused_at: Mapped[datetime | None]
    stop_proposed_at: Mapped[datetime | None]
    # Optimistic lock: two clerks acting on the same dossier at once, one wins.
    revision: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": revision}

    procedure_version: Mapped[ProcedureVersion] = relationship(lazy="joined")
    receiving_agency: Mapped[Agency] = relationship(foreign_keys=[receiving_agency_id])
    competent_agency: Mapped[Agency] = relationship(foreign_keys=[competent_agency_id])
    holder_agency: Mapped[Agency] = relationship(foreign_keys=[holder_agency_id])
    components: Mapped[list["DossierComponent"]] = relationship(
        order_by="DossierComponent.position", cascade="all, delete-orphan", back_populates="dossier"
    )
    files: Mapped[list["DossierFile"]] = relationship(
        order_by="DossierFile.id", cascade="all, delete-orphan", back_populates="dossier"
    )

    def __repr__(self) -> str:
        return f"<Dossier {self.code or self.id} {self.status}>"


class DossierComponent(Base):
    __tablename__ = "dossier_components"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    procedure_component_id: Mapped[int | None] = mapped_column(
        ForeignKey("procedure_components.id")
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(Text)  # copied: the procedure may change later
    requirement: Mapped[Requirement] = mapped_column(String(20))
    state: Mapped[ComponentState] = mapped_column(String(20), default=ComponentState.PENDING)
    note: Mapped[str | None] = mapped_column(Text)

    dossier: Mapped[Dossier] = relationship(back_populates="components")

    @property
    def current_files(self) -> list["DossierFile"]:
        return [
            f for f in self.dossier.files if f.component_id == self.id and f.replaced_at is None
        ]


class DossierFile(Base):
    """A file in a dossier. Replaced files stay, marked replaced: the history keeps both."""

    __tablename__ = "dossier_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    component_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_components.id"))
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    kind: Mapped[FileKind] = mapped_column(String(20))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # scan check, signatures …

    dossier: Mapped[Dossier] = relationship(back_populates="files")


def get_dossier(session: Session, dossier_id: int) -> Dossier:
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound("Không tìm thấy hồ sơ", "Dossier not found")
    return dossier


def get_own_dossier(session: Session, user_id: int | None, dossier_id: int) -> Dossier:
    """The applicant's own dossier; anyone else's does not exist for them (404, no oracle)."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None or user_id is None or dossier.applicant_user_id != user_id:
        raise NotFound("Không tìm thấy hồ sơ", "Dossier not found")
    return dossier
