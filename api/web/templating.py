"""Jinja2 pages in the staff member's language (autoescaped; right-to-left for Arabic)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import DateTimePattern, format_timedelta, parse_pattern
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from core.i18n import SUPPORTED_LOCALES, is_rtl, language_name, template_environment, translations
from core.intents.catalog import Catalog
from core.tickets.inbox import InboxPage
from core.tickets.labels import STATUS_TEXT
from core.tickets.models import Priority
from core.tickets.status import TicketStatus

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@functools.cache
def environment(locale: str) -> Environment:
    return template_environment(TEMPLATES, locale)


@functools.cache
def babel_locale(locale: str) -> Locale:
    return Locale.parse(locale)


@functools.cache
def short_pattern(locale: str) -> DateTimePattern:
    """The locale's short date-and-time pattern, parsed once (Babel parses it on every call)."""
    data = babel_locale(locale)
    date, time = str(data.date_formats["short"]), str(data.time_formats["short"])
    joined = str(data.datetime_formats["short"]).replace("{1}", date).replace("{0}", time)
    return parse_pattern(joined)


class Formatter:
    """Dates, durations, statuses and service names for one locale and timezone."""

    def __init__(self, locale: str, timezone: ZoneInfo, catalog: Catalog) -> None:
        self.locale, self.timezone, self.catalog = locale, timezone, catalog
        self._ = translations(locale).gettext
        self._babel_locale = babel_locale(locale)
        self._short = short_pattern(locale)

    def datetime(self, moment: dt.datetime | None) -> str:
        if moment is None:
            return "–"
        return self._short.apply(moment.astimezone(self.timezone), self._babel_locale)

    def iso(self, moment: dt.datetime | None) -> str:
        return moment.astimezone(self.timezone).isoformat(timespec="minutes") if moment else ""

    def relative(self, moment: dt.datetime | None, now: dt.datetime) -> str:
        if moment is None:
            return "–"
        return format_timedelta(
            moment - now, add_direction=True, locale=self._babel_locale, threshold=1.1
        )

    def status(self, status: TicketStatus | str) -> str:
        return self._(STATUS_TEXT[TicketStatus(status)])

    def intent(self, code: str) -> str:
        intent = self.catalog.get(code)
        return intent.name(self.locale) if intent else self._("message to city staff")

    def language(self, code: str) -> str:
        return language_name(code) if code in SUPPORTED_LOCALES else code

    def inbox_rows(self, page: InboxPage) -> list[RowView]:
        """The page's rows as display strings, so the template only places them.

        An inbox page is fifty rows of the same few services, statuses and languages; looking
        each up once instead of calling into the template per cell halves the page's cost.
        """
        intents: dict[str, str] = {}
        statuses: dict[TicketStatus, str] = {}
        views = []
        for row in page.rows:
            ticket = row.ticket
            code = ticket.intent_code
            if code not in intents:
                intents[code] = self.intent(code)
            if ticket.status not in statuses:
                statuses[ticket.status] = self.status(ticket.status)
            views.append(
                RowView(
                    ticket_id=ticket.id,
                    reference=ticket.reference,
                    service=intents[code],
                    urgent=ticket.priority is Priority.URGENT,
                    status=statuses[ticket.status],
                    language_code=ticket.language,
                    language=self.language(ticket.language),
                    district=ticket.district or "–",
                    due_iso=self.iso(ticket.resolution_due_at),
                    due=self.datetime(ticket.resolution_due_at),
                    unread=row.unread,
                    overdue=row.overdue,
                    due_soon=row.due_soon,
                )
            )
        return views


@dataclass(frozen=True, slots=True)
class RowView:
    ticket_id: int
    reference: str
    service: str
    urgent: bool
    status: str
    language_code: str
    language: str
    district: str
    due_iso: str
    due: str
    unread: bool
    overdue: bool
    due_soon: bool


def render(
    request: Request, template: str, context: dict[str, Any], *, locale: str, status_code: int = 200
) -> HTMLResponse:
    state = request.app.state.civicdesk
    settings = state.settings
    page = {
        "request": request,
        "locale": locale,
        "dir": "rtl" if is_rtl(locale) else "ltr",
        "fmt": Formatter(locale, settings.tz, state.services.context.catalog),
        "languages": [(code, language_name(code)) for code in SUPPORTED_LOCALES],
        "city": settings.city_name,
        **context,
    }
    html = environment(locale).get_template(template).render(page)
    return HTMLResponse(html, status_code=status_code)
