"""Which dossier a back-office page or staff API operation may name: one loader for all of them.

A dossier the caller may not see answers 404, page or API alike (the domain's NotFound,
rendered by the shell's error handlers), so no route can be used to learn that it exists.
"""

from collections.abc import Iterable

from sqlalchemy.orm import Session

from dossiers.actors import Actor
from dossiers.errors import Unauthenticated
from dossiers.events import get_visible_dossier
from dossiers.lifecycle import Role
from dossiers.records import Dossier
from motcua.auth import current_actor
from motcua.database import get_session

DESK = (Role.RECEPTION,)
WORK = (Role.RECEPTION, Role.OFFICER, Role.LEADER, Role.SUPERVISOR)
STAFF = tuple(role for role in Role if role is not Role.CITIZEN)


def visible_dossier(dossier_id: int, roles: Iterable[Role] = ()) -> tuple[Session, Actor, Dossier]:
    """The request's session and actor, and the dossier they may see (see the module)."""
    session, actor = get_session(), current_actor()
    if actor.user_id is None and actor.client_id is None:
        raise Unauthenticated("Cần đăng nhập hoặc gửi token API", "Log in or send an API token")
    return session, actor, get_visible_dossier(session, actor, dossier_id, roles)
