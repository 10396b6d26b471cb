"""Deadline calendar: Civil Code 2015 Art. 147/148, NĐ 23/2015 Art. 7 cut-off, 2026 days off.

Weekday anchors used below (hand-computed): 01/01/2026 is a Thursday, so
01/02/2026 is a Sunday, 01/03 a Sunday, 01/04 a Wednesday, 01/08 a Saturday.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from dossiers.calendar import (
    DEMO_OVERRIDES_2026,
    VN_TZ,
    Override,
    TimeUnit,
    WorkCalendar,
)

D = TimeUnit.WORKING_DAYS
H = TimeUnit.WORKING_HOURS
C = TimeUnit.CALENDAR_DAYS


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar(DEMO_OVERRIDES_2026)


def test_a_working_day_has_eight_hours_with_default_windows() -> None:
    # 07:30–11:30 (4 h) + 13:00–17:00 (4 h)
    assert WorkCalendar().hours_per_day == 8.0


def test_five_working_days_from_the_friday_before_tet_2026_end_on_the_fifth_working_day_after() -> (
    None
):
    cal = WorkCalendar(DEMO_OVERRIDES_2026)
    # Received Fri 13/02/2026; Fri not counted (Art. 147). 14–15 weekend, 16–20 Tết
    # (29 Tết..mùng 4), 21–22 weekend; then Mon 23 (1), 24 (2), 25 (3), 26 (4), Fri 27 (5).
    assert cal.due(vn(2026, 2, 13, 10), 5, D) == vn(2026, 2, 27, 17)
    assert not any(cal.is_working_day(date(2026, 2, d)) for d in range(14, 23))


def test_hung_kings_2026_falls_on_sunday_and_its_observed_monday_is_not_a_working_day(
    cal: WorkCalendar,
) -> None:
    assert not cal.is_working_day(date(2026, 4, 26))  # 10/3 lunar, Sunday
    assert not cal.is_working_day(date(2026, 4, 27))  # nghỉ bù, Monday
    # Received Fri 24/04: 25–26 weekend, 27 observed holiday -> 1st working day Tue 28/04.
    assert cal.due(vn(2026, 4, 24, 9), 1, D) == vn(2026, 4, 28, 17)


def test_new_year_2026_bridge_friday_is_a_day_off_only_with_the_demo_overrides() -> None:
    # Received Wed 31/12/2025. Without overrides: 01/01 holiday -> Fri 02/01 is day 1.
    assert WorkCalendar().due(vn(2025, 12, 31, 10), 1, D) == vn(2026, 1, 2, 17)
    # With 12729/VPCP-KGVX: 01/01 holiday, 02/01 off, 03–04 weekend -> Mon 05/01.
    assert WorkCalendar(DEMO_OVERRIDES_2026).due(vn(2025, 12, 31, 10), 1, D) == vn(2026, 1, 5, 17)


def test_make_up_saturday_override_counts_as_a_working_day(cal: WorkCalendar) -> None:
    assert cal.is_working_day(date(2026, 1, 10))
    # Received Fri 09/01: next working day is the make-up Saturday 10/01.
    assert cal.due(vn(2026, 1, 9, 10), 1, D) == vn(2026, 1, 10, 17)
    # Without the override the Saturday is an ordinary weekend -> Mon 12/01.
    assert WorkCalendar().due(vn(2026, 1, 9, 10), 1, D) == vn(2026, 1, 12, 17)


def test_make_up_saturday_known_to_the_package_counts_as_a_working_day() -> None:
    # holidays 0.109 swaps Mon 31/08/2026 with Sat 22/08/2026.
    cal = WorkCalendar()
    assert cal.is_working_day(date(2026, 8, 22))
    assert not cal.is_working_day(date(2026, 8, 31))
    # Received Fri 21/08 -> Sat 22/08 (1).
    assert cal.due(vn(2026, 8, 21, 10), 1, D) == vn(2026, 8, 22, 17)


def test_override_adding_a_day_off_pushes_the_deadline() -> None:
    storm = Override(date(2026, 3, 10), False, "Nghỉ do bão (quyết định của UBND tỉnh)")
    cal = WorkCalendar([storm])
    assert not cal.is_working_day(date(2026, 3, 10))
    # Received Mon 09/03: Tue 10/03 off -> day 1 is Wed 11/03.
    assert cal.due(vn(2026, 3, 9, 10), 1, D) == vn(2026, 3, 11, 17)
    assert WorkCalendar().due(vn(2026, 3, 9, 10), 1, D) == vn(2026, 3, 10, 17)


def test_override_beats_the_package_holiday() -> None:
    cal = WorkCalendar([Override(date(2026, 4, 27), True, "Làm việc (giả định)")])
    assert cal.is_working_day(date(2026, 4, 27))


def test_chung_thuc_before_cut_off_is_done_the_same_day(cal: WorkCalendar) -> None:
    # Wed 11/03/2026 14:59, value 0 = same day, cut-off 15:00 (NĐ 23/2015 Art. 7).
    assert cal.due(vn(2026, 3, 11, 14, 59), 0, D, cut_off=time(15)) == vn(2026, 3, 11, 17)
    # Same instant given in UTC (07:59Z = 14:59 +07).
    at_utc = datetime(2026, 3, 11, 7, 59, tzinfo=UTC)
    assert cal.due(at_utc, 0, D, cut_off=time(15)) == vn(2026, 3, 11, 17)


def test_chung_thuc_after_cut_off_is_done_the_next_working_day(
    cal: WorkCalendar,
) -> None:
    # Wed 15:01 -> counts as received Thu 12/03 07:30 -> due Thu 17:00.
    assert cal.received_on(vn(2026, 3, 11, 15, 1), time(15)) == vn(2026, 3, 12, 7, 30)
    assert cal.due(vn(2026, 3, 11, 15, 1), 0, D, cut_off=time(15)) == vn(2026, 3, 12, 17)


def test_chung_thuc_received_friday_afternoon_is_done_on_monday(
    cal: WorkCalendar,
) -> None:
    # Fri 13/03 16:00 > 15:00 -> Mon 16/03 07:30 -> due Mon 16/03 17:00.
    assert cal.due(vn(2026, 3, 13, 16), 0, D, cut_off=time(15)) == vn(2026, 3, 16, 17)


def test_received_on_a_weekend_counts_from_the_next_working_day_start(
    cal: WorkCalendar,
) -> None:
    # Sat 14/03 (online portal) -> Mon 16/03 07:30; 1 working day -> Tue 17/03 17:00.
    assert cal.received_on(vn(2026, 3, 14, 10)) == vn(2026, 3, 16, 7, 30)
    assert cal.due(vn(2026, 3, 14, 10), 1, D) == vn(2026, 3, 17, 17)


def test_received_after_office_hours_counts_from_the_next_working_day(
    cal: WorkCalendar,
) -> None:
    # Wed 11/03 17:30 -> Thu 12/03 07:30; 2 working days -> Fri 13, Mon 16 17:00.
    assert cal.received_on(vn(2026, 3, 11, 17, 30)) == vn(2026, 3, 12, 7, 30)
    assert cal.due(vn(2026, 3, 11, 17, 30), 2, D) == vn(2026, 3, 16, 17)


def test_working_hours_skip_the_lunch_break(cal: WorkCalendar) -> None:
    # Wed 11/03 10:30 + 2 h: 10:30–11:30 (1 h) + 13:00–14:00 (1 h) -> 14:00.
    assert cal.due(vn(2026, 3, 11, 10, 30), 2, H) == vn(2026, 3, 11, 14)
    # Received during lunch 12:00 -> clamped to 13:00; + 1 h -> 14:00.
    assert cal.due(vn(2026, 3, 11, 12), 1, H) == vn(2026, 3, 11, 14)
    # 8 h from 07:30 fill the whole day -> 17:00 the same day.
    assert cal.due(vn(2026, 3, 11, 7, 30), 8, H) == vn(2026, 3, 11, 17)


def test_working_hours_skip_the_weekend(cal: WorkCalendar) -> None:
    # Fri 13/03 16:00 + 4 h: 16:00–17:00 (1 h), then Mon 16/03 07:30 + 3 h -> 10:30.
    assert cal.due(vn(2026, 3, 13, 16), 4, H) == vn(2026, 3, 16, 10, 30)
    # Received Wed 18:00 -> Thu 12/03 07:30 + 1 h -> 08:30.
    assert cal.due(vn(2026, 3, 11, 18), 1, H) == vn(2026, 3, 12, 8, 30)


def test_calendar_days_ending_on_a_sunday_move_to_monday(cal: WorkCalendar) -> None:
    # Mon 02/03 + 6 calendar days = Sun 08/03 -> Mon 09/03 17:00 (Art. 148).
    assert cal.due(vn(2026, 3, 2, 10), 6, C) == vn(2026, 3, 9, 17)
    # Mon 02/03 + 3 = Thu 05/03, a working day -> unchanged.
    assert cal.due(vn(2026, 3, 2, 10), 3, C) == vn(2026, 3, 5, 17)


def test_calendar_days_ending_on_a_holiday_move_to_the_next_working_day(
    cal: WorkCalendar,
) -> None:
    # Mon 20/04 + 7 = Mon 27/04 (Giỗ Tổ observed) -> Tue 28/04 17:00.
    assert cal.due(vn(2026, 4, 20, 10), 7, C) == vn(2026, 4, 28, 17)


def test_due_is_returned_in_vietnam_time(cal: WorkCalendar) -> None:
    due = cal.due(datetime(2026, 3, 11, 3, 0, tzinfo=UTC), 1, D)  # 10:00 +07 Wed
    assert due.tzinfo == VN_TZ
    assert due.utcoffset() == timedelta(hours=7)
    assert due == vn(2026, 3, 12, 17)


def test_naive_datetimes_are_rejected(cal: WorkCalendar) -> None:
    naive = datetime(2026, 3, 11, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.due(naive, 1, D)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.received_on(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.working_hours_between(naive, vn(2026, 3, 12))


def test_negative_value_is_rejected(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        cal.due(vn(2026, 3, 11, 10), -1, D)


def test_year_2026_lists_observed_hung_kings_and_make_up_days_but_not_plain_weekends(
    cal: WorkCalendar,
) -> None:
    days = {i.day: i for i in cal.year(2026)}
    assert days[date(2026, 4, 27)].working is False
    assert days[date(2026, 4, 27)].source == "holidays"
    assert days[date(2026, 1, 2)].working is False
    assert days[date(2026, 1, 10)].working is True
    assert days[date(2026, 1, 10)].source == "override"
    assert days[date(2026, 8, 22)].working is True  # package swap, Sat worked
    assert days[date(2026, 8, 22)].reason == "Làm việc bù cho ngày 31/08/2026"
    assert date(2026, 1, 3) not in days  # ordinary Saturday
    assert date(2026, 4, 26) not in days  # Giỗ Tổ itself is a Sunday
    listed = [i.day for i in cal.year(2026)]
    assert listed == sorted(listed)
    assert all(d.year == 2026 for d in listed)


def test_working_hours_between_over_a_weekend(cal: WorkCalendar) -> None:
    # Fri 13/03 16:00 -> Mon 16/03 10:30: 1 h Friday + 3 h Monday = 4 h.
    assert cal.working_hours_between(vn(2026, 3, 13, 16), vn(2026, 3, 16, 10, 30)) == 4.0
    # Reversed -> negative (finished before the deadline).
    assert cal.working_hours_between(vn(2026, 3, 16, 10, 30), vn(2026, 3, 13, 16)) == -4.0


def test_working_hours_between_excludes_lunch_and_holidays(cal: WorkCalendar) -> None:
    # Wed 11/03 11:00 -> 13:30: 0.5 h + 0.5 h = 1 h.
    assert cal.working_hours_between(vn(2026, 3, 11, 11), vn(2026, 3, 11, 13, 30)) == 1.0
    # Fri 24/04 07:30 -> Tue 28/04 07:30: only Friday's 8 h (Sat, Sun, Mon 27/04 off).
    assert cal.working_hours_between(vn(2026, 4, 24, 7, 30), vn(2026, 4, 28, 7, 30)) == 8.0
