"""A caseworker of partner A can never see or touch partner B's tickets, through any repository
or service method: for them those tickets do not exist."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import ResidentActor, StaffActor
from core.errors import Forbidden, NotFound
from core.services import Services
from core.staff.models import Role
from core.tickets.models import Ticket
from core.tickets.repository import TicketRepository
from core.tickets.schemas import RatingCreate
from core.tickets.status import TicketStatus
from tests.factories import actor_of, create_city, create_resident, create_staff, open_ticket

Write = Callable[[AsyncSession, Services, StaffActor, Ticket, Ticket], Awaitable[Any]]

WRITES: dict[str, Write] = {
    "change_status": lambda s, sv, a, t, own: sv.tickets.change_status(
        s, a, t.id, TicketStatus.ACKNOWLEDGED
    ),
    "assign": lambda s, sv, a, t, own: sv.tickets.assign(s, a, t.id, a.staff_id),
    "reroute": lambda s, sv, a, t, own: sv.tickets.reroute(
        s, a, t.id, partner_code="roads", reason="x"
    ),
    "mark_duplicate": lambda s, sv, a, t, own: sv.tickets.mark_duplicate(s, a, t.id, own.reference),
    "mark_duplicate_of_theirs": lambda s, sv, a, t, own: sv.tickets.mark_duplicate(
        s, a, own.id, t.reference
    ),
    "reply": lambda s, sv, a, t, own: sv.conversation.reply(s, a, t.id, "hello"),
    "request_info": lambda s, sv, a, t, own: sv.conversation.request_info(s, a, t.id, "where?"),
    "add_note": lambda s, sv, a, t, own: sv.conversation.add_note(s, a, t.id, "note"),
}


@pytest.fixture
async def world(session: AsyncSession, services: Services) -> dict[str, Any]:
    city = await create_city(session, services)
    theirs = await open_ticket(
        session,
        services,
        await create_resident(session, services),
        "food_assistance",
        district="south",
        latitude=None,
        longitude=None,
    )
    own = await open_ticket(session, services, await create_resident(session, services), "pothole")
    assert theirs.partner_id == city["food-south"].id and own.partner_id == city["roads"].id
    return {
        "city": city,
        "theirs": theirs,
        "own": own,
        "caseworker": actor_of(
            await create_staff(session, services, Role.CASEWORKER, city["roads"])
        ),
        "manager": actor_of(await create_staff(session, services, Role.MANAGER, city["roads"])),
        "coordinator": actor_of(await create_staff(session, services, Role.COORDINATOR)),
    }


@pytest.mark.parametrize("role", ["caseworker", "manager"])
async def test_reads_do_not_reveal_another_partners_ticket(
    session: AsyncSession,
    world: dict[str, Any],
    role: str,
) -> None:
    actor, theirs, own = world[role], world["theirs"], world["own"]
    repository = TicketRepository(session, actor)
    assert await repository.get(theirs.id) is None
    assert await repository.get(theirs.id, for_update=True) is None
    assert await repository.get_by_reference(theirs.reference) is None
    assert [t.id for t in await repository.find(limit=100)] == [own.id]
    assert await repository.find(intent_code="food_assistance") == []
    assert await repository.find(partner_id=theirs.partner_id) == []
    assert await repository.count() == 1
    assert await repository.count(partner_id=theirs.partner_id) == 0
    assert await repository.open_tickets_of_intent("food_assistance") == []
    assert await repository.events(theirs.id) == []
    assert await repository.messages(theirs.id) == []
    assert await repository.get(own.id) is not None


@pytest.mark.parametrize("write", list(WRITES))
async def test_writes_to_another_partners_ticket_are_not_found(
    session: AsyncSession,
    services: Services,
    world: dict[str, Any],
    write: str,
) -> None:
    theirs = world["theirs"]
    status_before = theirs.status
    with pytest.raises(NotFound):
        await WRITES[write](session, services, world["caseworker"], theirs, world["own"])
    assert theirs.status is status_before and theirs.assignee_id is None
    assert theirs.partner_id == world["city"]["food-south"].id


@pytest.mark.parametrize("write", list(WRITES))
async def test_managers_read_but_do_not_change(
    session: AsyncSession,
    services: Services,
    world: dict[str, Any],
    write: str,
) -> None:
    with pytest.raises(Forbidden):
        await WRITES[write](session, services, world["manager"], world["own"], world["own"])


async def test_coordinators_see_and_work_every_partner(
    session: AsyncSession,
    services: Services,
    world: dict[str, Any],
) -> None:
    coordinator = world["coordinator"]
    repository = TicketRepository(session, coordinator)
    assert await repository.count() == 2
    await services.tickets.change_status(
        session, coordinator, world["theirs"].id, TicketStatus.ACKNOWLEDGED
    )


async def test_a_resident_sees_only_their_own_tickets(
    session: AsyncSession,
    services: Services,
    world: dict[str, Any],
) -> None:
    stranger = ResidentActor((await create_resident(session, services)).id)
    repository = TicketRepository(session, stranger)
    assert await repository.count() == 0
    assert await repository.get(world["own"].id) is None
    with pytest.raises(NotFound):
        await services.conversation.resident_message(session, stranger, world["own"].id, "hi")
    with pytest.raises(NotFound):
        await services.conversation.withdraw(session, stranger, world["own"].id)
    with pytest.raises(NotFound):
        await services.conversation.rate(
            session, stranger, world["own"].id, RatingCreate(answer="yes")
        )


async def test_private_tickets_cannot_be_followed(
    session: AsyncSession,
    services: Services,
    world: dict[str, Any],
) -> None:
    stranger = ResidentActor((await create_resident(session, services)).id)
    with pytest.raises(NotFound):
        await services.conversation.follow(
            session, stranger, world["theirs"].id
        )  # food aid: private
    await services.conversation.follow(session, stranger, world["own"].id)
    assert await TicketRepository(session, stranger).get(world["own"].id) is not None
