"""``motcua sign``, ``copy``, ``sign-attachment`` and ``verify``: the desk's and scripts' way
to the same domain functions as the back office."""

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dossiers.errors import DomainError, InvalidFile
from dossiers.lifecycle import Role
from motcua.cli import ADMIN, cli
from motcua.cli_base import get_session

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dossiers.accounts import User
    from dossiers.agencies import Agency
    from dossiers.signing import result
    from dossiers.verification import Report

COPY_FORMS = ("SAO Y", "SAO LỤC", "TRÍCH SAO")  # dossiers.signing.copy checks the same


def _fail(error: DomainError, code: int = 1) -> None:
    click.echo(f"Lỗi: {error.message}\nError: {error.message_en}", err=True)
    sys.exit(code)


def _issue(session: "Session", out: str, make: Callable[[], bytes]) -> None:
    """Run ``make`` (sign and register) in one transaction, then write the signed file.

    Exit 2 for a file that cannot be signed (unreadable, or no place for the signature), 1 for
    any other domain error.
    """
    from dossiers.signing import result

    try:
        signed = make()
        session.commit()
    except DomainError as error:
        session.rollback()
        _fail(error, 2 if isinstance(error, InvalidFile | result.CannotPlace) else 1)
        return
    Path(out).write_bytes(signed)
    click.echo(f"Đã ký: {out} ({len(signed)} byte)")


def _placement(data: bytes, name: str, page: int | None, box: str | None) -> "result.Placement":
    """``--page`` and ``--box`` when given (an unusual layout), else found by the leader's name."""
    from dossiers.signing import result

    if not (page or box):
        return result.find_placement(data, name)
    if not (page and box):
        raise click.UsageError("--page and --box go together")
    try:
        x1, y1, x2, y2 = (float(v) for v in box.split(","))
    except ValueError:
        raise click.BadParameter("--box x1,y1,x2,y2 (points)") from None
    return result.Placement(page - 1, (x1, y1, x2, y2))


def _leader_agency(session: "Session", user: "User") -> "Agency":
    from sqlalchemy import select

    from dossiers.accounts import RoleGrant
    from dossiers.agencies import Agency

    grant = session.scalar(
        select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == Role.LEADER)
    )
    agency = session.get(Agency, grant.agency_id) if grant and grant.agency_id else None
    if agency is None:
        raise InvalidFile(
            f"«{user.login}» không phải lãnh đạo của cơ quan nào",
            f"'{user.login}' is not a leader of any agency",
            code="not_leader",
        )
    return agency


@cli.command("sign")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--signer", "login", required=True, help="The leader's login.")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--page", type=click.IntRange(1), help="Page (from 1) when the layout is unusual.")
@click.option("--box", help="x1,y1,x2,y2 in points: the free space between title and name.")
def sign_command(file: str, login: str, out: str, page: int | None, box: str | None) -> None:
    """Both signatures of a result (Phụ lục II.1–2): the leader's image, then the seal.

    Exit 2 when the signature cannot be placed (the name is not found, no room).
    """
    from dossiers.accounts import get_user
    from dossiers.register import DocumentKind
    from dossiers.results import leader_and_seal, register_standalone
    from dossiers.signing import copy
    from motcua.keyring import signing

    session = get_session()

    def make() -> bytes:
        user = get_user(session, login)
        agency = _leader_agency(session, user)
        data = Path(file).read_bytes()
        placement = _placement(data, user.full_name, page, box)
        clean = copy.sanitise(data)  # an unreadable file says so before a missing key does
        signed = leader_and_seal(session, signing(), login, agency)(clean, placement=placement)
        register_standalone(
            session,
            signed,
            kind=DocumentKind.RESULT,
            title=Path(file).name,
            agency=agency,
            actor=user.actor(),
        )
        return signed

    _issue(session, out, make)


@cli.command("copy")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--form",
    default="SAO Y",
    show_default=True,
    type=click.Choice(COPY_FORMS, case_sensitive=False),
)
@click.option("--agency", "code", required=True, help="The copying agency's code.")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def copy_command(file: str, form: str, code: str, out: str) -> None:
    """An electronic copy SAO Y / SAO LỤC / TRÍCH SAO (Phụ lục I.3), rewritten then signed."""
    from dossiers.agencies import get_by_code
    from dossiers.register import DocumentKind
    from dossiers.results import register_standalone
    from dossiers.signing import copy
    from motcua.keyring import signing

    session = get_session()

    def make() -> bytes:
        agency, ctx = get_by_code(session, code), signing()
        signed = copy.make_copy(
            Path(file).read_bytes(),
            form=form,
            agency_name=agency.name,
            agency=ctx.keyring.agency(agency.code),
            timestamping=ctx.timestamping(),
        )
        register_standalone(
            session,
            signed,
            kind=DocumentKind.COPY,
            title=f"{form.upper()} {Path(file).name}",
            agency=agency,
            actor=ADMIN,
        )
        return signed

    _issue(session, out, make)


@cli.command("sign-attachment")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--agency", "code", required=True)
@click.option("--number", required=True, help='The main document\'s number: "12/QĐ-UBND".')
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def sign_attachment_command(file: str, code: str, number: str, out: str) -> None:
    """An attachment in a separate file (Phụ lục II.3): number and time, top right."""
    from dossiers.agencies import get_by_code
    from dossiers.register import DocumentKind
    from dossiers.results import register_standalone
    from dossiers.signing import attachment
    from motcua.keyring import signing

    session = get_session()

    def make() -> bytes:
        agency, ctx = get_by_code(session, code), signing()
        signed = attachment.sign_attachment(
            Path(file).read_bytes(),
            number=number,
            agency=ctx.keyring.agency(agency.code),
            timestamping=ctx.timestamping(),
        )
        register_standalone(
            session,
            signed,
            kind=DocumentKind.ATTACHMENT,
            title=f"Kèm theo văn bản {number}",
            agency=agency,
            actor=ADMIN,
            number=number,
        )
        return signed

    _issue(session, out, make)


@cli.command("verify")
@click.option("--json", "as_json", is_flag=True)
@click.argument("file", type=click.Path(dir_okay=False))
def verify_command(as_json: bool, file: str) -> None:
    """Check a signed PDF. Exit 0: every signature intact and trusted, nothing disallowed
    changed, not cancelled; 1 otherwise; 2: not a readable PDF."""
    from dossiers.verification import verify
    from motcua.keyring import keyring

    try:
        data = Path(file).read_bytes()
        report = verify(get_session(), data, keyring().trust_roots(), filename=file)
    except (InvalidFile, OSError) as error:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "file": file,
                        "valid": False,
                        "error": getattr(error, "code", "unreadable"),
                        "message": getattr(error, "message", str(error)),
                    },
                    ensure_ascii=False,
                )
            )
        else:
            click.echo(f"Không kiểm tra được: {getattr(error, 'message', error)}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        _print(report)
    sys.exit(0 if report.valid else 1)


def _print(report: "Report") -> None:
    yes = {True: "có", False: "không"}
    click.echo(f"{report.file}: {'HỢP LỆ' if report.valid else 'KHÔNG HỢP LỆ'}")
    for n, s in enumerate(report.signatures, 1):
        click.echo(
            f"  Chữ ký {n}: {s.signer} — {s.organisation}, lúc {s.signed_at}; "
            f"toàn vẹn: {yes[s.intact]}, tin cậy: {yes[s.trusted]}, "
            f"bao trùm toàn bộ: {yes[s.covers_whole_document]}, "
            f"sửa đổi sau ký: {yes[s.modified_after_signing]}"
        )
        for p in s.problems:
            click.echo(f"    ! {p.message}")
    click.echo(
        f"  Ban hành tại đây: {yes[report.issued_here]}; đã hủy hiệu lực: {yes[report.cancelled]}"
    )
    for p in report.problems:
        click.echo(f"  ! {p.message}")
