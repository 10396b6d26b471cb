"""``motcua exchange``: keys, peers, the message log, resending and edXML export."""

import sys
from pathlib import Path
from typing import NoReturn

import click

from dossiers.actors import Actor
from dossiers.errors import DomainError
from motcua.cli_base import AppGroup, current_app, get_session

ADMIN = Actor.system("cli")


def _fail(error: DomainError) -> NoReturn:
    click.echo(f"Lỗi: {error.message}\nError: {error.message_en}", err=True)
    sys.exit(1)


def _pem(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii")
    except (UnicodeDecodeError, OSError):
        click.echo(
            f"Lỗi: {path} không phải chứng thư PEM / Error: {path} is not a PEM certificate",
            err=True,
        )
        sys.exit(2)


@click.group(cls=AppGroup)
def exchange_group() -> None:
    """Exchange between installations (liên thông, edXML)."""


@exchange_group.command("keygen")
@click.option("--name", help="Name in the certificate (default: MOTCUA_BASE_URL).")
@click.option("--organisation", default="", help="Organisation in the certificate.")
@click.option("--overwrite", is_flag=True, help="Replace an existing key.")
def keygen(name: str | None, organisation: str, overwrite: bool) -> None:
    """Create this installation's exchange key and certificate."""
    from dossiers.exchange import keys
    from dossiers.exchange.send import exchange_dir, passphrase

    config = current_app.config
    try:
        signer = keys.generate(
            exchange_dir(config),
            passphrase(config),
            name or config["MOTCUA_BASE_URL"],
            organisation,
            overwrite=overwrite,
        )
    except DomainError as error:
        _fail(error)
    click.echo(f"{exchange_dir(config) / keys.CERT_FILE}\nSHA-256 {signer.fingerprint}")


@exchange_group.command("certificate")
def certificate() -> None:
    """Print this installation's certificate (PEM) for a peer's administrator."""
    from dossiers.exchange.send import signer_from

    try:
        click.echo(signer_from(current_app.config).certificate_pem, nl=False)
    except DomainError as error:
        _fail(error)


@exchange_group.group("peers")
def peers() -> None:
    """Registered peers."""


@peers.command("add")
@click.argument("name")
@click.option("--url", required=True, help="The peer's base URL.")
@click.option(
    "--agency",
    "agencies",
    multiple=True,
    required=True,
    help="An agency identifier the peer speaks for (repeatable).",
)
@click.option(
    "--cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The peer's certificate (PEM).",
)
@click.option("--token", default=None, help="The token we call the peer with.")
def peers_add(
    name: str, url: str, agencies: tuple[str, ...], cert: Path, token: str | None
) -> None:
    """Register a peer; prints the token IT must use to call us (shown once)."""
    from dossiers import exchange

    session = get_session()
    try:
        _, inbound = exchange.add_peer(
            session,
            ADMIN,
            name=name,
            base_url=url,
            agency_codes=list(agencies),
            certificates=_pem(cert),
            outbound_token=token,
        )
    except DomainError as error:
        _fail(error)
    session.commit()
    click.echo(inbound)


@peers.command("set")
@click.argument("name")
@click.option("--url")
@click.option("--agency", "agencies", multiple=True)
@click.option("--cert", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--token", help="The token we call the peer with.")
@click.option("--active/--inactive", default=None)
def peers_set(
    name: str,
    url: str | None,
    agencies: tuple[str, ...],
    cert: Path | None,
    token: str | None,
    active: bool | None,
) -> None:
    """Change a peer."""
    from dossiers import exchange

    session = get_session()
    try:
        exchange.update_peer(
            session,
            ADMIN,
            exchange.get_peer(session, name),
            base_url=url,
            agency_codes=list(agencies) or None,
            certificates=_pem(cert) if cert else None,
            outbound_token=token,
            is_active=active,
        )
    except DomainError as error:
        _fail(error)
    session.commit()


@peers.command("new-token")
@click.argument("name")
def peers_new_token(name: str) -> None:
    """Issue a new token for the peer to call us with (the old one stops working)."""
    from dossiers import exchange
    from dossiers.exchange.operations import new_inbound_token

    session = get_session()
    try:
        token = new_inbound_token(session, ADMIN, exchange.get_peer(session, name))
    except DomainError as error:
        _fail(error)
    session.commit()
    click.echo(token)


@peers.command("list")
def peers_list() -> None:
    from dossiers import exchange

    for peer in exchange.list_peers(get_session()):
        state = "active" if peer.is_active else "inactive"
        click.echo(f"{peer.name:<24} {state:<9} {peer.base_url:<40} {' '.join(peer.agency_codes)}")


@exchange_group.command("log")
@click.option("--limit", default=50, show_default=True)
def log(limit: int) -> None:
    """Every message in and out, newest first."""
    from dossiers.exchange.operations import messages

    for m in messages(get_session(), limit=limit):
        peer = m.peer.name if m.peer else "-"
        click.echo(
            f"{m.created_at:%Y-%m-%d %H:%M} {m.direction:<3} {m.kind:<7} {m.state:<12} "
            f"{peer:<16} {m.message_id} {m.reason or m.last_error or ''}"
        )


@exchange_group.command("retry")
@click.argument("message_id", required=False)
@click.option("--all", "all_", is_flag=True, help="Every queued or failed outgoing message.")
def retry_command(message_id: str | None, all_: bool) -> None:
    """Resend now, without waiting for the backoff."""
    from sqlalchemy import select

    from dossiers.exchange.models import Direction, ExchangeMessage, MessageState
    from dossiers.exchange.send import retry

    session = get_session()
    query = select(ExchangeMessage).where(
        ExchangeMessage.direction == Direction.OUT,
        ExchangeMessage.state.in_([MessageState.QUEUED, MessageState.FAILED]),
    )
    if not all_:
        if not message_id:
            raise click.UsageError("give a MESSAGE_ID or --all")
        query = query.where(ExchangeMessage.message_id == message_id)
    rows = list(session.scalars(query))
    count = sum(1 for row in rows if retry(session, row) is not None)
    session.commit()  # the rows are dispatched after the commit
    click.echo(count)


@exchange_group.command("export-edxml")
@click.argument("dossier_code")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def export_edxml(dossier_code: str, output: Path | None) -> None:
    """Write the documents a dossier carries as one edXML document."""
    from sqlalchemy import select

    from dossiers import exchange
    from dossiers.records import Dossier
    from motcua.files import store

    session = get_session()
    dossier = session.scalar(select(Dossier).where(Dossier.code == dossier_code.strip()))
    if dossier is None:
        click.echo(f"Lỗi: không tìm thấy hồ sơ {dossier_code}", err=True)
        sys.exit(1)
    try:
        data = exchange.export_edxml(session, dossier, ADMIN, store())
    except DomainError as error:
        _fail(error)
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
