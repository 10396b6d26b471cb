"""``motcua agencies …``: import the agency tree from a file, list it.

The same use case as the admin page and the API (dossiers/agency_import.py); the CLI acts as
the system administrator, and the import is in the administrators' audit log.
"""

import json
import sys
from pathlib import Path
from typing import Any

import click

from dossiers.actors import Actor
from dossiers.errors import DomainError
from motcua.cli_base import AppGroup, get_session

ADMIN = Actor.system("cli")


def register(cli: click.Group) -> None:
    cli.add_command(agencies)


def _fail(error: DomainError) -> None:
    click.echo(f"Lỗi: {error.message}\nError: {error.message_en}", err=True)
    raise SystemExit(1)


@click.group(cls=AppGroup)
def agencies() -> None:
    """Agencies as dated data (QĐ 20/2020 identifiers, parents, closures, successors)."""


@agencies.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def agencies_import(path: Path, dry_run: bool) -> None:
    """Load an agencies file (YAML or JSON); a second import of the same file changes nothing."""
    import yaml

    from dossiers.agency_import import import_agencies, plan_agencies

    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        click.echo(f"Lỗi: tệp không đọc được / unreadable file: {error}", err=True)
        sys.exit(1)
    session = get_session()
    try:
        plan = (plan_agencies if dry_run else import_agencies)(session, ADMIN, data)
    except DomainError as error:
        session.rollback()
        _fail(error)
    if dry_run:
        session.rollback()
    else:
        session.commit()
    for change in plan.changes:
        if change.action != "unchanged":
            what = ", ".join(change.fields)
            if change.parent:
                what += f" parent {change.parent[0] or '—'} → {change.parent[1]}"
            if change.closed_on:
                what += f" closed {change.closed_on} → {change.successor or '—'}"
            click.echo(f"{change.action:<7} {change.code:<20} {what.strip(', ')}")
    if not plan.changed:
        click.echo("Không có thay đổi / nothing to change")
    else:
        prefix = "Sẽ / would: " if dry_run else ""
        click.echo(
            f"{prefix}mới / created: {len(plan.created)}; cập nhật / updated: "
            f"{len(plan.updated)}; không đổi / unchanged: {len(plan.unchanged)}"
        )


@agencies.command("list")
@click.option("--json", "as_json", is_flag=True)
def agencies_list(as_json: bool) -> None:
    """Every agency, closed ones included."""
    from sqlalchemy import select

    from dossiers.agencies import Agency

    rows = get_session().scalars(select(Agency).order_by(Agency.code)).all()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "code": a.code,
                        "name": a.name,
                        "kind": a.kind,
                        "valid_from": a.valid_from.isoformat(),
                        "valid_to": a.valid_to.isoformat() if a.valid_to else None,
                    }
                    for a in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    for a in rows:
        until = f"→{a.valid_to}" if a.valid_to else ""
        click.echo(f"{a.code:<20} {a.kind:<18} {a.valid_from}{until:<12} {a.name}")
