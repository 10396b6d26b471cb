"""Where each member of staff starts, and which back-office pages the navigation shows them.

Shared by both faces (the login is the portal's, the pages are the back office's), so it lives
in the shell and names pages by endpoint only.
"""

from flask import url_for

from dossiers.actors import Actor
from dossiers.lifecycle import Role


def start_page(actor: Actor) -> str:
    """The page a member of staff lands on after login, by their main role: an administrator
    on the admin home, a clerk on the desk queue, an officer or leader on the work queue, a
    supervisor (and anyone else) on the dashboard."""
    if actor.has(Role.ADMIN):
        return url_for("admin_home.home")
    if actor.agencies(Role.RECEPTION):
        return url_for("desk.queue")
    if actor.agencies(Role.OFFICER, Role.LEADER):
        return url_for("work.queue")
    return url_for("backoffice.dashboard")


def staff_links(actor: Actor) -> list[tuple[str, str]]:
    """(endpoint, label) of the back-office pages the navigation offers this actor."""
    found: list[tuple[str, str]] = []
    if actor.has(Role.ADMIN):
        found.append(("admin_home.home", "Quản trị"))
    if actor.agencies(Role.RECEPTION):
        found.append(("desk.queue", "Tiếp nhận"))
    if actor.agencies(Role.OFFICER, Role.LEADER):
        found.append(("work.queue", "Xử lý"))
    if actor.agencies(Role.RECEPTION, Role.OFFICER, Role.LEADER) or actor.has(Role.SUPERVISOR):
        found.append(("backoffice.dashboard", "Hồ sơ"))
    return found
