"""The click groups behind ``motcua``: Flask's AppGroup and FlaskGroup, made to start light.

Scripts, process managers and the hostile-file checks start ``motcua`` hundreds of times, and
Flask's own groups import Flask (and our app factory imports everything) before any command
runs. These import Flask only when a command that needs the application runs; ``motcua --help``
and ``motcua scan-check`` never do (tests/motcua/test_cli_startup.py).

The pattern for every command module (motcua/cli*.py): import only click and light names
(enums, errors, ``Actor``) at the top; import the domain, Flask, SQLAlchemy and the heavy
libraries (pyHanko, WeasyPrint, pikepdf, openpyxl, cryptography, rq…) inside the command's
body. Commands of an ``AppGroup`` run in the application's context, like Flask's; pass
``app=False`` for one that needs no application. ``current_app`` and ``get_session`` below
stand in for Flask's and motcua.database's, importing them on first use, so a command body
reads as it would with those.
"""

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

# The database problems a newcomer meets, answered in one line instead of a traceback.
NOT_MIGRATED = (
    "Lỗi: cơ sở dữ liệu chưa được nâng cấp lên phiên bản mới nhất: chạy "
    "`motcua db upgrade` / Error: the database is not migrated: run "
    "`motcua db upgrade`"
)
_MISSING_OBJECT = (
    "no such table",
    "no such column",
    "has no column",
    "undefinedtable",
    "undefinedcolumn",
)
# Subcommands that must see the database as it is: no migration of the default SQLite first.
_AS_IT_IS = frozenset({"db", "doctor"})


class _CurrentApp:
    """flask.current_app, imported when a command first uses it."""

    def __getattr__(self, name: str) -> Any:
        from flask import current_app

        return getattr(current_app, name)


current_app: Any = _CurrentApp()


def get_session() -> Any:
    """The command's database session (motcua.database.get_session, imported when called)."""
    from motcua.database import get_session as session

    return session()


def fail(message: str, code: int = 1) -> None:
    click.echo(message, err=True)
    sys.exit(code)


@contextmanager
def database_errors() -> Iterator[None]:
    """A missing, unreachable or unmigrated database: one line and exit 1."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    try:
        yield
    except (ArgumentError, NoSuchModuleError) as error:
        fail(f"Lỗi: DATABASE_URL không hợp lệ / Error: invalid DATABASE_URL: {error}")
    except DBAPIError as error:
        detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        kind = f"{type(error.orig).__name__} {detail}".lower()
        if error.statement is None:  # raised while connecting, before any statement ran
            fail(
                f"Lỗi: không kết nối được cơ sở dữ liệu / Error: cannot reach the database: "
                f"{detail}"
            )
        if any(marker in kind for marker in _MISSING_OBJECT):
            fail(f"{NOT_MIGRATED} ({detail})")
        raise


def script_info(ctx: click.Context) -> Any:
    """Flask's ScriptInfo for this invocation: the caller's (FlaskCliRunner passes one), or
    one that makes the app with ``create_app``, kept on the root context."""
    from flask.cli import ScriptInfo

    info = ctx.find_object(ScriptInfo)
    if info is None:
        root = ctx.find_root()

        def make() -> Any:
            from motcua import create_app
            from motcua.config import ConfigError

            try:
                app = create_app()
            except ConfigError as error:  # a setting the app must not start with
                fail(f"Lỗi cấu hình / configuration error: {error}", 2)
            # Its connections close with the command (a test runs many in one process).
            root.call_on_close(app.extensions["motcua.db"].engine.dispose)
            return app

        info = ScriptInfo(create_app=make, set_debug_flag=True)
        if root.obj is None:
            root.obj = info
    return info


def load_app(ctx: click.Context) -> Any:
    """The application; the default SQLite database (DATABASE_URL unset) is migrated to the
    newest schema first, so a newcomer's first command works (not for ``db`` or ``doctor``)."""
    with database_errors():
        app = script_info(ctx).load_app()
        if (
            app.config.get("MOTCUA_DEFAULT_DATABASE")
            and ctx.find_root().invoked_subcommand not in _AS_IT_IS
        ):
            from motcua import migrate

            if migrate.upgrade_if_behind(app.config["DATABASE_URL"]):
                click.echo(
                    "Đã nâng cấp cơ sở dữ liệu SQLite mặc định / migrated the default "
                    "SQLite database",
                    err=True,
                )
    return app


def ensure_migrated(ctx: click.Context) -> None:
    """The default SQLite database migrated, any other at the newest revision, or exit 1."""
    app = load_app(ctx)
    from motcua import migrate

    with database_errors():
        if not migrate.is_current(app.config["DATABASE_URL"]):
            fail(NOT_MIGRATED)


def with_appcontext(f: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``f`` in the application's context (Flask's with_appcontext, importing Flask only
    when the command runs), and answer database problems in one line."""

    @click.pass_context
    def run(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        from flask import current_app

        if not current_app:
            ctx.with_resource(load_app(ctx).app_context())
        with database_errors():
            return ctx.invoke(f, *args, **kwargs)

    return functools.update_wrapper(run, f)


class AppGroup(click.Group):
    """Flask's AppGroup without importing Flask: its commands run in the application's context
    (``app=False`` for one that needs none) and its subgroups are AppGroups."""

    def command(
        self,
        *args: Any,
        app: bool = True,  # type: ignore[override]
        **kwargs: Any,
    ) -> Callable[[Callable[..., Any]], click.Command]:
        def decorator(f: Callable[..., Any]) -> click.Command:
            command = click.Group.command(self, *args, **kwargs)(with_appcontext(f) if app else f)
            command.needs_app = app  # type: ignore[attr-defined]
            return command

        return decorator

    def group(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", AppGroup)
        return super().group(*args, **kwargs)


class Motcua(AppGroup):
    """The root group. Before a subcommand that needs the application runs, it leaves Flask's
    ScriptInfo on the root context (as FlaskGroup does), so a command written with Flask's own
    AppGroup or with_appcontext finds the app too."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and getattr(command, "needs_app", True):
            script_info(ctx)
        return name, command, rest
