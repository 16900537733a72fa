"""Response-time targets: the clock stops while a ticket waits on the resident; overdue tickets
are escalated once per step; re-routing ping-pong ends at the coordination unit."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import ResidentActor
from core.db import utcnow
from core.notifications.models import Outbox, OutboxChannel
from core.notifications.templates import Template
from core.services import Services
from core.staff.models import Role
from core.tickets.models import EventKind, RatingAnswer, Ticket, TicketEvent
from core.tickets.schemas import RatingCreate
from core.tickets.service import TicketService
from core.tickets.status import TicketStatus
from core.tickets.targets import end_ping_pong, escalate_overdue
from tests.conftest import make_settings
from tests.factories import (
    SYSTEM,
    actor_of,
    create_city,
    create_resident,
    create_staff,
    open_ticket,
)

BERLIN = ZoneInfo("Europe/Berlin")


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


def _tickets(holidays: str = "") -> TicketService:
    settings = make_settings(workhours={"holidays": holidays} if holidays else {})
    return Services.build(settings).tickets


def _waiting(since: dt.datetime, due: dt.datetime) -> Ticket:
    return Ticket(
        status=TicketStatus.WAITING_ON_RESIDENT,
        waiting_since=since,
        resolution_due_at=due,
        first_response_at=since,
    )


def test_waiting_over_a_weekend_moves_the_due_time_by_the_working_hours_waited() -> None:
    # Waiting from Friday 16:00 to Monday 10:00 is 1 + 2 working hours (8:00-17:00, Mon-Fri).
    ticket = _waiting(local(2026, 11, 27, 16), due=local(2026, 11, 30, 12))
    _tickets().end_wait(ticket, local(2026, 11, 30, 10))
    assert ticket.resolution_due_at == local(2026, 11, 30, 15) and ticket.waiting_since is None


def test_holidays_spent_waiting_do_not_count() -> None:
    # Wednesday 16:00 to Monday 9:00 over Christmas (24th, 25th off): 1 + 1 working hours.
    tickets = _tickets("2026-12-24,2026-12-25")
    ticket = _waiting(local(2026, 12, 23, 16), due=local(2026, 12, 28, 12))
    tickets.end_wait(ticket, local(2026, 12, 28, 9))
    assert ticket.resolution_due_at == local(2026, 12, 28, 14)


def test_a_wait_across_the_clock_change_counts_local_hours() -> None:
    # Clocks go back on Sunday 2026-10-25: Friday 15:00 -> Monday 9:00 is still 3 hours.
    ticket = _waiting(local(2026, 10, 23, 15), due=local(2026, 10, 26, 10))
    _tickets().end_wait(ticket, local(2026, 10, 26, 9))
    assert ticket.resolution_due_at == local(2026, 10, 26, 13)
    assert ticket.resolution_due_at == dt.datetime(2026, 10, 26, 12, tzinfo=dt.UTC)  # winter time


async def test_asking_the_resident_pauses_the_clock_until_they_answer(
    session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    caseworker = actor_of(await create_staff(session, services, Role.COORDINATOR))
    ticket = await open_ticket(session, services)
    await services.conversation.request_info(session, caseworker, ticket.id, "Where exactly?")
    assert ticket.waiting_since is not None
    due = ticket.resolution_due_at
    ticket.waiting_since -= dt.timedelta(days=7)  # a week of waiting: 5 working days
    await services.tickets.change_status(session, caseworker, ticket.id, TicketStatus.IN_PROGRESS)
    assert ticket.waiting_since is None
    assert due is not None and ticket.resolution_due_at is not None
    assert ticket.resolution_due_at - due >= dt.timedelta(days=6)


async def _escalations(session: AsyncSession, ticket: Ticket) -> list[dict[str, object]]:
    statement = sa.select(TicketEvent.after).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.ESCALATED
    )
    return [dict(after or {}) for after in (await session.execute(statement)).scalars()]


async def _mails(session: AsyncSession, ticket: Ticket) -> list[int | None]:
    statement = sa.select(Outbox.staff_id).where(
        Outbox.ticket_id == ticket.id,
        Outbox.channel == OutboxChannel.EMAIL,
        Outbox.template == Template.ESCALATION.value,
    )
    return sorted((await session.execute(statement)).scalars())


async def test_overdue_tickets_go_to_managers_then_the_coordination_unit_once(
    session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    manager = await create_staff(session, services, Role.MANAGER, city["roads"])
    coordinator = await create_staff(session, services, Role.COORDINATOR)
    overdue, on_time = await open_ticket(session, services), await open_ticket(session, services)
    overdue.resolution_due_at = utcnow() - dt.timedelta(minutes=5)
    await session.flush()

    assert await escalate_overdue(session, services.tickets) == 1
    assert await escalate_overdue(session, services.tickets) == 0  # once per step
    assert overdue.escalation_level == 1 and on_time.escalation_level == 0
    assert await _mails(session, overdue) == [manager.id]

    overdue.resolution_due_at = utcnow() - dt.timedelta(days=7)  # a working day and more
    await session.flush()
    assert await escalate_overdue(session, services.tickets) == 1
    assert overdue.escalation_level == 2
    assert await _mails(session, overdue) == sorted([manager.id, coordinator.id])
    assert [event["to"] for event in await _escalations(session, overdue)] == [
        "managers",
        "coordination",
    ]
    assert await escalate_overdue(session, services.tickets) == 0

    await services.tickets.change_status(session, SYSTEM, overdue.id, TicketStatus.RESOLVED)
    await services.tickets.change_status(session, SYSTEM, overdue.id, TicketStatus.REOPENED)
    assert overdue.escalation_level == 0  # a reopened ticket earns a fresh warning


async def test_waiting_tickets_are_never_escalated(
    session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    caseworker = actor_of(await create_staff(session, services, Role.COORDINATOR))
    ticket = await open_ticket(session, services)
    await services.conversation.request_info(session, caseworker, ticket.id, "Photo please?")
    ticket.resolution_due_at = utcnow() - dt.timedelta(days=3)
    await session.flush()
    assert await escalate_overdue(session, services.tickets) == 0


async def test_ping_pong_ends_at_the_coordination_unit_once(
    session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    coordinator = actor_of(await create_staff(session, services, Role.COORDINATOR))
    ticket = await open_ticket(session, services)
    for partner in ("food-north", "roads", "food-south"):
        await services.tickets.reroute(
            session, coordinator, ticket.id, reason="not ours", partner_code=partner
        )
    assert ticket.reroute_count == 3
    assert await end_ping_pong(session, services.tickets) == 1
    assert ticket.partner_id == city["coordination"].id
    # The coordination unit decides; its own re-routing afterwards is not ping-pong again.
    await services.tickets.reroute(
        session, coordinator, ticket.id, reason="roads after all", partner_code="roads"
    )
    assert await end_ping_pong(session, services.tickets) == 0
    assert ticket.partner_id == city["roads"].id


async def test_not_fixed_tells_whoever_worked_on_it(
    session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    caseworker = await create_staff(session, services, Role.COORDINATOR)
    resident = await create_resident(session, services)
    ticket = await open_ticket(session, services, resident)
    await services.tickets.assign(session, actor_of(caseworker), ticket.id, caseworker.id)
    await services.tickets.change_status(session, SYSTEM, ticket.id, TicketStatus.RESOLVED)
    await services.conversation.rate(
        session,
        ResidentActor(resident.id),
        ticket.id,
        RatingCreate(answer=RatingAnswer.NO, score=1),
    )
    assert ticket.status is TicketStatus.REOPENED
    statement = sa.select(Outbox.staff_id).where(Outbox.template == Template.NOT_FIXED.value)
    assert list((await session.execute(statement)).scalars()) == [caseworker.id]
