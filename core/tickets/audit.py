"""Writing the audit trail. Every ticket mutation calls `record` exactly once."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Actor, ResidentActor, StaffActor
from core.db import utcnow
from core.tickets.models import ActorType, EventKind, Ticket, TicketEvent, Visibility


def actor_columns(actor: Actor) -> tuple[ActorType, int | None, int | None]:
    """(actor type, staff id, resident id)"""
    if isinstance(actor, StaffActor):
        return ActorType.STAFF, actor.staff_id, None
    if isinstance(actor, ResidentActor):
        return ActorType.RESIDENT, None, actor.resident_id
    return ActorType.SYSTEM, None, None


async def record(
    session: AsyncSession,
    ticket: Ticket,
    kind: EventKind,
    actor: Actor,
    *,
    visibility: Visibility,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    text: str | None = None,
) -> TicketEvent:
    actor_type, staff_id, resident_id = actor_columns(actor)
    now = utcnow()
    ticket.updated_at = now
    event = TicketEvent(
        ticket_id=ticket.id,
        kind=kind,
        actor_type=actor_type,
        actor_staff_id=staff_id,
        actor_resident_id=resident_id,
        before=before,
        after=after,
        text=text,
        visibility=visibility,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    return event
