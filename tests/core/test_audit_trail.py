"""Every service mutation writes exactly one audit event, of the right kind and visibility."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import ResidentActor
from core.residents.data_rights import forget_resident
from core.services import Services
from core.staff.models import Role
from core.tickets.models import EventKind, RatingAnswer, Ticket, TicketEvent, Visibility
from core.tickets.schemas import RatingCreate
from core.tickets.status import TicketStatus
from tests.factories import actor_of, create_city, create_resident, create_staff, open_ticket

Mutation = Callable[[AsyncSession, Services, dict[str, Any]], Awaitable[object]]


async def _resolve(session: AsyncSession, services: Services, ctx: dict[str, Any]) -> None:
    await services.tickets.change_status(
        session, ctx["worker"], ctx["ticket"].id, TicketStatus.RESOLVED
    )


MUTATIONS: dict[str, tuple[EventKind, Visibility, Mutation, Mutation | None]] = {
    "change_status": (
        EventKind.STATUS_CHANGED,
        Visibility.PUBLIC,
        lambda s, sv, c: sv.tickets.change_status(
            s, c["worker"], c["ticket"].id, TicketStatus.ACKNOWLEDGED
        ),
        None,
    ),
    "assign": (
        EventKind.ASSIGNED,
        Visibility.INTERNAL,
        lambda s, sv, c: sv.tickets.assign(s, c["worker"], c["ticket"].id, c["worker"].staff_id),
        None,
    ),
    "reroute": (
        EventKind.REROUTED,
        Visibility.INTERNAL,
        lambda s, sv, c: sv.tickets.reroute(
            s,
            c["worker"],
            c["ticket"].id,
            intent_code="sidewalk_accessibility",
            reason="wrong service",
        ),
        None,
    ),
    "mark_duplicate": (
        EventKind.DUPLICATE_MARKED,
        Visibility.PUBLIC,
        lambda s, sv, c: sv.tickets.mark_duplicate(
            s, c["worker"], c["ticket"].id, c["other"].reference
        ),
        None,
    ),
    "reply": (
        EventKind.MESSAGE,
        Visibility.PUBLIC,
        lambda s, sv, c: sv.conversation.reply(s, c["worker"], c["ticket"].id, "We are on it"),
        None,
    ),
    "request_info": (
        EventKind.INFO_REQUESTED,
        Visibility.PUBLIC,
        lambda s, sv, c: sv.conversation.request_info(
            s, c["worker"], c["ticket"].id, "Which house number?"
        ),
        None,
    ),
    "add_note": (
        EventKind.NOTE,
        Visibility.INTERNAL,
        lambda s, sv, c: sv.conversation.add_note(s, c["worker"], c["ticket"].id, "crew booked"),
        None,
    ),
    "resident_message": (
        EventKind.MESSAGE,
        Visibility.PUBLIC,
        lambda s, sv, c: sv.conversation.resident_message(
            s, c["me"], c["ticket"].id, "it got bigger"
        ),
        None,
    ),
    "rate": (
        EventKind.RATING,
        Visibility.PUBLIC,
        lambda s, sv, c: sv.conversation.rate(
            s, c["me"], c["ticket"].id, RatingCreate(answer=RatingAnswer.NO, score=2)
        ),
        _resolve,
    ),
    "withdraw": (
        EventKind.WITHDRAWN,
        Visibility.PUBLIC,
        lambda s, sv, c: sv.conversation.withdraw(s, c["me"], c["ticket"].id),
        None,
    ),
    "follow": (
        EventKind.FOLLOWED,
        Visibility.INTERNAL,
        lambda s, sv, c: sv.conversation.follow(s, c["neighbour"], c["ticket"].id),
        None,
    ),
    "forget": (
        EventKind.ERASED,
        Visibility.INTERNAL,
        lambda s, sv, c: forget_resident(s, c["me"].resident_id),
        None,
    ),
}


async def _events(session: AsyncSession, ticket: Ticket) -> list[TicketEvent]:
    result = await session.execute(
        sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    )
    return list(result.scalars())


async def test_opening_writes_one_created_event(session: AsyncSession, services: Services) -> None:
    await create_city(session, services)
    ticket = await open_ticket(session, services, await create_resident(session, services))
    events = await _events(session, ticket)
    assert [(e.kind, e.actor_type.value) for e in events] == [(EventKind.CREATED, "resident")]


@pytest.mark.parametrize("name", list(MUTATIONS))
async def test_each_mutation_writes_exactly_one_event(
    session: AsyncSession,
    services: Services,
    name: str,
) -> None:
    kind, visibility, mutate, prepare = MUTATIONS[name]
    city = await create_city(session, services)
    worker = actor_of(await create_staff(session, services, Role.CASEWORKER, city["roads"]))
    resident = await create_resident(session, services)
    ctx = {
        "worker": worker,
        "me": ResidentActor(resident.id),
        "neighbour": ResidentActor((await create_resident(session, services)).id),
        "ticket": await open_ticket(session, services, resident),
        "other": await open_ticket(session, services),
    }
    if prepare:
        await prepare(session, services, ctx)
    before = await _events(session, ctx["ticket"])
    await mutate(session, services, ctx)
    after = await _events(session, ctx["ticket"])
    new = after[len(before) :]
    assert [(event.kind, event.visibility) for event in new] == [(kind, visibility)]
    assert new[0].created_at is not None and after[: len(before)] == before
