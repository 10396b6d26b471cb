"""``motcua clients …``: register, list, disable/enable and rotate integration clients.

The same use cases as the admin page and API; the CLI acts as the system administrator and
every change is in the client's audit log.
"""

import json

import click

from dossiers.actors import Actor
from dossiers.clients.scopes import SCOPES
from dossiers.errors import DomainError
from motcua.cli_base import AppGroup, get_session

ADMIN = Actor.system("cli")


def register(cli: click.Group) -> None:
    cli.add_command(clients)


def _fail(error: DomainError) -> None:
    click.echo(f"Lỗi: {error.message}\nError: {error.message_en}", err=True)
    raise SystemExit(1)


@click.group(cls=AppGroup)
def clients() -> None:
    """Integration clients (OAuth 2 client credentials)."""


@clients.command("create")
@click.argument("name")
@click.option("--agency", default=None, help="Agency identifier the client belongs to.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(list(SCOPES)),
    help="Repeat for each scope.",
)
def clients_create(name: str, agency: str | None, scopes: tuple[str, ...]) -> None:
    """Register a client; prints its client_id and secret (shown once)."""
    from dossiers.clients import operations

    session = get_session()
    try:
        client, secret = operations.register_client(
            session, ADMIN, name=name, agency_code=agency, scopes=list(scopes)
        )
    except DomainError as error:
        _fail(error)
    session.commit()
    click.echo(f"client_id: {client.client_id}\nclient_secret: {secret}")


@clients.command("list")
@click.option("--json", "as_json", is_flag=True)
def clients_list(as_json: bool) -> None:
    from dossiers.clients import operations

    rows = operations.list_clients(get_session(), ADMIN)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "client_id": c.client_id,
                        "name": c.name,
                        "scopes": c.scopes,
                        "is_active": c.is_active,
                    }
                    for c in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    for c in rows:
        state = "active" if c.is_active else "disabled"
        click.echo(f"{c.client_id:<24} {state:<9} {' '.join(c.scopes):<50} {c.name}")


def _set_active(client_id: str, active: bool) -> None:
    from dossiers.clients import operations

    session = get_session()
    try:
        operations.set_active(
            session, ADMIN, operations.get_client(session, ADMIN, client_id), active
        )
    except DomainError as error:
        _fail(error)
    session.commit()


@clients.command("disable")
@click.argument("client_id")
def clients_disable(client_id: str) -> None:
    """Disable a client: its tokens stop working at once."""
    _set_active(client_id, False)


@clients.command("enable")
@click.argument("client_id")
def clients_enable(client_id: str) -> None:
    _set_active(client_id, True)


@clients.command("rotate-secret")
@click.argument("client_id")
def clients_rotate(client_id: str) -> None:
    """Print a new secret (shown once); the old one and its tokens stop working."""
    from dossiers.clients import operations

    session = get_session()
    try:
        secret = operations.rotate_secret(
            session, ADMIN, operations.get_client(session, ADMIN, client_id)
        )
    except DomainError as error:
        _fail(error)
    session.commit()
    click.echo(secret)
