"""Working-time arithmetic in the city's calendar (timezone, working days, hours, holidays).

Everything is computed on UTC instants of each local working window, so days when clocks change
count their real length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from core.config import Settings

MAX_DAYS_SCANNED = 3 * 366  # a target further out than this is a configuration error


@dataclass(frozen=True)
class WorkCalendar:
    timezone: ZoneInfo
    start: dt.time
    end: dt.time
    weekdays: frozenset[int]
    holidays: frozenset[dt.date]

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkCalendar:
        hours = settings.workhours
        return cls(
            settings.tz, hours.start, hours.end, hours.weekday_numbers, frozenset(hours.holidays)
        )

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def _windows(self, since: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Working windows (UTC) from the local day containing `since` onwards."""
        day = since.astimezone(self.timezone).date()
        for _ in range(MAX_DAYS_SCANNED):
            if self.is_working_day(day):
                opens = dt.datetime.combine(day, self.start, self.timezone).astimezone(dt.UTC)
                closes = dt.datetime.combine(day, self.end, self.timezone).astimezone(dt.UTC)
                yield opens, closes
            day += dt.timedelta(days=1)
        raise ValueError("no working time found within three years; check the work calendar")

    def add_working_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """The instant when `hours` of working time have passed after `start`."""
        remaining = dt.timedelta(hours=hours)
        cursor = start.astimezone(dt.UTC)
        for opens, closes in self._windows(cursor):
            cursor = max(cursor, opens)
            if cursor >= closes:
                continue
            available = closes - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover - _windows raises first

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time elapsed between two instants (zero if end is not after start)."""
        start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
        total = dt.timedelta()
        if end <= start:
            return total
        for opens, closes in self._windows(start):
            if opens >= end:
                break
            overlap = min(closes, end) - max(opens, start)
            if overlap > dt.timedelta():
                total += overlap
        return total
