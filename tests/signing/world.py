"""A dossier brought to "approved, awaiting signature" through the use cases a desk, an
officer and a leader call."""

from typing import Any

from sqlalchemy.orm import Session

from dossiers.files import FileStore
from dossiers.intake import Applicant, create_draft, receive_at_counter, submit_dossier
from dossiers.lifecycle import Role
from dossiers.processing import approve, forward, propose_result
from dossiers.records import Channel
from dossiers.results import Signing, upload_seal_image, upload_signature_image
from dossiers.review import accept_dossier
from dossiers.signing import samples
from dossiers.signing.keys import Keyring
from tests import factories as f
from tests.signing.conftest import AGENCY, LEADER


def approved_world(
    session: Session, store: FileStore, keyring: Keyring, *, channel: Channel = Channel.ONLINE
) -> dict[str, Any]:
    agency = f.agency(session, code=AGENCY[0], name=AGENCY[1], numbered=False)
    version = f.procedure(session, agency)
    citizen = f.user(session)
    clerk = f.user(session, Role.RECEPTION, agency)
    officer = f.user(session, Role.OFFICER, agency)
    leader = f.user(
        session, Role.LEADER, agency, login=LEADER[0], full_name=LEADER[1], title=LEADER[2]
    )
    other_leader = f.user(session, Role.LEADER, f.agency(session, name="Sở khác"))
    if channel == Channel.ONLINE:
        dossier = f.on_paper(session, citizen, f.draft(session, citizen, version))
        submit_dossier(session, citizen.actor(), dossier)
        accept_dossier(session, clerk.actor(), dossier)
    else:  # entered and received at the desk
        dossier = create_draft(
            session,
            clerk.actor(),
            version.code,
            Applicant(name=citizen.full_name, id_number="079123456789"),
            channel=channel,
        )
        f.on_paper(session, clerk, dossier)
        receive_at_counter(session, clerk.actor(), dossier)
    forward(session, clerk.actor(), dossier, to_user_id=officer.id)
    propose_result(session, officer.actor(), store, dossier)
    approve(session, leader.actor(), dossier)
    upload_signature_image(session, store, leader.actor(), samples.signature_png())
    upload_seal_image(session, store, leader.actor(), agency, samples.seal_png(36.0))
    return {
        "agency": agency,
        "citizen": citizen,
        "clerk": clerk,
        "officer": officer,
        "leader": leader,
        "other_leader": other_leader,
        "dossier": dossier,
        "signing": Signing(store, keyring, "https://motcua.example"),
    }


def sign_previewed(session: Session, world: dict[str, Any], dossier: Any, actor: Any) -> Any:
    """The leader's way: look at the candidate, then sign it, naming what was seen."""
    from dossiers.results import issue_result, result_candidate

    seen = result_candidate(session, world["signing"], dossier, actor).sha256
    return issue_result(session, world["signing"], dossier, actor, seen_sha256=seen)
