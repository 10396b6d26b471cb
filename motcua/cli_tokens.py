"""``motcua tokens …``: issue, list and revoke API tokens (never showing a secret again)."""

import json
import sys
from datetime import timedelta

import click

from dossiers.actors import Actor
from motcua.cli_base import AppGroup, current_app, get_session

OPERATOR = Actor.system("cli")


def register(cli: click.Group) -> None:
    cli.add_command(tokens)


def _fail(message: str, message_en: str) -> None:
    click.echo(f"Lỗi: {message}\nError: {message_en}", err=True)
    sys.exit(1)


@click.group(cls=AppGroup)  # its commands run in an application context
def tokens() -> None:
    """API tokens for integrations."""


@tokens.command("create")
@click.argument("login")
@click.option("--name", default="integration", show_default=True)
@click.option(
    "--days",
    type=click.IntRange(1, 3650),
    default=None,
    help="Lifetime in days (default MOTCUA_TOKEN_DAYS, 90).",
)
def tokens_create(login: str, name: str, days: int | None) -> None:
    """Print a new bearer token for LOGIN (shown once)."""
    from dossiers.accounts import get_user, issue_token
    from dossiers.errors import DomainError

    lifetime = timedelta(days=days or int(current_app.config.get("MOTCUA_TOKEN_DAYS") or 90))
    session = get_session()
    try:
        token = issue_token(session, get_user(session, login), name, lifetime)
    except DomainError as error:
        _fail(error.message, error.message_en)
    session.commit()
    click.echo(token)


@tokens.command("list")
@click.option("--user", "login", default=None, help="Only this account's tokens.")
@click.option("--json", "as_json", is_flag=True)
def tokens_list(login: str | None, as_json: bool) -> None:
    """List tokens: id, account, name, state, created, expires, last used (no secrets)."""
    from dossiers.accounts import list_tokens
    from dossiers.errors import DomainError

    try:
        rows = list_tokens(get_session(), OPERATOR, login)
    except DomainError as error:
        _fail(error.message, error.message_en)
    items = [
        {
            "id": r.id,
            "login": r.user.login,
            "name": r.name,
            "state": r.state(),
            "created_at": r.created_at.isoformat(),
            "expires_at": r.expires_at.isoformat(),
            "last_used_at": r.last_used_at.isoformat() if r.last_used_at else None,
        }
        for r in rows
    ]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    for item in items:
        click.echo(
            f"{item['id']:>6} {item['login']:<20} {item['state']:<8} "
            f"hết hạn/expires {item['expires_at'][:16]}  {item['name']}"
        )


@tokens.command("revoke")
@click.argument("token_ids", nargs=-1, type=click.IntRange(1, 2**31 - 1))
@click.option("--user", "login", default=None, help="Revoke every token of this account.")
def tokens_revoke(token_ids: tuple[int, ...], login: str | None) -> None:
    """Revoke tokens by id, or all of one account's (--user LOGIN)."""
    from dossiers.accounts import get_user, revoke_all_tokens, revoke_token
    from dossiers.errors import DomainError

    if not token_ids and not login:
        raise click.UsageError("give token ids or --user LOGIN")
    session = get_session()
    try:
        for token_id in token_ids:
            revoke_token(session, OPERATOR, token_id)
        count = revoke_all_tokens(session, get_user(session, login)) if login else 0
    except DomainError as error:
        session.rollback()
        _fail(error.message, error.message_en)
    session.commit()
    click.echo(f"Đã thu hồi / revoked: {len(token_ids) + count}")
