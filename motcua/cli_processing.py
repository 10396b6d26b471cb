"""``motcua deadlines`` and ``motcua register``: the processing paperwork from a terminal."""

import sys
from datetime import date, datetime
from pathlib import Path

import click

from dossiers.actors import Actor
from dossiers.errors import DomainError
from motcua.cli_base import current_app, get_session, with_appcontext


def _fail(error: DomainError) -> None:
    click.echo(f"Lỗi: {error.message} / {error.message_en}", err=True)
    sys.exit(1)


@click.group()
def deadlines() -> None:
    """Overdue dossiers and their apology letters."""


@deadlines.command("check")
@with_appcontext
@click.option("--at", "at", help="Pretend it is this instant (ISO 8601 with offset).")
def deadlines_check(at: str | None) -> None:
    """Prepare an apology letter for every dossier with less than a working day left."""
    from dossiers.apologies import sweep
    from dossiers.calendar import VN_TZ

    when = None
    if at:
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            click.echo("Lỗi: --at cần ISO 8601 / --at needs ISO 8601", err=True)
            sys.exit(2)
        if when.tzinfo is None:
            when = when.replace(tzinfo=VN_TZ)
    session = get_session()
    prepared = sweep(session, now=when)
    session.commit()
    for letter in prepared:
        new_due = letter.new_due_at.astimezone(VN_TZ)
        click.echo(f"{letter.dossier.code}: hẹn lại {new_due:%H:%M %d/%m/%Y} (chờ lãnh đạo duyệt)")
    click.echo(f"Đã lập {len(prepared)} phiếu xin lỗi / {len(prepared)} letters prepared")


@click.command("register")
@with_appcontext
@click.option("--agency", required=True, help="Agency identifier, e.g. 000.00.01.H20.")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file; .xlsx writes a spreadsheet, anything else a PDF.",
)
def register_command(agency: str, start: datetime, end: datetime, out: Path) -> None:
    """Write the dossier register (Sổ theo dõi hồ sơ) of an agency for a period."""
    from dossiers.agencies import get_by_code
    from dossiers.reports import register_pdf, register_xlsx

    session = get_session()
    try:
        found = get_by_code(session, agency)
    except DomainError as error:
        _fail(error)
    first, last = date(start.year, start.month, start.day), date(end.year, end.month, end.day)
    if last < first:
        click.echo("Lỗi: --to trước --from / --to is before --from", err=True)
        sys.exit(2)
    data = (register_xlsx if out.suffix.lower() == ".xlsx" else register_pdf)(
        session, found, first, last
    )
    out.write_bytes(data)
    click.echo(f"{out} ({len(data)} bytes)")


@click.command("control-sheet")
@with_appcontext
@click.argument("code")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def control_sheet_command(code: str, out: Path) -> None:
    """Write a dossier's process control sheet (Phiếu kiểm soát) as PDF."""
    from sqlalchemy import select

    from dossiers.documents import Printer
    from dossiers.files import FileStore
    from dossiers.records import Dossier
    from dossiers.reports import control_sheet_pdf

    session = get_session()
    dossier = session.scalar(select(Dossier).where(Dossier.code == code.strip().upper()))
    if dossier is None:
        click.echo(f"Lỗi: không có hồ sơ {code} / no dossier {code}", err=True)
        sys.exit(1)
    from dossiers.signing.keys import shared_keyring

    printer = Printer(
        FileStore(current_app.config["MOTCUA_STORAGE"]),
        current_app.config["MOTCUA_BASE_URL"],
        keyring=shared_keyring(current_app.config),
    )
    out.write_bytes(control_sheet_pdf(session, Actor.system("cli"), printer, dossier))
    session.commit()  # the printed sheet is in the register of issued documents
    click.echo(str(out))
