"""``motcua sign``, ``copy``, ``sign-attachment`` and ``verify``: the desk's and scripts' way
to the same domain functions as the back office."""

import json
import sys
from pathlib import Path

import click
from sqlalchemy import select

from dossiers.accounts import RoleGrant, get_user
from dossiers.actors import Actor
from dossiers.agencies import Agency, get_by_code
from dossiers.errors import DomainError, InvalidFile
from dossiers.lifecycle import Role
from dossiers.register import DocumentKind
from dossiers.results import register_standalone, signing_image
from dossiers.signing import attachment, copy, result
from dossiers.verification import Report, verify
from motcua.cli import cli
from motcua.database import get_session
from motcua.keyring import keyring, signing


def _fail(error: DomainError, code: int = 1) -> None:
    click.echo(f"Lỗi: {error.message}\nError: {error.message_en}", err=True)
    sys.exit(code)


def _write(out: str, data: bytes) -> None:
    Path(out).write_bytes(data)
    click.echo(f"Đã ký: {out} ({len(data)} byte)")


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
    session = get_session()
    ctx = signing()
    try:
        user = get_user(session, login)
        grant = session.scalar(select(RoleGrant).where(RoleGrant.user_id == user.id,
                                                       RoleGrant.role == Role.LEADER))
        if grant is None or grant.agency_id is None:
            raise InvalidFile(f"«{login}» không phải lãnh đạo của cơ quan nào",
                              f"'{login}' is not a leader of any agency", code="not_leader")
        agency = session.get(Agency, grant.agency_id)
        assert agency is not None
        data = Path(file).read_bytes()
        if page or box:
            if not (page and box):
                raise click.UsageError("--page and --box go together")
            try:
                x1, y1, x2, y2 = (float(v) for v in box.split(","))
            except ValueError:
                raise click.BadParameter("--box x1,y1,x2,y2 (points)") from None
            placement = result.Placement(page - 1, (x1, y1, x2, y2))
        else:
            try:
                placement = result.find_placement(data, user.full_name)
            except result.CannotPlace as error:
                _fail(error, 2)
                return
        signature_png, _ = signing_image(session, ctx.store, f"user:{login}")
        seal_png, seal = signing_image(session, ctx.store, f"agency:{agency.code}")
        signed = result.sign_result(
            copy.sanitise(data), leader=ctx.keyring.user(login),
            agency=ctx.keyring.agency(agency.code), signature_png=signature_png,
            seal_png=seal_png, seal_mm=(seal.width_mm, seal.height_mm), placement=placement,
            timestamping=ctx.timestamping())
        register_standalone(session, signed, kind=DocumentKind.RESULT,
                            title=Path(file).name, agency=agency, actor=user.actor())
        session.commit()
    except DomainError as error:
        session.rollback()
        _fail(error, 2 if isinstance(error, InvalidFile) else 1)
        return
    _write(out, signed)


@cli.command("copy")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--form", default="SAO Y", show_default=True,
              type=click.Choice(copy.COPY_FORMS, case_sensitive=False))
@click.option("--agency", "code", required=True, help="The copying agency's code.")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def copy_command(file: str, form: str, code: str, out: str) -> None:
    """An electronic copy SAO Y / SAO LỤC / TRÍCH SAO (Phụ lục I.3), rewritten then signed."""
    session = get_session()
    ctx = signing()
    try:
        agency = get_by_code(session, code)
        signed = copy.make_copy(Path(file).read_bytes(), form=form, agency_name=agency.name,
                                agency=ctx.keyring.agency(agency.code),
                                timestamping=ctx.timestamping())
        register_standalone(session, signed, kind=DocumentKind.COPY,
                            title=f"{form.upper()} {Path(file).name}", agency=agency,
                            actor=_cli_actor())
        session.commit()
    except DomainError as error:
        session.rollback()
        _fail(error, 2 if isinstance(error, InvalidFile) else 1)
        return
    _write(out, signed)


@cli.command("sign-attachment")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--agency", "code", required=True)
@click.option("--number", required=True, help='The main document\'s number: "12/QĐ-UBND".')
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def sign_attachment_command(file: str, code: str, number: str, out: str) -> None:
    """An attachment in a separate file (Phụ lục II.3): number and time, top right."""
    session = get_session()
    ctx = signing()
    try:
        agency = get_by_code(session, code)
        signed = attachment.sign_attachment(Path(file).read_bytes(), number=number,
                                            agency=ctx.keyring.agency(agency.code),
                                            timestamping=ctx.timestamping())
        register_standalone(session, signed, kind=DocumentKind.ATTACHMENT,
                            title=f"Kèm theo văn bản {number}", agency=agency,
                            actor=_cli_actor(), number=number)
        session.commit()
    except DomainError as error:
        session.rollback()
        _fail(error, 2 if isinstance(error, InvalidFile) else 1)
        return
    _write(out, signed)


def _cli_actor() -> Actor:
    return Actor.system("cli")


@cli.command("verify")
@click.option("--json", "as_json", is_flag=True)
@click.argument("file", type=click.Path(dir_okay=False))
def verify_command(as_json: bool, file: str) -> None:
    """Check a signed PDF. Exit 0: every signature intact and trusted, nothing disallowed
    changed, not cancelled; 1 otherwise; 2: not a readable PDF."""
    try:
        data = Path(file).read_bytes()
        report = verify(get_session(), data, keyring().trust_roots(), filename=file)
    except (InvalidFile, OSError) as error:
        if as_json:
            click.echo(json.dumps({"file": file, "valid": False, "error": getattr(
                error, "code", "unreadable"), "message": getattr(error, "message", str(error))},
                ensure_ascii=False))
        else:
            click.echo(f"Không kiểm tra được: {getattr(error, 'message', error)}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        _print(report)
    sys.exit(0 if report.valid else 1)


def _print(report: Report) -> None:
    yes = {True: "có", False: "không"}
    click.echo(f"{report.file}: {'HỢP LỆ' if report.valid else 'KHÔNG HỢP LỆ'}")
    for n, s in enumerate(report.signatures, 1):
        click.echo(f"  Chữ ký {n}: {s.signer} — {s.organisation}, lúc {s.signed_at}; "
                   f"toàn vẹn: {yes[s.intact]}, tin cậy: {yes[s.trusted]}, "
                   f"bao trùm toàn bộ: {yes[s.covers_whole_document]}, "
                   f"sửa đổi sau ký: {yes[s.modified_after_signing]}")
        for p in s.problems:
            click.echo(f"    ! {p.message}")
    click.echo(f"  Ban hành tại đây: {yes[report.issued_here]}; đã hủy hiệu lực: "
               f"{yes[report.cancelled]}")
    for p in report.problems:
        click.echo(f"  ! {p.message}")
