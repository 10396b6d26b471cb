"""Content-addressed storage: atomic writes, one copy per content, integrity on every read."""

import hashlib
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dossiers.errors import IntegrityFailure, InvalidFile, NotFound
from dossiers.files import Blob, FileStore, collect_orphans, store_bytes
from dossiers.intake import attach_file
from dossiers.records import ComponentState, DossierFile
from tests import factories as f
from tests import samples


def test_bytes_are_named_by_their_sha256(store: FileStore) -> None:
    sha, size, created = store.put(b"ho so")
    assert sha == hashlib.sha256(b"ho so").hexdigest()
    assert size == 5
    assert created
    assert store.read(sha) == b"ho so"
    assert store.path(sha).relative_to(store.root).parts[:2] == (sha[:2], sha[2:4])


def test_the_same_bytes_are_stored_once(store: FileStore) -> None:
    first = store.put(b"giay to")
    second = store.put([b"giay ", b"to"])
    assert first[0] == second[0]
    assert first[2]
    assert not second[2]
    files = [p for p in store.root.rglob("*") if p.is_file()]
    assert len(files) == 1


def test_a_changed_file_is_refused_on_read(store: FileStore) -> None:
    sha, _, _ = store.put(b"original")
    store.path(sha).write_bytes(b"tampered")
    with pytest.raises(IntegrityFailure):
        store.read(sha)


def test_a_failed_write_leaves_nothing(store: FileStore) -> None:
    def broken() -> object:
        yield b"part one"
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        store.put(broken())  # type: ignore[arg-type]
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_unknown_or_malformed_hash_is_not_found(store: FileStore) -> None:
    with pytest.raises(NotFound):
        store.read("0" * 64)
    with pytest.raises(NotFound):
        store.read("../../etc/passwd")


def test_a_rolled_back_upload_leaves_no_row_and_its_file_is_collected(
    committing: sessionmaker[Session], store: FileStore
) -> None:
    with committing() as db:
        blob = store_bytes(db, store, b"scan that will be rolled back")
        path = store.path(blob.sha256)
        db.rollback()
    with committing() as db:
        assert db.scalar(select(Blob)) is None
        assert collect_orphans(db, store) == 0  # still within the grace period
        old = time.time() - 7200
        os.utime(path, (old, old))
        assert collect_orphans(db, store) == 1
    assert not path.exists()


def test_a_rollback_never_removes_bytes_another_upload_committed(
    committing: sessionmaker[Session], store: FileStore
) -> None:
    # Two transactions save the same bytes; the first rolls back, the second commits.
    first, second = committing(), committing()
    store_bytes(first, store, b"same scan")
    first.rollback()
    first.close()
    blob = store_bytes(second, store, b"same scan")
    second.commit()
    second.close()
    with committing() as db:
        old = time.time() - 7200
        os.utime(store.path(blob.sha256), (old, old))
        assert collect_orphans(db, store) == 0  # named by a committed row: kept
    assert store.read(blob.sha256) == b"same scan"


def test_the_same_bytes_twice_in_one_transaction_make_one_row(
    session: Session, store: FileStore
) -> None:
    first = store_bytes(session, store, b"twice")
    second = store_bytes(session, store, b"twice")
    assert first is second
    assert len(session.scalars(select(Blob)).all()) == 1


def test_attaching_a_file_marks_the_component_and_keeps_history(
    session: Session, store: FileStore, tmp_path: Path
) -> None:
    centre = f.agency(session)
    citizen = f.user(session)
    dossier = f.draft(session, citizen, f.procedure(session, centre))
    component = dossier.components[0]
    first = attach_file(
        session,
        citizen.actor(),
        store,
        dossier,
        component.id,
        filename="don.pdf",
        content_type="application/pdf",
        data=samples.pdf(marker="a"),
    )
    second = attach_file(
        session,
        citizen.actor(),
        store,
        dossier,
        component.id,
        filename="don-moi.pdf",
        content_type="application/pdf",
        data=samples.pdf(marker="b"),
        replace=True,
    )
    assert component.state == ComponentState.ATTACHED
    assert component.current_files == [second]
    rows = session.scalars(select(DossierFile).where(DossierFile.dossier_id == dossier.id)).all()
    assert {r.id for r in rows} == {first.id, second.id}
    assert first.replaced_at is not None


def test_an_empty_upload_is_refused(session: Session, store: FileStore) -> None:
    centre = f.agency(session)
    citizen = f.user(session)
    dossier = f.draft(session, citizen, f.procedure(session, centre))
    with pytest.raises(InvalidFile) as error:
        attach_file(
            session,
            citizen.actor(),
            store,
            dossier,
            dossier.components[0].id,
            filename="x.pdf",
            content_type="application/pdf",
            data=b"",
        )
    assert error.value.code == "empty_file"
    assert [p for p in store.root.rglob("*") if p.is_file()] == []
