"""Numbers, shares, durations, dates and names in a manager's language, for the digest.

Everything goes through Babel in the manager's locale; a figure that could not be measured
(None) shows as "–". Durations are in hours with one decimal, or in days beyond two days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime, format_interval, format_skeleton
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

from core.i18n import is_rtl, language_name, translations
from core.intents.catalog import Catalog

MISSING = "–"
HOUR = 3600.0
DAYS_FROM_HOURS = 48  # beyond this a duration reads better in days
UP, DOWN, SAME = "▲", "▼", "="
LRI, PDI = "\u2066", "\u2069"  # isolate a signed number inside right-to-left text


def _noop(message: str) -> str:
    """Marks a string for extraction; it is translated in the manager's locale when rendered."""
    return message


UNKNOWN_DISTRICT = _noop("Unknown district")
POINTS = _noop("{points} pp")  # percentage points


class DigestFormat:
    """One manager's locale and the city's timezone: every value of the digest as text."""

    def __init__(self, locale: str, timezone: ZoneInfo, catalog: Catalog | None) -> None:
        self.locale = locale
        self.timezone = timezone
        self.catalog = catalog
        self.rtl = is_rtl(locale)
        self._translations = translations(locale)
        self._languages = Locale.parse(locale).languages

    def _(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self._translations.ngettext(singular, plural, count)

    def isolate(self, text: str) -> str:
        """A signed number or a link kept left to right inside right-to-left text."""
        return f"{LRI}{text}{PDI}" if self.rtl else text

    def count(self, value: int | float | None) -> str:
        return MISSING if value is None else format_decimal(value, locale=self.locale)

    def decimal(self, value: float | None) -> str:
        return MISSING if value is None else format_decimal(value, "#,##0.0", locale=self.locale)

    def share(self, value: float | None) -> str:
        return MISSING if value is None else format_percent(value, locale=self.locale)

    def duration(self, seconds: float | None) -> str:
        if seconds is None:
            return MISSING
        hours = seconds / HOUR
        if abs(hours) < DAYS_FROM_HOURS:
            return self._unit(hours, "duration-hour")
        return self._unit(hours / 24, "duration-day")

    def _unit(self, value: float, unit: str, pattern: str = "#,##0.0") -> str:
        return format_unit(value, unit, length="short", format=pattern, locale=self.locale)

    def change(self, current: Any, previous: Any, kind: str) -> str:
        """An arrow and the signed difference against the previous week ("=" when none)."""
        if current is None or previous is None:
            return MISSING
        difference = float(current) - float(previous)
        if abs(difference) < 1e-9:
            return SAME
        arrow = UP if difference > 0 else DOWN
        signed = "+#,##0.0;-#,##0.0"
        if kind == "count":
            text = format_decimal(difference, "+#,##0;-#,##0", locale=self.locale)
        elif kind == "duration":
            text = self._unit(difference / HOUR, "duration-hour", signed)
        elif kind == "share":
            points = format_decimal(difference * 100, "+#,##0;-#,##0", locale=self.locale)
            text = self._(POINTS).format(points=points)
        else:
            text = format_decimal(difference, signed, locale=self.locale)
        return f"{arrow} {self.isolate(text)}"

    def moment(self, value: str | dt.datetime | None) -> str:
        """A UTC instant (ISO text or datetime) as a short local date and time."""
        if value is None:
            return MISSING
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return format_datetime(moment.astimezone(self.timezone), "short", locale=self.locale)

    def days(self, first: dt.date, last: dt.date) -> str:
        return format_interval(first, last, "yMMMd", locale=self.locale)

    def weekday(self, day: str | dt.date) -> str:
        """A day of the week with its date ("Mon, Oct 19")."""
        date = dt.date.fromisoformat(day) if isinstance(day, str) else day
        return format_skeleton("MMMEd", dt.datetime.combine(date, dt.time()), locale=self.locale)

    def language(self, code: str, *, in_sentence: bool = False) -> str:
        """A resident language's name in the manager's language (its own name, or the code,
        when Babel does not know it)."""
        name = self._languages.get(code)
        if not name:
            try:
                name = language_name(code)
            except (UnknownLocaleError, ValueError):  # not a language Babel knows
                name = code or "?"
        return name if in_sentence else name[:1].upper() + name[1:]

    def district(self, code: str) -> str:
        return code if code else self._(UNKNOWN_DISTRICT)

    def intent(self, code: str) -> str:
        intent = self.catalog.get(code) if self.catalog is not None else None
        return intent.name(self.locale) if intent is not None else code

    def partner(self, row: Mapping[str, Any]) -> str:
        return str(row.get("label") or "") or f"#{row.get('key', '')}"
