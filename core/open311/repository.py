"""Every SELECT of the Open311 server: API keys, and tickets as the public may see them.

Each ticket query starts from `public_tickets` (core.publicdata.privacy), so a sensitive
service or a private ticket cannot be listed or fetched by any path through here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.intents.catalog import Catalog
from core.open311.models import Open311Key
from core.partners.models import Partner
from core.publicdata.privacy import locatable_cells, public_tickets
from core.residents.models import Resident
from core.tickets.models import EventKind, Ticket, TicketEvent, Visibility
from core.tickets.status import TicketStatus

# The events whose text is a status reason the resident was told (a rejection, a merge, ...).
STATUS_EVENTS = (EventKind.STATUS_CHANGED, EventKind.DUPLICATE_MARKED)


@dataclass(frozen=True)
class PublicTicket:
    ticket: Ticket
    agency: str
    reporter_name: str | None  # only to scrub it from the description, never shown
    status_notes: str | None = None
    locatable: bool = True  # False: too few such requests nearby to show where it is


@dataclass(frozen=True)
class TicketQuery:
    references: Sequence[str] | None = None
    intent_codes: Sequence[str] | None = None
    statuses: Sequence[TicketStatus] | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    offset: int = 0
    limit: int = 1000


class KeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_hash(self, digest: str) -> Open311Key | None:
        statement = sa.select(Open311Key).where(Open311Key.key_hash == digest)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def all(self) -> list[Open311Key]:
        result = await self.session.execute(sa.select(Open311Key).order_by(Open311Key.id))
        return list(result.scalars())

    async def get(self, key_id: int) -> Open311Key | None:
        return await self.session.get(Open311Key, key_id)


class PublicTicketRepository:
    def __init__(self, session: AsyncSession, catalog: Catalog) -> None:
        self.session = session
        self.catalog = catalog

    def _select(self) -> sa.Select[Ticket, str, str | None]:
        return (
            sa.select(Ticket, Partner.name, Resident.display_name)
            .join(Partner, Partner.id == Ticket.partner_id)
            .outerjoin(Resident, Resident.id == Ticket.resident_id)
            .where(public_tickets(self.catalog))
        )

    async def find(self, query: TicketQuery) -> list[PublicTicket]:
        statement = self._select()
        if query.references is not None:
            statement = statement.where(Ticket.reference.in_(list(query.references)))
        if query.intent_codes is not None:
            statement = statement.where(Ticket.intent_code.in_(list(query.intent_codes)))
        if query.statuses is not None:
            statement = statement.where(Ticket.status.in_(list(query.statuses)))
        if query.start is not None:
            statement = statement.where(Ticket.created_at >= query.start)
        if query.end is not None:
            statement = statement.where(Ticket.created_at <= query.end)
        statement = (
            statement.order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .offset(query.offset)
            .limit(query.limit)
        )
        rows = (await self.session.execute(statement)).all()
        notes = await self._status_notes([ticket.id for ticket, _, _ in rows])
        cells = await locatable_cells(self.session, self.catalog, utcnow()) if rows else set()
        return [
            PublicTicket(
                ticket,
                agency,
                name,
                notes.get(ticket.id),
                locatable=(ticket.district, ticket.intent_code) in cells,
            )
            for ticket, agency, name in rows
        ]

    async def _status_notes(self, ticket_ids: list[int]) -> dict[int, str | None]:
        """The text of each ticket's latest public status change (None when it had none)."""
        if not ticket_ids:
            return {}
        result = await self.session.execute(
            sa.select(TicketEvent.ticket_id, TicketEvent.text)
            .where(
                TicketEvent.ticket_id.in_(ticket_ids),
                TicketEvent.kind.in_(STATUS_EVENTS),
                TicketEvent.visibility == Visibility.PUBLIC,
            )
            .order_by(TicketEvent.ticket_id, TicketEvent.id)
        )
        return {ticket_id: text for ticket_id, text in result.all()}  # the last one wins
