"""Scheduled ticket jobs: plain async functions, run by the worker inside one transaction."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import SystemActor
from core.db import utcnow
from core.notifications.service import notify_residents
from core.notifications.templates import Template
from core.tickets.models import Rating, Ticket
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


async def remind_to_rate(
    session: AsyncSession, *, after: dt.timedelta, now: dt.datetime | None = None
) -> int:
    """Ask "was it fixed?" once more of reporters who have not answered `after` resolution."""
    now = now or utcnow()
    answered = sa.exists().where(
        Rating.ticket_id == Ticket.id, Rating.created_at >= Ticket.resolved_at
    )
    statement = (
        sa.select(Ticket)
        .where(
            Ticket.status == TicketStatus.RESOLVED,
            Ticket.resolved_at <= now - after,
            Ticket.rating_reminded_at.is_(None),
            Ticket.resident_id.is_not(None),
            ~answered,
        )
        .order_by(Ticket.resolved_at)
        .limit(CLOSE_BATCH_SIZE)
        .with_for_update(skip_locked=True)
    )
    tickets = list((await session.execute(statement)).scalars())
    for ticket in tickets:
        ticket.rating_reminded_at = now
        assert ticket.resident_id is not None
        await notify_residents(
            session,
            [ticket.resident_id],
            Template.RATING_REMINDER,
            {"reference": ticket.reference, "intent": ticket.intent_code},
            ticket_id=ticket.id,
        )
    if tickets:
        logger.info("asked %d resident(s) again whether it was fixed", len(tickets))
    return len(tickets)
