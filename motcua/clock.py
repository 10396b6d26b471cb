"""The time as the shell sees it: ``MOTCUA_CLOCK`` (a callable, set by tests) or the real one.

Session lifetimes and login delays are decided with it, so a test moves time forward instead
of waiting or writing a session's timestamps by hand.
"""

from collections.abc import Callable
from datetime import datetime

from flask import current_app

from dossiers.db import utcnow


def now() -> datetime:
    clock: Callable[[], datetime] | None = current_app.config.get("MOTCUA_CLOCK")
    return clock() if clock is not None else utcnow()
