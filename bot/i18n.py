"""Everything the bot says, in the resident's language, laid out right for right-to-left scripts.

`Texts` gives handlers `_` and `ngettext` bound to one locale, plus formatters. In Arabic, a
reference such as 7KQ-M4X2 or a phone number inside a sentence would be reordered by the bidi
algorithm, so such values are isolated (LRI ... PDI) and every message starts with a
right-to-left mark, so that Telegram lays it out right to left whatever comes first.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from core.i18n import is_rtl, translations
from core.intents.catalog import Catalog
from core.tickets.labels import STATUS_TEXT
from core.tickets.status import TicketStatus

RLM = "\u200f"
LRI, PDI = "\u2066", "\u2069"
WORKING_HOURS_PER_DAY = 8


class Texts:
    def __init__(self, locale: str, timezone: ZoneInfo, catalog: Catalog) -> None:
        self.locale = locale
        self.timezone = timezone
        self.catalog = catalog
        self.rtl = is_rtl(locale)
        self._translations = translations(locale)

    def _(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self._translations.ngettext(singular, plural, count)

    def isolate(self, value: object) -> str:
        """A left-to-right value (reference, number, phone) that must not be reordered."""
        text = str(value)
        return f"{LRI}{text}{PDI}" if self.rtl else text

    def finish(self, text: str) -> str:
        """The last step before sending: right-to-left messages open with a RLM."""
        return f"{RLM}{text}" if self.rtl and not text.startswith(RLM) else text

    def escape(self, text: str | None) -> str:
        """Anything a resident or caseworker wrote, made safe for Telegram's HTML mode."""
        return html.escape(text or "", quote=False)

    def status(self, status: TicketStatus) -> str:
        return self._(STATUS_TEXT[status])

    def intent_name(self, code: str) -> str:
        intent = self.catalog.get(code)
        return intent.name(self.locale) if intent else self._("message to city staff")

    def date(self, moment: dt.datetime) -> str:
        return format_date(moment.astimezone(self.timezone), format="medium", locale=self.locale)

    def datetime(self, moment: dt.datetime) -> str:
        return format_datetime(moment.astimezone(self.timezone), format="short", locale=self.locale)

    def expected_response(self, hours: float) -> str:
        """ "usually within 2 working days", from an intent's first-response target."""
        if hours < WORKING_HOURS_PER_DAY:
            count = max(1, math.ceil(hours))
            return self.ngettext(
                "We usually answer within {count} working hour.",
                "We usually answer within {count} working hours.",
                count,
            ).format(count=self.isolate(count))
        days = math.ceil(hours / WORKING_HOURS_PER_DAY)
        return self.ngettext(
            "We usually answer within {count} working day.",
            "We usually answer within {count} working days.",
            days,
        ).format(count=self.isolate(days))
