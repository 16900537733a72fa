"""A resident's rights over their data: a full export, and erasure that keeps anonymous figures."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import ResidentActor, SystemActor
from core.db import utcnow
from core.errors import NotFound
from core.intents.models import LearnedExample
from core.notifications.service import cancel_pending_for_resident
from core.residents.models import Resident
from core.tickets import audit
from core.tickets.models import (
    Direction,
    EventKind,
    Message,
    Rating,
    Ticket,
    TicketEvent,
    TicketFollower,
    Visibility,
)
from core.tickets.repository import TicketRepository

ERASED = None  # erased free text becomes NULL: nothing to mistake for the original


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def export_resident(session: AsyncSession, resident_id: int) -> dict[str, Any]:
    """Everything held about a resident, as JSON-ready data."""
    resident = await session.get(Resident, resident_id)
    if resident is None or resident.forgotten_at is not None:
        raise NotFound("resident not found", resident_id=resident_id)
    actor = ResidentActor(resident_id)
    repository = TicketRepository(session, actor)
    tickets = await repository.find(resident_id=resident_id, limit=10_000, newest_first=False)
    exported = []
    for ticket in tickets:
        # Their own words and what staff wrote to them; nobody else's.
        messages = [
            m
            for m in await repository.messages(ticket.id)
            if m.direction is Direction.OUTBOUND or m.resident_id == resident_id
        ]
        events = [
            event
            for event in await repository.events(ticket.id)
            if event.visibility is Visibility.PUBLIC
        ]
        ratings = (
            await session.execute(
                sa.select(Rating).where(
                    Rating.ticket_id == ticket.id, Rating.resident_id == resident_id
                )
            )
        ).scalars()
        exported.append(
            {
                "reference": ticket.reference,
                "service": ticket.intent_code,
                "status": ticket.status.value,
                "language": ticket.language,
                "description": ticket.description,
                "answers": ticket.answers,
                "latitude": ticket.latitude,
                "longitude": ticket.longitude,
                "address": ticket.address,
                "district": ticket.district,
                "attachments": ticket.attachments,
                "created_at": _iso(ticket.created_at),
                "updated_at": _iso(ticket.updated_at),
                "resolved_at": _iso(ticket.resolved_at),
                "closed_at": _iso(ticket.closed_at),
                "messages": [
                    {
                        "direction": m.direction.value,
                        "text": m.text,
                        "created_at": _iso(m.created_at),
                    }
                    for m in messages
                ],
                "history": [
                    {
                        "kind": e.kind.value,
                        "before": e.before,
                        "after": e.after,
                        "text": e.text if e.actor_resident_id in (None, resident_id) else None,
                        "at": _iso(e.created_at),
                    }
                    for e in events
                ],
                "ratings": [
                    {
                        "answer": r.answer.value,
                        "score": r.score,
                        "comment": r.comment,
                        "created_at": _iso(r.created_at),
                    }
                    for r in ratings
                ],
            }
        )
    followed = (
        await session.execute(
            sa.select(Ticket.reference)
            .join(TicketFollower, TicketFollower.ticket_id == Ticket.id)
            .where(TicketFollower.resident_id == resident_id)
        )
    ).scalars()
    return {
        "resident": {
            "telegram_user_id": resident.telegram_user_id,
            "telegram_chat_id": resident.telegram_chat_id,
            "display_name": resident.display_name,
            "language": resident.locale,
            "consent_given_at": _iso(resident.consent_at),
            "reachable": resident.reachable,
            "first_contact_at": _iso(resident.created_at),
            "last_seen_at": _iso(resident.last_seen_at),
        },
        "tickets": exported,
        "following": sorted(followed),
    }


async def forget_resident(session: AsyncSession, resident_id: int) -> int:
    """Erase a resident's personal data; return how many tickets were anonymised.

    Kept for the figures: service, partner, status, language, district, timestamps, ratings'
    answers and scores. Erased: name, Telegram ids, everything they wrote, attachments, the
    exact location and address. Their pending notifications are cancelled.
    """
    resident = await session.get(Resident, resident_id)
    if resident is None:
        raise NotFound("resident not found", resident_id=resident_id)
    if resident.forgotten_at is not None:
        return 0
    tickets = list(
        (
            await session.execute(
                sa.select(Ticket).where(Ticket.resident_id == resident_id).order_by(Ticket.id)
            )
        ).scalars()
    )
    ticket_ids = [ticket.id for ticket in tickets]
    actor = SystemActor("erasure")
    for ticket in tickets:
        ticket.description = ERASED
        ticket.answers = {}
        ticket.attachments = []
        ticket.address = ERASED
        ticket.latitude = ticket.longitude = None
        await audit.record(session, ticket, EventKind.ERASED, actor, visibility=Visibility.INTERNAL)
    # Everything they wrote, on their own tickets and anywhere else.
    await session.execute(
        sa.update(Message)
        .where(
            sa.or_(
                Message.resident_id == resident_id,
                sa.and_(Message.ticket_id.in_(ticket_ids), Message.direction == Direction.INBOUND),
            )
        )
        .values(text=ERASED, translation="")  # "": nothing left to translate
    )
    await session.execute(
        sa.update(TicketEvent)
        .where(
            sa.or_(
                TicketEvent.actor_resident_id == resident_id,
                sa.and_(
                    TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.actor_type == "resident"
                ),
            )
        )
        .values(text=ERASED)
    )
    await session.execute(
        sa.update(Rating).where(Rating.resident_id == resident_id).values(comment=ERASED)
    )
    await session.execute(
        sa.delete(TicketFollower).where(TicketFollower.resident_id == resident_id)
    )
    # The matcher learned from their words: those go too.
    await session.execute(
        sa.delete(LearnedExample).where(LearnedExample.resident_id == resident_id)
    )
    await cancel_pending_for_resident(session, resident_id, "resident asked to be forgotten")
    resident.display_name = None
    resident.telegram_user_id = None
    resident.telegram_chat_id = None
    resident.consent_at = None
    resident.reachable = False
    resident.unreachable_reason = "forgotten"
    resident.forgotten_at = utcnow()
    await session.flush()
    return len(tickets)
