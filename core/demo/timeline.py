"""Spreading a freshly played demo ticket's history over the past, consistently.

The services stamp everything "now"; this moves the ticket, its events, messages and ratings to
plausible times between `created` and `now`, and re-derives the ticket's timestamps and due
times from them, as if it had all happened then.
"""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.desk import DeskContext
from core.tickets.models import EventKind, Message, Rating, Ticket, TicketEvent

RESPONDING_EVENTS = (
    EventKind.STATUS_CHANGED,
    EventKind.INFO_REQUESTED,
    EventKind.DUPLICATE_MARKED,
    EventKind.MESSAGE,
)
LATEST_GAP = dt.timedelta(minutes=5)


def _event_times(
    count: int, created: dt.datetime, now: dt.datetime, rng: random.Random
) -> list[dt.datetime]:
    gaps = [rng.lognormvariate(2.5, 1.0) for _ in range(count - 1)]  # hours, long-tailed
    span = max((now - LATEST_GAP - created).total_seconds() / 3600, 0.0)
    scale = min(1.0, span / sum(gaps)) if gaps and sum(gaps) else 1.0
    times, moment = [created], created
    for gap in gaps:
        moment += dt.timedelta(hours=gap * scale)
        times.append(moment)
    return times


async def backdate_ticket(
    session: AsyncSession,
    ticket: Ticket,
    created: dt.datetime,
    now: dt.datetime,
    context: DeskContext,
    rng: random.Random,
) -> None:
    await session.flush()
    events = list(
        (
            await session.execute(
                sa.select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket.id)
                .order_by(TicketEvent.id)
            )
        ).scalars()
    )
    times = _event_times(len(events), created, now, rng)
    ticket.created_at = created
    ticket.first_response_at = ticket.resolved_at = ticket.closed_at = None
    for event, moment in zip(events, times, strict=True):
        event.created_at = moment
        after = event.after or {}
        staff_acted = event.actor_staff_id is not None or event.actor_type.value == "system"
        if (
            event.kind in RESPONDING_EVENTS
            and staff_acted
            and ticket.first_response_at is None
            and event.kind is not EventKind.CREATED
            and after.get("direction") != "inbound"
        ):
            ticket.first_response_at = moment
        status = after.get("status")
        if status == "resolved":
            ticket.resolved_at = moment
        elif status in ("closed", "rejected", "duplicate"):
            ticket.closed_at = moment
            ticket.resolved_at = ticket.resolved_at or (moment if status == "closed" else None)
        elif status == "reopened":
            ticket.resolved_at = ticket.closed_at = None
        message_id = after.get("message_id")
        if message_id is not None:
            await session.execute(
                sa.update(Message).where(Message.id == message_id).values(created_at=moment)
            )
        if event.kind is EventKind.RATING:
            await session.execute(
                sa.update(Rating).where(Rating.ticket_id == ticket.id).values(created_at=moment)
            )
    ticket.updated_at = times[-1]
    targets = context.targets_for(context.catalog.get(ticket.intent_code))
    ticket.first_response_due_at = context.calendar.add_working_hours(
        created, targets.first_response_hours
    )
    ticket.resolution_due_at = context.calendar.add_working_hours(created, targets.resolution_hours)
    await session.flush()
