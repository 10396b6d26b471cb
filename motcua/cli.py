"""The ``motcua`` command: a click group over the same domain functions as the web.

It starts light (motcua/cli_base.py): a command imports the domain, Flask and heavy libraries
inside its body, never at the top of a CLI module, and runs in the application's context.
"""

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from dossiers.actors import Actor
from dossiers.errors import DomainError
from dossiers.lifecycle import Role
from motcua.cli_base import Motcua, current_app, ensure_migrated, get_session, script_info
from motcua.cli_exchange import exchange_group

ADMIN = Actor.system("cli")


def _fail(error: DomainError) -> None:
    click.echo(f"Lỗi: {error.message}\nError: {error.message_en}", err=True)
    sys.exit(1)


@click.group(cls=Motcua)
def cli() -> None:
    """Motcua — một cửa điện tử. Commands for operators and scripts."""


cli.add_command(exchange_group, "exchange")


# --- Flask's own commands, imported when they run -------------------------------------------


def _flask_command(name: str, summary: str) -> None:
    @cli.command(
        name,
        app=False,
        add_help_option=False,
        help=summary,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    @click.pass_context
    def forward(ctx: click.Context) -> None:
        from flask import cli as flask_cli

        command = getattr(flask_cli, f"{name}_command")
        if name == "run":
            ensure_migrated(ctx)  # pages over an unmigrated database would all be errors
        # FLASK_RUN_PORT and the like, as under the `flask` command.
        command.main(
            ctx.args,
            prog_name=ctx.command_path,
            obj=script_info(ctx),
            auto_envvar_prefix=f"FLASK_{name.upper()}",
        )


_flask_command("run", "Serve the app with Flask's development server (`motcua run --help`).")
_flask_command("shell", "A Python shell in the app's context.")
_flask_command("routes", "List the app's routes.")


# --- database -------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """Database migrations (Alembic)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database to the newest schema."""
    from motcua import migrate

    migrate.upgrade(current_app.config["DATABASE_URL"], revision)


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    from motcua import migrate

    migrate.downgrade(current_app.config["DATABASE_URL"], revision)


@db.command("check")
def db_check() -> None:
    """Exit 1 when the models and the migrations disagree."""
    from alembic.util.exc import CommandError

    from motcua import migrate

    try:
        migrate.check(current_app.config["DATABASE_URL"])
    except CommandError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    click.echo("Models and migrations agree.")


@db.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models."""
    from motcua import migrate

    migrate.revision(current_app.config["DATABASE_URL"], message)


# --- demo -----------------------------------------------------------------------------------


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print agencies and users as JSON.")
def demo(as_json: bool) -> None:
    """Load the demo province once (idempotent): agencies, procedures, users, dossiers."""
    from motcua.demo import load_demo

    session = get_session()
    summary = load_demo(session, current_app.config)
    session.commit()
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        click.echo(f"Demo: {len(summary['agencies'])} cơ quan, {len(summary['users'])} tài khoản.")
        for user in summary["users"]:
            click.echo(
                f"  {user['login']:<22} {user['password']:<18} {user['role']:<11} "
                f"{user['agency'] or '':<16} {user['full_name']}"
            )
        if not current_app.config.get("MOTCUA_DEMO"):
            # Online payment in the demo needs the sandbox gateway, mounted only in demo mode.
            click.echo(
                "Chạy bản thử: make run, hoặc MOTCUA_DEMO=1 motcua run (cổng thanh toán "
                "thử nghiệm) / serve the demo with MOTCUA_DEMO=1."
            )


# --- doctor ---------------------------------------------------------------------------------


@cli.command(app=False)  # reads the configuration itself: it must work when the app cannot start
def doctor() -> None:
    """Check what the app needs at run time (fonts, poppler, keys, database, Redis, file store).

    Exit 0 when everything is in place; 1 otherwise, with what to do for each problem.
    """
    from motcua import doctor as checks

    findings = checks.run_checks(checks.environment())
    for finding in findings:
        click.echo(f"{'OK ' if finding.ok else 'LỖI'} {finding.name}: {finding.detail}")
        if not finding.ok:
            click.echo(f"    → {finding.fix}")
    sys.exit(0 if all(f.ok for f in findings) else 1)


# --- jobs -----------------------------------------------------------------------------------


@cli.command()
@click.option("--burst", is_flag=True, help="Run what is queued, then exit.")
@click.option("--sweep-every", default=30.0, show_default=True, help="Seconds between sweeps.")
def worker(burst: bool, sweep_every: float) -> None:
    """Run background jobs: an RQ worker when REDIS_URL is set, and the outbox sweeper."""
    from motcua import jobs

    app = current_app._get_current_object()
    url = app.config.get("REDIS_URL")
    if not url:
        swept = jobs.sweep(app)
        click.echo(f"REDIS_URL chưa đặt: chạy {swept} việc tồn đọng ngay trong tiến trình.")
        if burst:
            return
        jobs.start_sweeper(app, sweep_every).join()
        return
    from redis import Redis
    from rq import Queue, Worker

    jobs.sweep(app)
    if not burst:
        jobs.start_sweeper(app, sweep_every)
    connection = Redis.from_url(url)
    Worker([Queue(jobs.QUEUE, connection=connection)], connection=connection).work(burst=burst)


@cli.group()
def outbox() -> None:
    """The outbox of side effects."""


@outbox.command("sweep")
def outbox_sweep() -> None:
    """Dispatch pending jobs left behind."""
    from motcua import jobs

    click.echo(jobs.sweep(current_app._get_current_object()))


@cli.group()
def files() -> None:
    """The content-addressed file store."""


@files.command("gc")
def files_gc() -> None:
    """Delete stored files that no committed row names (older than an hour)."""
    from motcua import jobs

    click.echo(jobs.collect_files(current_app._get_current_object()))


@cli.command("scan-check", app=False)  # no app, no Flask: scripts run it per file
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object a file.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def scan_check_command(as_json: bool, files: tuple[str, ...]) -> None:
    """Check scans against the digitization standard (QĐ 31 Phụ lục I.2).

    Exit 0: every file meets it; 1: one does not; 2: a file is not a readable PDF.
    """
    from dossiers.pdf.scan_check import cli_main

    sys.exit(cli_main(list(files), as_json=as_json, out=sys.stdout))


# --- calendar -------------------------------------------------------------------------------


@cli.group()
def calendar() -> None:
    """The working-day calendar (holidays, overrides, due dates)."""


def _parse_dt(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("cần dạng ISO 8601, ví dụ 2026-02-13T09:00+07:00") from None
    if parsed.tzinfo is None:
        raise click.BadParameter("cần múi giờ, ví dụ +07:00 / an offset is required")
    if not 1990 <= parsed.year <= 2100:
        raise click.BadParameter("năm từ 1990 đến 2100 / a year from 1990 to 2100")
    return parsed


@calendar.command("due")
@click.option("--from", "start", required=True, help="Receipt time, ISO 8601 with offset.")
@click.option("--days", type=click.IntRange(0, 3650), help="Working days.")
@click.option("--hours", type=click.IntRange(0, 3650 * 8), help="Working hours.")
@click.option("--calendar-days", type=click.IntRange(0, 3650), help="Calendar days.")
@click.option(
    "--cut-off",
    type=click.DateTime(["%H:%M"]),
    help="HH:MM after which receipt counts from the next working day.",
)
def calendar_due(
    start: str,
    days: int | None,
    hours: int | None,
    calendar_days: int | None,
    cut_off: datetime | None,
) -> None:
    """Print when a time limit ends, ISO 8601 in Vietnam's time zone."""
    from dossiers.calendar import VN_TZ, TimeUnit
    from dossiers.calendar_store import load_calendar

    given = [
        (v, u)
        for v, u in (
            (days, TimeUnit.WORKING_DAYS),
            (hours, TimeUnit.WORKING_HOURS),
            (calendar_days, TimeUnit.CALENDAR_DAYS),
        )
        if v is not None
    ]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --days, --hours, --calendar-days")
    value, unit = given[0]
    cut = cut_off.time() if cut_off else None
    due = load_calendar(get_session()).due(_parse_dt(start), value, unit, cut)
    click.echo(due.astimezone(VN_TZ).isoformat())


@calendar.command("holidays")
@click.argument("year", type=click.IntRange(1990, 2100))
@click.option("--json", "as_json", is_flag=True)
def calendar_holidays(year: int, as_json: bool) -> None:
    """List a year's weekday days off and weekend working days."""
    from dossiers.calendar_store import load_calendar

    days = load_calendar(get_session()).year(year)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "day": d.day.isoformat(),
                        "working": d.working,
                        "reason": d.reason,
                        "source": d.source,
                    }
                    for d in days
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for d in days:
        state = "làm việc" if d.working else "nghỉ"
        click.echo(f"{d.day.isoformat()} {d.day:%a} {state:<9} {d.reason} [{d.source}]")


@calendar.command("set")
@click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--working/--off", required=True, help="A make-up working day, or a day off.")
@click.option("--reason", required=True, help="The deciding document.")
def calendar_set(day: datetime, working: bool, reason: str) -> None:
    """Record an administrator override."""
    from dossiers.calendar_store import set_override

    session = get_session()
    try:
        set_override(session, ADMIN, day.date(), working, reason)
    except DomainError as error:
        _fail(error)
    session.commit()


@calendar.command("unset")
@click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
def calendar_unset(day: datetime) -> None:
    from dossiers.calendar_store import remove_override

    session = get_session()
    try:
        remove_override(session, ADMIN, day.date())
    except DomainError as error:
        _fail(error)
    session.commit()


# --- procedures -----------------------------------------------------------------------------


@cli.group()
def procedures() -> None:
    """The procedure catalogue."""


@procedures.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def procedures_import(path: Path) -> None:
    """Load a catalogue file (YAML or JSON); re-importing changes only what changed."""
    import yaml

    from dossiers.catalogue import import_catalogue

    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        click.echo(f"Lỗi: tệp không đọc được / unreadable file: {error}", err=True)
        sys.exit(1)
    session = get_session()
    try:
        report = import_catalogue(session, ADMIN, data)
    except DomainError as error:
        session.rollback()
        _fail(error)
    session.commit()
    click.echo(
        f"Mới: {len(report.created)}; phiên bản mới: {len(report.new_versions)}; "
        f"không đổi: {len(report.unchanged)}"
    )


@procedures.command("list")
@click.option("-q", "--query", default="")
def procedures_list(query: str) -> None:
    from dossiers.catalogue import search

    for version in search(get_session(), query, limit=500):
        click.echo(f"{version.code:<28} v{version.number} {version.name}")


# --- accounts -------------------------------------------------------------------------------


@cli.group()
def users() -> None:
    """Accounts and roles."""


@users.command("create")
@click.argument("login")
@click.option("--name", "full_name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role if r != Role.SYSTEM]),
    default=Role.CITIZEN.value,
    show_default=True,
)
@click.option("--agency", help="Agency identifier for staff roles.")
def users_create(login: str, full_name: str, password: str, role: str, agency: str | None) -> None:
    from dossiers.accounts import create_user
    from dossiers.agencies import get_by_code

    session = get_session()
    try:
        agency_id = get_by_code(session, agency).id if agency else None
        create_user(
            session,
            login=login,
            full_name=full_name,
            password=password,
            grants=[(Role(role), agency_id)],
        )
    except DomainError as error:
        _fail(error)
    session.commit()


from motcua.cli_payments import register as _register_payments  # noqa: E402

_register_payments(cli)
from motcua.cli_tokens import register as _register_tokens  # noqa: E402

_register_tokens(cli)
from motcua.cli_clients import register as _register_clients  # noqa: E402

_register_clients(cli)
from motcua.cli_agencies import register as _register_agencies  # noqa: E402

_register_agencies(cli)
from motcua import cli_signing  # noqa: E402,F401  (sign, copy, sign-attachment, verify)

# --- processing (issue 6) -------------------------------------------------------------------
from motcua.cli_processing import control_sheet_command, deadlines, register_command  # noqa: E402

cli.add_command(deadlines)
cli.add_command(register_command)
cli.add_command(control_sheet_command)


if __name__ == "__main__":
    # `python -m motcua.cli` (tests, process managers) runs this file as __main__, a module
    # beside motcua.cli: the command modules register on motcua.cli's group, so run that one.
    from motcua.cli import cli as registered

    registered()
