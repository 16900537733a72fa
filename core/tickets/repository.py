"""Every SELECT on tickets, with the actor's visibility applied once, here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Actor, ResidentActor, StaffActor, SystemActor
from core.db import is_postgres
from core.tickets.models import Message, Ticket, TicketEvent, TicketFollower
from core.tickets.status import OPEN_STATUSES, TicketStatus


def visibility_clause(actor: Actor) -> sa.ColumnElement[bool]:
    """The tickets this actor may see, as a WHERE clause."""
    if isinstance(actor, SystemActor):
        return sa.true()
    if isinstance(actor, ResidentActor):
        followed = sa.select(TicketFollower.ticket_id).where(
            TicketFollower.resident_id == actor.resident_id
        )
        return sa.or_(Ticket.resident_id == actor.resident_id, Ticket.id.in_(followed))
    if isinstance(actor, StaffActor):
        if actor.sees_all_partners:
            return sa.true()
        if actor.partner_id is None:  # a caseworker without partner sees nothing
            return sa.false()
        return Ticket.partner_id == actor.partner_id
    raise TypeError(f"unknown actor {actor!r}")


class TicketRepository:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    def _select(self) -> sa.Select[Ticket]:
        return sa.select(Ticket).where(visibility_clause(self.actor))

    async def get(self, ticket_id: int, *, for_update: bool = False) -> Ticket | None:
        statement = self._select().where(Ticket.id == ticket_id)
        if for_update and is_postgres(self.session):
            # Serialises concurrent changes to one ticket (two caseworkers, a worker job).
            statement = statement.with_for_update(of=Ticket)
        result = await self.session.execute(statement)
        return result.scalar_one_or_none()

    async def get_by_reference(self, reference: str, *, for_update: bool = False) -> Ticket | None:
        statement = self._select().where(Ticket.reference == reference)
        if for_update and is_postgres(self.session):
            statement = statement.with_for_update(of=Ticket)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def find(
        self,
        *,
        statuses: Sequence[TicketStatus] | None = None,
        partner_id: int | None = None,
        intent_code: str | None = None,
        resident_id: int | None = None,
        limit: int = 50,
        newest_first: bool = True,
    ) -> list[Ticket]:
        statement = self._filtered(self._select(), statuses, partner_id, intent_code, resident_id)
        order = (
            (Ticket.created_at.desc(), Ticket.id.desc())
            if newest_first
            else (Ticket.created_at, Ticket.id)
        )
        result = await self.session.execute(statement.order_by(*order).limit(limit))
        return list(result.scalars())

    async def count(
        self,
        *,
        statuses: Sequence[TicketStatus] | None = None,
        partner_id: int | None = None,
        intent_code: str | None = None,
        resident_id: int | None = None,
    ) -> int:
        base = sa.select(sa.func.count()).select_from(Ticket).where(visibility_clause(self.actor))
        statement = self._filtered(base, statuses, partner_id, intent_code, resident_id)
        return int((await self.session.execute(statement)).scalar_one())

    @staticmethod
    def _filtered(
        statement: sa.Select[Any],
        statuses: Sequence[TicketStatus] | None,
        partner_id: int | None,
        intent_code: str | None,
        resident_id: int | None,
    ) -> sa.Select[Any]:
        if statuses is not None:
            statement = statement.where(Ticket.status.in_(list(statuses)))
        if partner_id is not None:
            statement = statement.where(Ticket.partner_id == partner_id)
        if intent_code is not None:
            statement = statement.where(Ticket.intent_code == intent_code)
        if resident_id is not None:
            statement = statement.where(Ticket.resident_id == resident_id)
        return statement

    async def open_tickets_of_intent(self, intent_code: str) -> list[Ticket]:
        statement = self._select().where(
            Ticket.intent_code == intent_code, Ticket.status.in_(list(OPEN_STATUSES))
        )
        return list((await self.session.execute(statement)).scalars())

    async def events(self, ticket_id: int) -> list[TicketEvent]:
        """The audit trail, oldest first; empty for a ticket the actor may not see."""
        statement = (
            sa.select(TicketEvent)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(TicketEvent.ticket_id == ticket_id, visibility_clause(self.actor))
            .order_by(TicketEvent.id)
        )
        return list((await self.session.execute(statement)).scalars())

    async def messages(self, ticket_id: int) -> list[Message]:
        """The conversation, oldest first; empty for a ticket the actor may not see."""
        statement = (
            sa.select(Message)
            .join(Ticket, Ticket.id == Message.ticket_id)
            .where(Message.ticket_id == ticket_id, visibility_clause(self.actor))
            .order_by(Message.id)
        )
        return list((await self.session.execute(statement)).scalars())

    async def reference_exists(self, reference: str) -> bool:
        """Unscoped on purpose: references are unique across every partner."""
        statement = sa.select(sa.exists().where(Ticket.reference == reference))
        return bool((await self.session.execute(statement)).scalar())

    async def follower_ids(self, ticket: Ticket) -> list[int]:
        statement = sa.select(TicketFollower.resident_id).where(
            TicketFollower.ticket_id == ticket.id
        )
        return list((await self.session.execute(statement)).scalars())
