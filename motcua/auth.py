"""Who is asking: Flask-Login sessions for people, bearer tokens for integrations.

Views and API endpoints turn the logged-in user into an ``Actor`` and pass it to the domain;
the domain never reads the request.

A session is the signed cookie plus a check on the server at each request: the account's
session generation (logout and password reset move it on, ending every session of the account
at once), the time since login (``MOTCUA_SESSION_MAX_HOURS``, 12 by default) and the idle time
(``PERMANENT_SESSION_LIFETIME``, 30 minutes).
"""

from collections.abc import Callable
from datetime import timedelta

from flask import Flask, abort, current_app, g, request, session
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user, login_user

from dossiers.accounts import User, user_for_token
from dossiers.actors import Actor
from motcua.clock import now
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

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_generation}"


def start_session(user: User) -> None:
    """Log ``user`` in: a fresh session (no fixation) of the account's current generation."""
    session.clear()
    login_user(SessionUser(user))
    session.permanent = True  # the cookie's own expiry: the idle lifetime
    session["started"] = session["seen"] = int(now().timestamp())


def token_lifetime(days: int | None = None) -> timedelta:
    """How long a new API token lasts: ``days`` if given, else ``MOTCUA_TOKEN_DAYS`` (90)."""
    return timedelta(days=days or int(current_app.config.get("MOTCUA_TOKEN_DAYS") or 90))


def _lifetimes() -> tuple[timedelta, timedelta]:
    config = current_app.config
    idle = config["PERMANENT_SESSION_LIFETIME"]
    idle = idle if isinstance(idle, timedelta) else timedelta(seconds=idle)
    return idle, timedelta(hours=float(config.get("MOTCUA_SESSION_MAX_HOURS") or 12))


@login_manager.user_loader
def _load(user_id: str) -> SessionUser | None:
    number, _, generation = user_id.partition(":")
    db = get_session()
    began = not db.in_transaction()
    user = db.get(User, int(number)) if number.isdigit() else None
    if began:
        db.commit()  # only a read: end it, so SQLite's write lock is not held for nothing
    idle, longest = _lifetimes()
    at = now().timestamp()
    started, seen = session.get("started"), session.get("seen")
    if (
        user is None
        or generation != str(user.session_generation)
        or not isinstance(started, int)
        or not isinstance(seen, int)
        or at - started > longest.total_seconds()
        or at - seen > idle.total_seconds()
    ):
        session.clear()  # ended by logout or reset elsewhere, or too old: log in again
        return None
    session["seen"] = int(at)
    return SessionUser(user)


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
        db = get_session()
        began = not db.in_transaction()
        user = user_for_token(db, header[7:].strip(), now())
        if began:
            db.commit()  # the token's last use, recorded before the view begins its work
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


def _request_user() -> User | None:
    """The user behind this request's token or session cookie, if any (never aborts)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return user_for_token(get_session(), header[7:].strip(), now())
    if current_user.is_authenticated and not isinstance(current_user, AnonymousUserMixin):
        user: User = current_user.user
        return user
    return None


def staff_only(public: frozenset[tuple[str, str]] = frozenset()) -> Callable[[], None]:
    """A ``before_request`` for staff blueprints: a citizen gets 404 on every route, their own
    dossier included, as if the back office did not exist; ``public`` lists the (endpoint,
    method) pairs anyone may call. Anonymous requests go on to the view, which asks for a
    login (pages) or a token (API)."""

    def refuse_citizens() -> None:
        method = "GET" if request.method == "HEAD" else request.method
        if (request.endpoint or "", method) in public:
            return
        user = _request_user()
        if user is not None and not user.actor().is_staff:
            abort(404)

    return refuse_citizens


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
