import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.services import Services
from core.tickets.jobs import close_resolved_tickets
from core.tickets.status import TicketStatus
from tests.factories import SYSTEM, create_city, open_ticket


async def test_resolved_tickets_close_after_the_quiet_period(
    session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    old, recent, still_open = [await open_ticket(session, services) for _ in range(3)]
    for ticket in (old, recent):
        await services.tickets.change_status(session, SYSTEM, ticket.id, TicketStatus.RESOLVED)
    old.resolved_at = utcnow() - dt.timedelta(days=8)
    await session.flush()
    closed = await close_resolved_tickets(session, services.tickets, after=dt.timedelta(days=7))
    assert closed == 1
    assert old.status is TicketStatus.CLOSED and old.closed_at is not None
    assert recent.status is TicketStatus.RESOLVED and still_open.status is TicketStatus.NEW
    assert await close_resolved_tickets(session, services.tickets, after=dt.timedelta(days=7)) == 0
