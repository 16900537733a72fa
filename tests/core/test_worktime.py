import datetime as dt
from zoneinfo import ZoneInfo

from core.tickets.worktime import WorkCalendar

BERLIN = ZoneInfo("Europe/Berlin")


def calendar(holidays: frozenset[dt.date] = frozenset()) -> WorkCalendar:
    return WorkCalendar(BERLIN, dt.time(8), dt.time(17), frozenset(range(5)), holidays)


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


def test_within_one_working_day() -> None:
    assert calendar().add_working_hours(local(2026, 11, 24, 9), 4) == local(2026, 11, 24, 13)


def test_after_hours_start_next_morning() -> None:
    assert calendar().add_working_hours(local(2026, 11, 24, 20), 2) == local(2026, 11, 25, 10)


def test_friday_afternoon_continues_on_monday() -> None:
    # 2026-11-27 is a Friday: 2 hours left that day, 6 more on Monday.
    assert calendar().add_working_hours(local(2026, 11, 27, 15), 8) == local(2026, 11, 30, 14)


def test_holidays_are_skipped() -> None:
    christmas = calendar(frozenset({dt.date(2026, 12, 24), dt.date(2026, 12, 25)}))
    # Wednesday 23rd, 16:00: one hour that day, then Thursday and Friday are holidays.
    assert christmas.add_working_hours(local(2026, 12, 23, 16), 3) == local(2026, 12, 28, 10)


def test_daylight_saving_change_keeps_working_hours_in_local_time() -> None:
    # Clocks go forward on Sunday 2026-03-29 in Berlin; Friday 16:00 + 2h -> Monday 09:00 local.
    due = calendar().add_working_hours(local(2026, 3, 27, 16), 2)
    assert due == local(2026, 3, 30, 9)
    assert due.astimezone(BERLIN).utcoffset() == dt.timedelta(hours=2)  # summer time
    assert due == dt.datetime(2026, 3, 30, 7, tzinfo=dt.UTC)


def test_working_time_between_counts_only_open_hours() -> None:
    cal = calendar()
    assert cal.working_time_between(
        local(2026, 11, 27, 15), local(2026, 11, 30, 10)
    ) == dt.timedelta(hours=4)
    assert (
        cal.working_time_between(local(2026, 11, 28, 10), local(2026, 11, 28, 12)) == dt.timedelta()
    )
    assert (
        cal.working_time_between(local(2026, 11, 30, 10), local(2026, 11, 27, 15)) == dt.timedelta()
    )


def test_adding_then_measuring_round_trips() -> None:
    cal = calendar()
    start = local(2026, 11, 26, 11, 30)
    for hours in (0.5, 3, 9, 25, 80):
        due = cal.add_working_hours(start, hours)
        assert cal.working_time_between(start, due) == dt.timedelta(hours=hours)
