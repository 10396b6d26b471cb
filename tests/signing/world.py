"""A dossier brought to "approved, awaiting signature" through the lifecycle's own events."""

from typing import Any

from sqlalchemy.orm import Session

from dossiers.events import apply
from dossiers.files import FileStore
from dossiers.intake import submit_dossier
from dossiers.lifecycle import Kind, Role
from dossiers.records import Channel, ComponentState
from dossiers.results import Signing, upload_seal_image, upload_signature_image
from dossiers.signing import samples
from dossiers.signing.keys import Keyring
from tests import factories as f
from tests.signing.conftest import AGENCY, LEADER


def approved_world(session: Session, store: FileStore, keyring: Keyring, *,
                   channel: Channel = Channel.ONLINE) -> dict[str, Any]:
    agency = f.agency(session, code=AGENCY[0], name="Sở Tài chính")
    agency.name = AGENCY[1]
    version = f.procedure(session, agency)
    citizen = f.user(session)
    clerk = f.user(session, Role.RECEPTION, agency)
    officer = f.user(session, Role.OFFICER, agency)
    leader = f.user(session, Role.LEADER, agency, login=LEADER[0])
    leader.full_name, leader.title = LEADER[1], LEADER[2]
    other_leader = f.user(session, Role.LEADER, f.agency(session, name="Sở khác"))
    dossier = f.draft(session, citizen, version)
    for component in dossier.components:
        component.state = ComponentState.PAPER
    submit_dossier(session, citizen.actor(), dossier)
    if channel != Channel.ONLINE:
        dossier.channel = channel
    apply(session, dossier, Kind.ACCEPTED, clerk.actor())
    apply(session, dossier, Kind.ASSIGNED, clerk.actor(), to_agency_id=agency.id,
          to_user_id=officer.id)
    apply(session, dossier, Kind.RESULT_PROPOSED, officer.actor())
    apply(session, dossier, Kind.APPROVED, leader.actor())
    upload_signature_image(session, store, leader.actor(), samples.signature_png())
    upload_seal_image(session, store, leader.actor(), agency, samples.seal_png(36.0))
    return {"agency": agency, "citizen": citizen, "clerk": clerk, "officer": officer,
            "leader": leader, "other_leader": other_leader, "dossier": dossier,
            "signing": Signing(store, keyring, "https://motcua.example")}


def sign_previewed(session: Session, world: dict[str, Any], dossier: Any, actor: Any) -> Any:
    """The leader's way: look at the candidate, then sign it, naming what was seen."""
    from dossiers.results import issue_result, result_candidate

    seen = result_candidate(session, world["signing"], dossier, actor).sha256
    return issue_result(session, world["signing"], dossier, actor, seen_sha256=seen)
