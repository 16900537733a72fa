"""Everything a caseworker sees about one ticket, for the inbox page and the JSON API."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Actor, Capability, StaffActor, can
from core.db import utcnow
from core.errors import NotFound
from core.partners.models import Partner
from core.residents.models import Resident
from core.staff.models import Role, Staff
from core.tickets.models import Direction, Message, Ticket, TicketEvent
from core.tickets.repository import TicketRepository
from core.tickets.status import TicketStatus, allowed_next


@dataclass
class TicketDetails:
    ticket: Ticket
    partner: Partner
    assignee: Staff | None
    resident: Resident | None
    events: list[TicketEvent]
    staff_names: dict[int, str]
    colleagues: list[Staff] = field(default_factory=list)
    next_statuses: list[TicketStatus] = field(default_factory=list)
    can_work: bool = False
    can_reroute: bool = False
    translations: dict[int, str] = field(default_factory=dict)  # message id -> for staff

    @property
    def resident_reachable(self) -> bool:
        return bool(
            self.resident and self.resident.reachable and self.resident.forgotten_at is None
        )


async def ticket_details(session: AsyncSession, actor: Actor, ticket_id: int) -> TicketDetails:
    """A ticket the actor may see, with its audit trail, or NotFound."""
    repository = TicketRepository(session, actor)
    ticket = await repository.get(ticket_id)
    if ticket is None:
        raise NotFound("ticket not found", ticket_id=ticket_id)
    events = await repository.events(ticket.id)
    partner = await session.get(Partner, ticket.partner_id)
    assert partner is not None
    staff_ids = {e.actor_staff_id for e in events if e.actor_staff_id} | (
        {ticket.assignee_id} if ticket.assignee_id else set()
    )
    names = {}
    if staff_ids:
        rows = await session.execute(
            sa.select(Staff.id, Staff.display_name).where(Staff.id.in_(staff_ids))
        )
        names = {row.id: row.display_name for row in rows}
    can_work = can(actor, Capability.WORK_TICKETS)
    colleagues: list[Staff] = []
    if can_work:
        # Who may be assigned: active caseworkers of the ticket's partner, and coordinators.
        statement = (
            sa.select(Staff)
            .where(
                Staff.active.is_(True),
                sa.or_(
                    sa.and_(Staff.partner_id == ticket.partner_id, Staff.role == Role.CASEWORKER),
                    Staff.role.in_([Role.COORDINATOR, Role.ADMIN]),
                ),
            )
            .order_by(Staff.display_name)
        )
        colleagues = list((await session.execute(statement)).scalars())
    translated = await session.execute(
        sa.select(Message.id, Message.translation).where(
            Message.ticket_id == ticket.id, Message.translation.is_not(None)
        )
    )
    translations = {row.id: row.translation for row in translated if row.translation}
    order = list(TicketStatus)
    next_statuses: list[TicketStatus] = []
    if can_work:  # duplicates are marked with their own action, which names the original
        choices = [s for s in allowed_next(ticket.status) if s != TicketStatus.DUPLICATE]
        next_statuses = sorted(choices, key=order.index)
    return TicketDetails(
        ticket=ticket,
        partner=partner,
        assignee=await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None,
        resident=await session.get(Resident, ticket.resident_id) if ticket.resident_id else None,
        events=events,
        staff_names=names,
        colleagues=colleagues,
        next_statuses=next_statuses,
        can_work=can_work,
        can_reroute=can(actor, Capability.REROUTE_TICKETS),
        translations=translations,
    )


async def mark_read(session: AsyncSession, actor: Actor, ticket_id: int) -> int:
    """The resident's messages on a ticket count as read once someone who works it opened it."""
    if not (isinstance(actor, StaffActor) and can(actor, Capability.WORK_TICKETS)):
        return 0
    if await TicketRepository(session, actor).get(ticket_id) is None:
        return 0
    result = await session.execute(
        sa.update(Message)
        .where(
            Message.ticket_id == ticket_id,
            Message.direction == Direction.INBOUND,
            Message.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
