"""Who is asking: Flask-Login sessions for people, bearer tokens for integrations.

Views and API endpoints turn the logged-in user into an ``Actor`` and pass it to the domain;
the domain never reads the request.
"""

from flask import Flask, abort, g, request
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user

from dossiers.accounts import User, user_for_token
from dossiers.actors import Actor
from motcua.database import get_session

login_manager = LoginManager()
login_manager.login_view = "account.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


class SessionUser(UserMixin):
    """What Flask-Login keeps for a logged-in user: the account row, read per request."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.id = str(user.id)

    @property
    def is_active(self) -> bool:
        return self.user.is_active


@login_manager.user_loader
def _load(user_id: str) -> SessionUser | None:
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    return SessionUser(user) if user is not None else None


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANONYMOUS = Actor(user_id=None, login="anonymous")


def current_actor() -> Actor:
    """The actor of this request: token user, session user, or anonymous."""
    if "actor" in g:
        actor: Actor = g.actor
        return actor
    actor = ANONYMOUS
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = user_for_token(get_session(), header[7:].strip())
        if user is None:
            abort(401)
        actor = user.actor()
    elif current_user.is_authenticated and not isinstance(current_user, AnonymousUserMixin):
        if request.path.startswith("/api/") and request.method not in SAFE_METHODS:
            # The API is exempt from the form CSRF check for token clients; a browser using
            # its session cookie must still prove the request came from our pages.
            from motcua import csrf

            csrf.protect()
        actor = current_user.user.actor()
    g.actor = actor
    return actor


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
