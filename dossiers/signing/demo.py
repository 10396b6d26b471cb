"""The demo's signing set-up: the demo PKI and drawn signature and seal images.

``motcua demo`` calls this; it is idempotent like the rest of the demo.
"""

from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dossiers.accounts import RoleGrant, User
from dossiers.actors import Actor
from dossiers.agencies import Agency
from dossiers.files import FileStore
from dossiers.lifecycle import Role
from dossiers.procedures import ProcedureAgency
from dossiers.register import SigningImage
from dossiers.results import save_image
from dossiers.signing import samples
from dossiers.signing.pki import DemoPKI, Subject, agency_subject, person_subject

SYSTEM = Actor.system("demo")


def create_demo_pki(
    session: Session, store: FileStore, pki_dir: str | Path, passphrase: str
) -> Path:
    """Certificates for every agency and every leader, images for each; return the root PEM."""
    pki = DemoPKI(pki_dir, passphrase)
    pki.ensure_root()
    pki.ensure(
        Subject("tsa", "Đơn vị cấp dấu thời gian thử nghiệm Motcua (DEMO)", "Motcua DEMO"),
        timestamping=True,
    )
    # Every agency that issues documents gets a key and a seal: those with staff (results,
    # desk copies, the desk's forms) and those a procedure names (an online payment's receipt
    # is issued for the receiving agency before anyone there acts; Điều 5.5).
    agencies = session.scalars(
        select(Agency).where(
            or_(
                Agency.id.in_(
                    select(RoleGrant.agency_id).where(
                        RoleGrant.role.in_([Role.LEADER, Role.OFFICER, Role.RECEPTION])
                    )
                ),
                Agency.id.in_(select(ProcedureAgency.agency_id)),
            )
        )
    ).all()
    for agency in agencies:
        pki.ensure(agency_subject(agency.code, agency.name))
        _ensure_image(
            session, store, f"agency:{agency.code}", partial(samples.seal_png, 36.0), (36.0, 36.0)
        )
    leaders = session.execute(
        select(User, Agency)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .join(Agency, Agency.id == RoleGrant.agency_id)
        .where(RoleGrant.role == Role.LEADER)
    ).all()
    for n, (user, agency) in enumerate(leaders):
        pki.ensure(person_subject(user.login, user.full_name, agency.name, user.title))
        _ensure_image(
            session, store, f"user:{user.login}", partial(samples.signature_png, n), (40.6, 16.9)
        )
    return pki.root_pem


def _ensure_image(
    session: Session,
    store: FileStore,
    owner: str,
    draw: Callable[[], bytes],
    size_mm: tuple[float, float],
) -> None:
    """Draw the image only when ``owner`` has none: an uploaded one is kept."""
    if session.scalar(select(SigningImage.id).where(SigningImage.owner == owner)) is None:
        save_image(session, store, owner, draw(), *size_mm, SYSTEM)
