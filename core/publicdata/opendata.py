"""Open data downloads: one row per public request (CSV or JSON), and the schema describing them.

The fields follow Open311 GeoReport v2 names where one exists, so that tools reading one read the
other. No description, address, photo or anything about the resident is published. Rows come
from `privacy.public_tickets` (the same exclusions as Open311), coordinates are coarsened, and a
request in a district x service cell with fewer than `MIN_CELL` requests in the last 90 days has
its district and coordinates withheld (`privacy.locatable_cells`, the same rule as Open311's).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.i18n import gettext
from core.intents.catalog import Catalog
from core.partners.models import Partner
from core.publicdata.cells import MIN_CELL
from core.publicdata.privacy import (
    COORDINATE_DECIMALS,
    coarsen,
    locatable_cells,
    public_tickets,
)
from core.tickets.models import Ticket
from core.tickets.status import TicketStatus

DEFAULT_PERIOD = dt.timedelta(days=90)
PAGE_SIZE = 1000
MAX_PAGE = 1_000_000  # far beyond any real history; only keeps the offset a sane number


def _noop(message: str) -> str:
    """Marks a string for extraction; translated in the visitor's language when shown."""
    return message


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    description: str


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("service_request_id", "string", _noop("The request's public reference number.")),
    FieldSpec("service_code", "string", _noop("The service the request is about (its code).")),
    FieldSpec("service_name", "string", _noop("The service's name, in English.")),
    FieldSpec("status", "string", _noop("open or closed.")),
    FieldSpec(
        "requested_datetime",
        "datetime",
        _noop("When the request was made (ISO 8601 with the city's UTC offset)."),
    ),
    FieldSpec("updated_datetime", "datetime", _noop("When the request last changed.")),
    FieldSpec(
        "district",
        "string",
        _noop("The district's code; empty when outside every district or withheld."),
    ),
    FieldSpec(
        "lat",
        "number",
        _noop("Latitude rounded to 3 decimals (about 100 m); empty when unknown or withheld."),
    ),
    FieldSpec(
        "long",
        "number",
        _noop("Longitude rounded to 3 decimals; empty when unknown or withheld."),
    ),
    FieldSpec(
        "agency_responsible",
        "string",
        _noop("The city department or nonprofit partner handling the request."),
    ),
)
FIELD_NAMES = tuple(spec.name for spec in FIELDS)
SUPPRESSION_RULE = _noop(
    "Requests in sensitive services (such as housing, legal aid or health) and private requests "
    "are never published. Counts below {limit} in a breakdown are shown as “<{limit}”; in the "
    "downloads, a request whose district and service together have fewer than {limit} requests "
    "in the last 90 days has its district and coordinates left empty, here and in Open311."
)


class BadParameter(ValueError):
    """A query parameter the downloads cannot use (answered with 400, never 500)."""


def parse_since(text: str | None, now: dt.datetime, timezone: ZoneInfo) -> dt.datetime:
    """`since` as a UTC instant: a date or a date and time (without an offset: the city's
    clock); missing or empty means the last 90 days."""
    if text is None or not text.strip():
        return now - DEFAULT_PERIOD
    try:
        value = dt.datetime.fromisoformat(text.strip())
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone)
        value = value.astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:
        raise BadParameter("since must be a date or date-time such as 2026-11-01") from exc
    if value > now:
        raise BadParameter("since must not be in the future")
    return value


def parse_page(text: str | None) -> int:
    if text is None or not text.strip():
        return 1
    if not text.strip().isdecimal() or not 1 <= int(text) <= MAX_PAGE:
        raise BadParameter(f"page must be a whole number from 1 to {MAX_PAGE}")
    return int(text)


@dataclass(frozen=True)
class DownloadPage:
    rows: list[dict[str, Any]]
    since: dt.datetime
    page: int
    has_next: bool


async def requests_page(
    session: AsyncSession,
    catalog: Catalog,
    timezone: ZoneInfo,
    since: dt.datetime,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> DownloadPage:
    """One page of public requests created since `since`, oldest first."""
    public = public_tickets(catalog)
    locatable = await locatable_cells(session, catalog, utcnow())
    statement = (
        sa.select(
            Ticket.reference,
            Ticket.intent_code,
            Ticket.status,
            Ticket.created_at,
            Ticket.updated_at,
            Ticket.district,
            Ticket.latitude,
            Ticket.longitude,
            Partner.name,
        )
        .join(Partner, Partner.id == Ticket.partner_id)
        .where(public, Ticket.created_at >= since)
        .order_by(Ticket.created_at, Ticket.id)
        .offset((page - 1) * page_size)
        .limit(page_size + 1)  # one more tells whether there is a next page
    )
    found = (await session.execute(statement)).all()
    rows = []
    for row in found[:page_size]:
        intent = catalog.get(row.intent_code)
        withheld = (row.district, row.intent_code) not in locatable
        rows.append(
            {
                "service_request_id": row.reference,
                "service_code": row.intent_code,
                "service_name": intent.name("en") if intent else row.intent_code,
                "status": "open" if TicketStatus(row.status).is_open else "closed",
                "requested_datetime": _w3c(row.created_at, timezone),
                "updated_datetime": _w3c(row.updated_at, timezone),
                "district": None if withheld else row.district,
                "lat": None if withheld else coarsen(row.latitude),
                "long": None if withheld else coarsen(row.longitude),
                "agency_responsible": row.name,
            }
        )
    return DownloadPage(rows, since, page, has_next=len(found) > page_size)


def _w3c(moment: dt.datetime | None, timezone: ZoneInfo) -> str | None:
    return moment.astimezone(timezone).isoformat(timespec="seconds") if moment else None


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """RFC 4180 CSV with a header line; empty cells for missing values."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELD_NAMES, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def licence(name: str, url: str, city: str) -> dict[str, str]:
    return {"name": name, "url": url, "attribution": city}


def schema_document(locale: str, licence_terms: dict[str, str]) -> dict[str, Any]:
    """The downloads' documentation as data: fields, licence, privacy rules."""
    return {
        "fields": [
            {"name": spec.name, "type": spec.type, "description": gettext(locale, spec.description)}
            for spec in FIELDS
        ],
        "licence": licence_terms,
        "default_period_days": DEFAULT_PERIOD.days,
        "page_size": PAGE_SIZE,
        "coordinate_decimals": COORDINATE_DECIMALS,
        "minimum_cell": MIN_CELL,
        "privacy": gettext(locale, SUPPRESSION_RULE).format(limit=MIN_CELL),
    }
