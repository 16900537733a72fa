"""Response-time targets at work: escalating overdue tickets, and ending re-routing ping-pong.

Escalation goes one step at a time and each step happens once per ticket (until it is reopened
or re-routed): level 1 tells the owning partner's managers that a ticket is overdue; level 2,
when it is still overdue a working day later, tells the coordination unit.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import SystemActor
from core.db import utcnow
from core.notifications.service import notify_staff
from core.notifications.templates import Template
from core.partners.models import Partner
from core.partners.repository import PartnerRepository
from core.staff.models import Role, Staff
from core.tickets import audit
from core.tickets.models import EventKind, Ticket, TicketEvent, Visibility
from core.tickets.service import TicketService
from core.tickets.status import CLOCK_RUNNING, OPEN_STATUSES

logger = logging.getLogger(__name__)
BATCH_SIZE = 200
COORDINATION_AFTER_HOURS = 8.0  # working hours overdue at level 1 before level 2
PING_PONG_REROUTES = 3  # this many re-routes and the coordination unit takes the ticket
ESCALATION_ACTOR = SystemActor("escalation")
PING_PONG_ACTOR = SystemActor("ping-pong")
PING_PONG_MARK = "ping_pong"


def _overdue(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        Ticket.status.in_(sorted(CLOCK_RUNNING)),
        sa.or_(
            Ticket.resolution_due_at < now,
            sa.and_(Ticket.first_response_at.is_(None), Ticket.first_response_due_at < now),
        ),
    )


def _overdue_since(ticket: Ticket) -> dt.datetime:
    dues = [ticket.resolution_due_at]
    if ticket.first_response_at is None:
        dues.append(ticket.first_response_due_at)
    return min(due for due in dues if due is not None)


async def _staff_ids(session: AsyncSession, *where: sa.ColumnElement[bool]) -> list[int]:
    statement = sa.select(Staff.id).where(Staff.active.is_(True), *where)
    return list((await session.execute(statement)).scalars())


async def escalate_overdue(
    session: AsyncSession, tickets: TicketService, *, now: dt.datetime | None = None
) -> int:
    """Take every overdue ticket one escalation step further; returns how many moved."""
    now = now or utcnow()
    calendar = tickets.context.calendar
    statement = (
        sa.select(Ticket)
        .where(_overdue(now), Ticket.escalation_level < 2)
        .order_by(Ticket.resolution_due_at, Ticket.id)
        .limit(BATCH_SIZE)
        .with_for_update(skip_locked=True)
    )
    coordination = await PartnerRepository(session).coordination_unit()
    coordinators = await _staff_ids(
        session,
        sa.or_(
            Staff.role == Role.COORDINATOR,
            sa.and_(
                Staff.role == Role.MANAGER,
                Staff.partner_id == (coordination.id if coordination else None),
            ),
        ),
    )
    moved = 0
    for ticket in (await session.execute(statement)).scalars():
        if ticket.escalation_level == 1:
            # A working day past due at level 1 before the coordination unit hears of it.
            due = _overdue_since(ticket)
            if calendar.add_working_hours(due, COORDINATION_AFTER_HOURS) > now:
                continue
            recipients, audience = coordinators, "coordination"
        else:
            recipients = await _staff_ids(
                session, Staff.role == Role.MANAGER, Staff.partner_id == ticket.partner_id
            )
            audience = "managers"
        ticket.escalation_level += 1
        partner = await session.get(Partner, ticket.partner_id)
        await audit.record(
            session,
            ticket,
            EventKind.ESCALATED,
            ESCALATION_ACTOR,
            visibility=Visibility.INTERNAL,
            after={"level": ticket.escalation_level, "to": audience},
        )
        await notify_staff(
            session,
            recipients,
            Template.ESCALATION,
            {
                "reference": ticket.reference,
                "partner": partner.name if partner else "",
                "level": ticket.escalation_level,
                "due": _overdue_since(ticket).isoformat(),
            },
            ticket_id=ticket.id,
        )
        moved += 1
    if moved:
        logger.info("escalated %d overdue ticket(s)", moved)
    return moved


async def end_ping_pong(session: AsyncSession, tickets: TicketService) -> int:
    """Tickets re-routed PING_PONG_REROUTES times or more go to the coordination unit, once."""
    coordination = await PartnerRepository(session).coordination_unit()
    if coordination is None:
        return 0
    already = sa.exists().where(
        TicketEvent.ticket_id == Ticket.id,
        TicketEvent.kind == EventKind.ESCALATED,
        TicketEvent.after["to"].as_string() == PING_PONG_MARK,
    )
    statement = (
        sa.select(Ticket.id)
        .where(
            Ticket.reroute_count >= PING_PONG_REROUTES,
            Ticket.status.in_(sorted(OPEN_STATUSES)),
            Ticket.partner_id != coordination.id,
            ~already,
        )
        .order_by(Ticket.id)
        .limit(BATCH_SIZE)
    )
    ids = list((await session.execute(statement)).scalars())
    for ticket_id in ids:
        ticket = await tickets.reroute(
            session,
            PING_PONG_ACTOR,
            ticket_id,
            reason=f"re-routed {PING_PONG_REROUTES} or more times: the coordination unit decides",
            partner_code=coordination.code,
        )
        await audit.record(
            session,
            ticket,
            EventKind.ESCALATED,
            PING_PONG_ACTOR,
            visibility=Visibility.INTERNAL,
            after={"to": PING_PONG_MARK, "reroutes": ticket.reroute_count},
        )
    if ids:
        logger.info("sent %d ping-pong ticket(s) to the coordination unit", len(ids))
    return len(ids)
