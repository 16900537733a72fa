"""What may be shown to the public (Open311, the public dashboard, open data downloads).

One rule for every public door: sensitive services (housing, legal aid, mental health, elderly
care, ... marked `sensitive: true` in the catalog) and tickets marked private never appear;
locations are coarsened, and withheld altogether for a request whose district and service had
fewer than `MIN_CELL` public requests in the last 90 days (a rare service in a small area could
point at one household; the same rule at every door, so that no door gives back what another
withholds); e-mail addresses, phone numbers and the reporter's own name are removed from text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.intents.catalog import Catalog, IntentKind
from core.publicdata.cells import MIN_CELL
from core.tickets.models import Ticket

# Three decimals of a degree: about 110 m north-south, enough to find a pothole, not a door.
COORDINATE_DECIMALS = 3
REMOVED = "[…]"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A run of at least 7 digits, allowing the separators people type (+49 (0)30 123-45 67).
PHONE = re.compile(r"(?<!\w)\+?\d(?:[\s().\-/]*\d){6,}(?!\w)")
LOCATION_WINDOW = dt.timedelta(days=90)  # how far back a district x service cell is counted
PUBLIC_KINDS = frozenset({IntentKind.REQUEST, IntentKind.INFORMATION, IntentKind.FEEDBACK})


def public_intent_codes(catalog: Catalog) -> frozenset[str]:
    """The services the public may see: every non-sensitive request, information or feedback
    service (emergencies and the rest are not services one files through open data)."""
    return frozenset(
        intent.code
        for intent in catalog.intents.values()
        if not intent.sensitive and intent.kind in PUBLIC_KINDS
    )


def public_tickets(catalog: Catalog) -> sa.ColumnElement[bool]:
    """The WHERE clause every public query starts from."""
    return sa.and_(
        Ticket.intent_code.in_(sorted(public_intent_codes(catalog))),
        Ticket.is_private.is_(False),
    )


async def locatable_cells(
    session: AsyncSession, catalog: Catalog, now: dt.datetime
) -> frozenset[tuple[str | None, str]]:
    """The (district, service) pairs with at least MIN_CELL public requests in the last 90
    days: only requests in these may show where they are."""
    statement = (
        sa.select(Ticket.district, Ticket.intent_code)
        .where(public_tickets(catalog), Ticket.created_at >= now - LOCATION_WINDOW)
        .group_by(Ticket.district, Ticket.intent_code)
        .having(sa.func.count() >= MIN_CELL)
    )
    return frozenset((row[0], row[1]) for row in await session.execute(statement))


def coarsen(coordinate: float | None) -> float | None:
    return None if coordinate is None else round(coordinate, COORDINATE_DECIMALS)


def scrub(text: str | None, names: Iterable[str | None] = ()) -> str | None:
    """The text without e-mail addresses, phone numbers or the given personal names."""
    if text is None:
        return None
    cleaned = EMAIL.sub(REMOVED, text)
    cleaned = PHONE.sub(REMOVED, cleaned)
    for name in names:
        for part in (name or "").split():
            if len(part) >= 3:  # initials and particles would take common words with them
                cleaned = re.sub(rf"(?i)\b{re.escape(part)}\b", REMOVED, cleaned)
    return cleaned
