"""Jinja filters: times are stored in UTC and shown in Vietnam's time zone."""

from datetime import datetime

from flask import Flask

from dossiers.calendar import VN_TZ


def local(value: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
    return value.astimezone(VN_TZ).strftime(fmt) if value else ""


def local_iso(value: str | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
    return local(datetime.fromisoformat(value), fmt) if value else ""


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local"] = local
    app.jinja_env.filters["local_iso"] = local_iso
