"""The demo's signing set-up: the demo PKI and drawn signature and seal images.

``motcua demo`` calls this; it is idempotent like the rest of the demo.
"""

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.accounts import RoleGrant, User
from dossiers.actors import Actor
from dossiers.agencies import Agency
from dossiers.files import FileStore
from dossiers.lifecycle import Role
from dossiers.register import SigningImage
from dossiers.signing import samples
from dossiers.signing.pki import DemoPKI, Subject, agency_subject, person_subject

SYSTEM = Actor.system("demo")


def create_demo_pki(session: Session, store: FileStore, pki_dir: str | Path,
                    passphrase: str) -> Path:
    """Certificates for every agency and every leader, images for each; return the root PEM."""
    from dossiers.results import _save_image

    pki = DemoPKI(pki_dir, passphrase)
    pki.ensure_root()
    pki.ensure(Subject("tsa", "Đơn vị cấp dấu thời gian thử nghiệm Motcua (DEMO)",
                       "Motcua DEMO"), timestamping=True)
    # Agencies with staff issue documents (results, desk copies): they get keys and seals.
    agencies = session.scalars(select(Agency).where(Agency.id.in_(
        select(RoleGrant.agency_id).where(RoleGrant.role.in_(
            [Role.LEADER, Role.OFFICER, Role.RECEPTION]))))).all()
    for agency in agencies:
        pki.ensure(agency_subject(agency.code, agency.name))
        if session.scalar(select(SigningImage.id).where(
                SigningImage.owner == f"agency:{agency.code}")) is None:
            _save_image(session, store, f"agency:{agency.code}", samples.seal_png(36.0), 36.0,
                        36.0, SYSTEM)
    leaders = session.execute(select(User, Agency).join(RoleGrant, RoleGrant.user_id == User.id)
                              .join(Agency, Agency.id == RoleGrant.agency_id)
                              .where(RoleGrant.role == Role.LEADER)).all()
    for n, (user, agency) in enumerate(leaders):
        pki.ensure(person_subject(user.login, user.full_name, agency.name, user.title))
        if session.scalar(select(SigningImage.id).where(
                SigningImage.owner == f"user:{user.login}")) is None:
            _save_image(session, store, f"user:{user.login}", samples.signature_png(n), 40.6,
                        16.9, SYSTEM)
    return pki.root_pem
