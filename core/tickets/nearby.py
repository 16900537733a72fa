"""Open tickets of the same kind near a point: the "someone already reported this" check."""

from __future__ import annotations

import math

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.tickets.models import Ticket
from core.tickets.status import OPEN_STATUSES

EARTH_RADIUS_M = 6_371_000.0
MAX_SUGGESTIONS = 3


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


async def open_tickets_nearby(
    session: AsyncSession, intent_code: str, latitude: float, longitude: float, radius_m: float
) -> list[tuple[Ticket, float]]:
    """Public open tickets of this intent within `radius_m`, nearest first, with distances.

    Private (sensitive) tickets are never suggested: following one would tell a stranger about
    someone else's situation.
    """
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(latitude)), 1e-6)
    statement = sa.select(Ticket).where(
        Ticket.intent_code == intent_code,
        Ticket.status.in_(list(OPEN_STATUSES)),
        Ticket.is_private.is_(False),
        Ticket.latitude.between(latitude - dlat, latitude + dlat),
        Ticket.longitude.between(longitude - dlon, longitude + dlon),
    )
    found = []
    for ticket in (await session.execute(statement)).scalars():
        assert ticket.latitude is not None
        assert ticket.longitude is not None
        distance = distance_m(latitude, longitude, ticket.latitude, ticket.longitude)
        if distance <= radius_m:
            found.append((ticket, distance))
    found.sort(key=lambda pair: pair[1])
    return found[:MAX_SUGGESTIONS]
