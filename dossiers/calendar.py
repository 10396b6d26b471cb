"""Working-time calendar for dossier deadlines (SPEC "Time", FACTS §7).

Pure module: stdlib + ``holidays``. The ``holidays`` Vietnam calendar (Labour Code
2019 Art. 112: statutory days, compensatory days, the swaps it knows about) is the
base; dated administrator overrides correct it, because Tết dates, bridge days and
make-up Saturdays are decided each year by the Prime Minister / Bộ Nội vụ.

Counting rules (Civil Code 2015):
- Art. 147: a limit counted in days starts on the day *after* receipt.
- Art. 148: a limit whose last day is a rest day ends on the next working day.
Procedure-specific cut-off hours (e.g. chứng thực, NĐ 23/2015 Art. 7: received after
15:00 counts from the next working day) are passed in by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "DEMO_OVERRIDES_2026",
    "VN_TZ",
    "DayInfo",
    "Override",
    "TimeUnit",
    "WorkCalendar",
    "today_in_vietnam",
]

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # UTC+07:00, no DST


def today_in_vietnam() -> date:
    """The date in Vietnam now (the server may run in UTC: 00:00–07:00 there is tomorrow here)."""
    return datetime.now(VN_TZ).date()


# Guard against override data that would make every day a rest day.
_MAX_SEARCH_DAYS = 3660


class TimeUnit(StrEnum):
    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    CALENDAR_DAYS = "calendar_days"


@dataclass(frozen=True)
class Override:
    """An administrator's correction of one day; overrides always win."""

    day: date
    working: bool  # True: make-up working day; False: extra day off
    reason: str


@dataclass(frozen=True)
class DayInfo:
    """One line of a year listing."""

    day: date
    working: bool
    reason: str
    source: str  # "holidays" (package), "override" or "weekend"


# What `holidays` 0.109 does NOT know for 2026 (checked against the package output).
# The package already has: Tết 16–20/02 (29 Tết..mùng 4, matching the PM's 14–22/02
# decision), Giỗ Tổ 26/04 + nghỉ bù 27/04, 30/04, 01/05, 31/08 swapped with Saturday
# 22/08 (which it treats as a working day), 01–02/09. It also has 24/11/2026 "Ngày Văn
# hóa Việt Nam" (NQ 80-NQ/TW); we keep that as the package says, but its enactment in
# the Labour Code was NOT confirmed (only NQ 30/NQ-CP of 02/2026 asking for the
# amendment was found) — an administrator should check it [U].
DEMO_OVERRIDES_2026: tuple[Override, ...] = (
    # Confidence: high — VPCP 12729/VPCP-KGVX (25/12/2025), reported by dantri.com.vn
    # and baohiemxahoi.gov.vn: công chức nghỉ 01–04/01/2026, Friday 02/01 swapped
    # with Saturday 10/01.
    Override(
        date(2026, 1, 2),
        False,
        "Nghỉ Tết Dương lịch (hoán đổi sang thứ Bảy 10/01/2026) "
        "theo văn bản số 12729/VPCP-KGVX ngày 25/12/2025",
    ),
    Override(
        date(2026, 1, 10),
        True,
        "Làm việc bù cho thứ Sáu 02/01/2026 theo văn bản số 12729/VPCP-KGVX ngày 25/12/2025",
    ),
)


def _local_time(value: time, day: date) -> time:
    """A time of day in Vietnam; one given with an offset (15:00+07:00, 08:00Z) is moved there."""
    if value.tzinfo is None:
        return value
    return datetime.combine(day, value).astimezone(VN_TZ).time()


def _require_aware(dt: datetime, name: str) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {dt!r}")


class WorkCalendar:
    """Working days and hours of a Vietnamese state agency (Monday–Friday)."""

    def __init__(
        self,
        overrides: Iterable[Override] = (),
        *,
        morning: tuple[time, time] = (time(7, 30), time(11, 30)),
        afternoon: tuple[time, time] = (time(13, 0), time(17, 0)),
    ) -> None:
        if not morning[0] < morning[1] <= afternoon[0] < afternoon[1]:
            raise ValueError("working windows must be ordered: morning before afternoon")
        self._windows = (morning, afternoon)
        self._overrides: dict[date, Override] = {o.day: o for o in overrides}
        # Vietnamese names explicitly: without `language` the package follows $LANG.
        # Years are generated lazily (expand=True).
        self._hol = holidays.country_holidays("VN", language="vi")
        self._ready: set[int] = set()

    @property
    def hours_per_day(self) -> float:
        """Working hours in one working day (8 with the default windows)."""
        seconds = sum(
            (datetime.combine(date.min, e) - datetime.combine(date.min, s)).total_seconds()
            for s, e in self._windows
        )
        return seconds / 3600

    # -- days -------------------------------------------------------------------

    def _ensure(self, year: int) -> None:
        # A swap can cross a year boundary (e.g. Saturday 27/12/2014 worked for
        # 02/01/2015), so the following year is generated as well.
        if year not in self._ready:
            for y in (year, year + 1):
                _ = date(y, 1, 1) in self._hol  # triggers lazy generation
            self._ready.add(year)

    def is_working_day(self, d: date) -> bool:
        if isinstance(d, datetime):
            raise TypeError("is_working_day takes a date; convert to VN_TZ first")
        if (o := self._overrides.get(d)) is not None:
            return o.working
        self._ensure(d.year)
        if d.weekday() >= 5:  # Saturday/Sunday, unless the package knows a swap
            return d in self._hol.weekend_workdays
        return d not in self._hol

    def next_working_day(self, d: date) -> date:
        for _ in range(_MAX_SEARCH_DAYS):
            d += timedelta(days=1)
            if self.is_working_day(d):
                return d
        raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days after {d}")

    def year(self, year: int) -> list[DayInfo]:
        """Days that differ from plain Monday–Friday, plus every override of the year."""
        self._ensure(year)
        out: dict[date, DayInfo] = {}
        for d, name in self._hol.items():
            if d.year == year and d.weekday() < 5:
                out[d] = DayInfo(d, False, str(name), "holidays")
        for d in self._hol.weekend_workdays:
            if d.year == year:
                out[d] = DayInfo(d, True, self._swap_reason(d), "holidays")
        for o in self._overrides.values():
            if o.day.year == year:
                out[o.day] = DayInfo(o.day, o.working, o.reason, "override")
        return [out[d] for d in sorted(out)]

    def _swap_reason(self, worked: date) -> str:
        # The package labels the day off "Ngày nghỉ (thay cho ngày dd/mm/yyyy)".
        tag = worked.strftime("%d/%m/%Y")
        for d, name in self._hol.items():
            if tag in str(name):
                return f"Làm việc bù cho ngày {d:%d/%m/%Y}"
        return "Làm việc bù (hoán đổi ngày làm việc)"

    # -- instants ---------------------------------------------------------------

    @staticmethod
    def _at(d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=VN_TZ)

    def _day_start(self, d: date) -> datetime:
        return self._at(d, self._windows[0][0])

    def _day_end(self, d: date) -> datetime:
        return self._at(d, self._windows[1][1])

    def received_on(self, at: datetime, cut_off: time | None = None) -> datetime:
        """When a dossier counts as received (the instant deadlines count from).

        Same instant if it arrives on a working day no later than the end of office
        hours and no later than the cut-off ("sau 15 giờ" = strictly after 15:00);
        otherwise the start of the next working day.
        """
        _require_aware(at, "at")
        local = at.astimezone(VN_TZ)
        limit = (
            self._windows[1][1]
            if cut_off is None
            else min(_local_time(cut_off, local.date()), self._windows[1][1])
        )
        if self.is_working_day(local.date()) and local.time() <= limit:
            return local
        return self._day_start(self.next_working_day(local.date()))

    def due(
        self,
        received_at: datetime,
        value: int,
        unit: TimeUnit | str,
        cut_off: time | None = None,
    ) -> datetime:
        _require_aware(received_at, "received_at")
        unit = TimeUnit(unit)  # values read back from the database are plain strings
        if value < 0:
            raise ValueError("value must be >= 0")
        start = self.received_on(received_at, cut_off)
        if unit is TimeUnit.WORKING_DAYS:
            # Art. 147: the receipt day is not counted; value 0 = same day.
            d = start.date()
            for _ in range(value):
                d = self.next_working_day(d)
            return self._day_end(d)
        if unit is TimeUnit.CALENDAR_DAYS:
            d = start.date() + timedelta(days=value)
            if not self.is_working_day(d):  # Art. 148
                d = self.next_working_day(d)
            return self._day_end(d)
        if unit is TimeUnit.WORKING_HOURS:
            return self._add_hours(start, timedelta(hours=value))
        raise ValueError(f"unknown unit {unit!r}")

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant ``hours`` working hours after ``start`` (a step's share, a pause)."""
        _require_aware(start, "start")
        if hours <= 0:
            return start
        return self._add_hours(start, timedelta(hours=hours))

    def _add_hours(self, start: datetime, remaining: timedelta) -> datetime:
        cur = start.astimezone(VN_TZ)
        d = cur.date()
        if not self.is_working_day(d):
            d = self.next_working_day(d)
            cur = self._day_start(d)
        while True:
            for s, e in self._windows:
                w_start, w_end = self._at(d, s), self._at(d, e)
                if cur >= w_end:
                    continue
                cur = max(cur, w_start)  # lunch break -> 13:00, early -> 07:30
                if remaining <= w_end - cur:
                    return cur + remaining
                remaining -= w_end - cur
                cur = w_end
            d = self.next_working_day(d)
            cur = self._day_start(d)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours from start to end; negative when end is before start."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        if end < start:
            return -self.working_hours_between(end, start)
        a, b = start.astimezone(VN_TZ), end.astimezone(VN_TZ)
        total = timedelta()
        d = a.date()
        while d <= b.date():
            if self.is_working_day(d):
                for s, e in self._windows:
                    lo = max(a, self._at(d, s))
                    hi = min(b, self._at(d, e))
                    if hi > lo:
                        total += hi - lo
            d += timedelta(days=1)
        return total.total_seconds() / 3600
