"""``motcua payments …`` and ``motcua sandbox-gateway``: reconciliation, finance, the sandbox."""

import json
import sys
from datetime import datetime, timedelta

import click

from dossiers.actors import Actor
from dossiers.errors import DomainError
from motcua.cli_base import AppGroup, current_app


def register(cli: click.Group) -> None:
    cli.add_command(payments)
    cli.add_command(sandbox_gateway)


@click.group(cls=AppGroup)  # its commands run in an application context
def payments() -> None:
    """Fees and payments (reconciliation, finance figures)."""


@payments.command("reconcile")
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Day (Vietnam time) to compare with the gateway; default today.",
)
@click.option(
    "--older-than",
    default=None,
    type=click.IntRange(0, 7 * 24 * 60),
    help="Minutes a pending payment must have waited (default from config).",
)
@click.option("--json", "as_json", is_flag=True)
def payments_reconcile(day: datetime | None, older_than: int | None, as_json: bool) -> None:
    """Settle pending payments from the gateway's ledger, then compare the day's ledgers.

    Exit 0 when both agree, 1 when differences remain (listed), 2 when the gateway gave no
    verdict on some payment (unreachable, unsigned or error answer; listed with the reason).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from dossiers.calendar import today_in_vietnam
    from motcua.database import get_db
    from motcua.payments_app import gateway
    from payments.reconcile import daily_report, reconcile_pending

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    minutes = app.config["PAYMENT_RECONCILE_AFTER_MINUTES"] if older_than is None else older_than
    try:
        db, merchant = get_db(app), gateway(app)
        done = reconcile_pending(db.factory, merchant, older_than=timedelta(minutes=minutes))
        with db.factory() as session:
            report = daily_report(session, merchant, day.date() if day else today_in_vietnam())
            session.commit()
    except DomainError as error:
        click.echo(f"Lỗi: {error.message} / {error.message_en}", err=True)
        sys.exit(2)
    except SQLAlchemyError as error:
        click.echo(f"Lỗi cơ sở dữ liệu / database error: {str(error).splitlines()[0]}", err=True)
        sys.exit(2)
    unverified = done.no_verdict + report.no_verdict
    if as_json:
        click.echo(
            json.dumps(
                {
                    "settled": done.counts,
                    "differences": [d.as_dict() for d in report.differences],
                    "no_verdict": [o.as_dict() for o in unverified],
                }
            )
        )
    else:
        click.echo(
            "Đối soát / settled: " + (", ".join(f"{k}: {v}" for k, v in done.counts.items()) or "0")
        )
        for d in report.differences:
            click.echo(
                f"CHÊNH LỆCH {d.txn_ref}: ta={d.ours} cổng={d.theirs} "
                f"({d.amount_vnd} / {d.gateway_amount_vnd})"
            )
        for o in unverified:
            click.echo(f"CHƯA CÓ KẾT LUẬN / no verdict {o.txn_ref}: {o.reason}")
        if not report.differences and not unverified:
            click.echo("Không có chênh lệch / no differences.")
    sys.exit(2 if unverified else 1 if report.differences else 0)


@payments.command("finance")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--xlsx", type=click.Path(dir_okay=False), help="Write the workbook here.")
def payments_finance(start: datetime, end: datetime, xlsx: str | None) -> None:
    """Collected, pending, refunded and differences per agency and day."""
    from motcua.database import get_session
    from payments.finance import export_xlsx, summary

    try:
        rows = summary(get_session(), Actor.system("cli"), start.date(), end.date())
    except DomainError as error:
        click.echo(f"Lỗi: {error.message}", err=True)
        sys.exit(1)
    if xlsx:
        with open(xlsx, "wb") as out:
            out.write(export_xlsx(rows))
    click.echo(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))


@click.command("sandbox-gateway", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def sandbox_gateway(args: tuple[str, ...]) -> None:
    """Run the sandbox payment gateway (VNPAY protocol): --port N --ipn-url URL."""
    from motcua.sandbox_gateway import main

    main(list(args))
