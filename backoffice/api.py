"""Back-office operations of the JSON API: the working-day calendar."""

from datetime import datetime, time
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates

from dossiers.calendar import VN_TZ, TimeUnit
from dossiers.calendar_store import load_calendar
from motcua.database import get_session

bp = Blueprint(
    "backoffice_api",
    __name__,
    url_prefix="/api/v1/calendar",
    description="Working-day calendar / Lịch ngày làm việc",
)


class DueArgs(Schema):
    start = fields.DateTime(
        required=True,
        data_key="from",
        metadata={"description": "ISO 8601 with offset, e.g. 2026-02-13T09:00+07:00"},
    )
    value = fields.Integer(required=True, validate=validate.Range(0, 3650))
    unit = fields.String(
        load_default=TimeUnit.WORKING_DAYS, validate=validate.OneOf([u.value for u in TimeUnit])
    )
    cut_off = fields.Time(load_default=None)

    @validates("start")
    def _aware(self, value: datetime, **_: Any) -> None:
        if value.tzinfo is None:
            raise ValidationError("Cần múi giờ, ví dụ +07:00 / an offset is required")
        if not 1990 <= value.year <= 2100:
            raise ValidationError("Năm từ 1990 đến 2100 / a year from 1990 to 2100")


@bp.route("/due")
class Due(MethodView):
    @bp.arguments(DueArgs, location="query")
    @bp.response(200)
    @bp.doc(security=[])
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """When a time limit ends / Ngày hẹn trả kết quả"""
        calendar = load_calendar(get_session())
        cut_off: time | None = args["cut_off"]
        received = calendar.received_on(args["start"], cut_off)
        due = calendar.due(args["start"], args["value"], TimeUnit(args["unit"]), cut_off)
        return {
            "from": args["start"].astimezone(VN_TZ).isoformat(),
            "counted_from": received.isoformat(),
            "due": due.isoformat(),
            "value": args["value"],
            "unit": args["unit"],
        }


@bp.route("/<int:year>")
class Year(MethodView):
    @bp.response(200)
    @bp.doc(security=[])
    def get(self, year: int) -> list[dict[str, Any]]:
        """Days off on weekdays and working weekend days of a year"""
        if not 1990 <= year <= 2100:
            return []
        return [
            {"day": d.day.isoformat(), "working": d.working, "reason": d.reason, "source": d.source}
            for d in load_calendar(get_session()).year(year)
        ]
