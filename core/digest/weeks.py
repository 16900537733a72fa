"""Digest weeks: ISO weeks (Monday to Monday) in the city's timezone, as UTC instants.

A week's length is whatever the clocks made it: 167 or 169 hours in a week when they change.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, order=True)
class Week:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        """`2026-W47`; ValueError with a readable message otherwise."""
        found = WEEK_PATTERN.match(text.strip())
        if found is None:
            raise ValueError(f"{text!r} is not an ISO week such as 2026-W47")
        year, number = int(found.group(1)), int(found.group(2))
        try:
            dt.date.fromisocalendar(year, number, 1)
        except ValueError as exc:
            raise ValueError(f"{year} has no week {number}") from exc
        return cls(year, number)

    @classmethod
    def containing(cls, moment: dt.datetime, timezone: ZoneInfo) -> Week:
        year, number, _ = moment.astimezone(timezone).date().isocalendar()
        return cls(year, number)

    @classmethod
    def last_complete(cls, now: dt.datetime, timezone: ZoneInfo) -> Week:
        """The most recent week that has ended."""
        return cls.containing(now, timezone).previous()

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.number, 1)

    def days(self) -> list[dt.date]:
        return [self.monday + dt.timedelta(days=offset) for offset in range(7)]

    def previous(self, weeks: int = 1) -> Week:
        year, number, _ = (self.monday - dt.timedelta(weeks=weeks)).isocalendar()
        return Week(year, number)

    def next(self) -> Week:
        year, number, _ = (self.monday + dt.timedelta(weeks=1)).isocalendar()
        return Week(year, number)

    def day_starts(self, timezone: ZoneInfo) -> list[dt.datetime]:
        """The UTC instants of the eight local midnights that bound the week's seven days."""
        dates = [*self.days(), self.monday + dt.timedelta(days=7)]
        return [local_midnight(day, timezone) for day in dates]

    def bounds(self, timezone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        starts = self.day_starts(timezone)
        return starts[0], starts[-1]


def local_midnight(day: dt.date, timezone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), timezone).astimezone(dt.UTC)
