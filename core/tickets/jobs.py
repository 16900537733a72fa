"""Scheduled ticket jobs: plain async functions, run by the worker inside one transaction."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import SystemActor
from core.db import utcnow
from core.tickets.models import Ticket
from core.tickets.service import TicketService
from core.tickets.status import TicketStatus

logger = logging.getLogger(__name__)
CLOSE_BATCH_SIZE = 500
AUTO_CLOSE_ACTOR = SystemActor("auto-close")


async def close_resolved_tickets(
    session: AsyncSession,
    tickets: TicketService,
    *,
    after: dt.timedelta,
    now: dt.datetime | None = None,
) -> int:
    """Close tickets resolved longer ago than `after` that nobody reopened; returns how many."""
    cutoff = (now or utcnow()) - after
    statement = (
        sa.select(Ticket.id)
        .where(Ticket.status == TicketStatus.RESOLVED, Ticket.resolved_at <= cutoff)
        .order_by(Ticket.resolved_at)
        .limit(CLOSE_BATCH_SIZE)
    )
    ids = list((await session.execute(statement)).scalars())
    for ticket_id in ids:
        await tickets.change_status(session, AUTO_CLOSE_ACTOR, ticket_id, TicketStatus.CLOSED)
    if ids:
        logger.info("closed %d resolved ticket(s)", len(ids))
    return len(ids)
