"""Opening tickets and moving them through every allowed transition, on both databases."""

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import SystemActor
from core.errors import InvalidTransition, NotFound, ValidationFailed
from core.services import Services
from core.staff.models import Role
from core.tickets.models import Channel, Priority, Ticket
from core.tickets.reference import normalise_reference
from core.tickets.repository import TicketRepository
from core.tickets.schemas import TicketCreate
from core.tickets.status import TRANSITIONS, TicketStatus
from tests.factories import (
    SOUTH,
    actor_of,
    create_city,
    create_resident,
    create_staff,
    open_ticket,
)

S = TicketStatus
# How to bring a fresh ticket to each status through the services.
PATHS: dict[TicketStatus, list[TicketStatus]] = {
    S.NEW: [],
    S.ACKNOWLEDGED: [S.ACKNOWLEDGED],
    S.IN_PROGRESS: [S.IN_PROGRESS],
    S.WAITING_ON_RESIDENT: [S.WAITING_ON_RESIDENT],
    S.RESOLVED: [S.RESOLVED],
    S.CLOSED: [S.RESOLVED, S.CLOSED],
    S.REOPENED: [S.RESOLVED, S.REOPENED],
}
EDGES = [
    (source, target)
    for source, targets in TRANSITIONS.items()
    if source in PATHS
    for target in targets
    if target is not S.DUPLICATE
]


async def test_open_files_a_routed_ticket_with_due_times(
    session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    resident = await create_resident(session, services, "uk")
    ticket = await open_ticket(session, services, resident, "pothole")
    assert ticket.partner_id == city["roads"].id
    assert ticket.status is S.NEW and ticket.language == "uk" and ticket.district == "north"
    assert normalise_reference(ticket.reference) == ticket.reference
    assert not ticket.is_private
    targets = services.context.catalog.get("pothole").targets
    calendar = services.context.calendar
    assert ticket.first_response_due_at == calendar.add_working_hours(
        ticket.created_at, targets.first_response_hours
    )
    assert ticket.resolution_due_at == calendar.add_working_hours(
        ticket.created_at, targets.resolution_hours
    )
    assert ticket.created_at.tzinfo is not None


async def test_sensitive_and_unknown_tickets_are_private(
    session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    legal = await open_ticket(session, services, None, "legal_aid", district="north")
    assert legal.is_private
    triage = await open_ticket(session, services, None, "unknown", description="???")
    assert triage.is_private and triage.partner_id == city["coordination"].id


async def test_emergencies_are_urgent(session: AsyncSession, services: Services) -> None:
    await create_city(session, services)
    ticket = await open_ticket(session, services, None, "emergency", description="smoke")
    assert ticket.priority is Priority.URGENT


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"intent_code": "teleportation"}, "intent_code"),
        ({"intent_code": "office_hours"}, "intent_code"),
        ({"latitude": None, "longitude": None}, "location"),
        ({"district": "atlantis", "latitude": None, "longitude": None}, "district"),
        ({"answers": {"size": "enormous"}}, "size"),
    ],
)
async def test_bad_ticket_data_is_refused_precisely(
    session: AsyncSession,
    services: Services,
    fields: dict,
    field: str,
) -> None:
    await create_city(session, services)
    values = {
        "intent_code": "pothole",
        "channel": Channel.WEB,
        "language": "en",
        "latitude": SOUTH[0],
        "longitude": SOUTH[1],
    }
    values.update(fields)
    with pytest.raises(ValidationFailed) as caught:
        await services.tickets.open(session, SystemActor(), TicketCreate(**values))
    assert caught.value.details["field"] == field


async def _ticket_in(
    session: AsyncSession, services: Services, status: TicketStatus
) -> tuple[Ticket, object]:
    city = await create_city(session, services)
    worker = actor_of(await create_staff(session, services, Role.CASEWORKER, city["roads"]))
    ticket = await open_ticket(session, services, await create_resident(session, services))
    for step in PATHS[status]:
        await services.tickets.change_status(session, worker, ticket.id, step)
    assert ticket.status is status
    return ticket, worker


@pytest.mark.parametrize(("source", "target"), EDGES, ids=[f"{a}->{b}" for a, b in EDGES])
async def test_every_allowed_transition_through_the_service(
    session: AsyncSession,
    services: Services,
    source: TicketStatus,
    target: TicketStatus,
) -> None:
    ticket, worker = await _ticket_in(session, services, source)
    reason = "not for the city" if target is S.REJECTED else None
    await services.tickets.change_status(session, worker, ticket.id, target, reason=reason)
    assert ticket.status is target
    assert ticket.first_response_at is not None
    if target is S.RESOLVED:
        assert ticket.resolved_at is not None
    if target in (S.CLOSED, S.REJECTED):
        assert ticket.closed_at is not None
    if target is S.REOPENED:
        assert ticket.resolved_at is None and ticket.closed_at is None


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.NEW, S.CLOSED),
        (S.RESOLVED, S.IN_PROGRESS),
        (S.CLOSED, S.RESOLVED),
        (S.IN_PROGRESS, S.REOPENED),
    ],
)
async def test_illegal_transitions_through_the_service(
    session: AsyncSession,
    services: Services,
    source: TicketStatus,
    target: TicketStatus,
) -> None:
    ticket, worker = await _ticket_in(session, services, source)
    with pytest.raises(InvalidTransition):
        await services.tickets.change_status(session, worker, ticket.id, target)
    assert ticket.status is source


async def test_rejecting_needs_a_reason_and_reopening_a_window(
    session: AsyncSession,
    services: Services,
) -> None:
    ticket, worker = await _ticket_in(session, services, S.IN_PROGRESS)
    with pytest.raises(ValidationFailed, match="reason"):
        await services.tickets.change_status(session, worker, ticket.id, S.REJECTED, reason="  ")
    await services.tickets.change_status(session, worker, ticket.id, S.RESOLVED)
    ticket.resolved_at = ticket.resolved_at - services.context.reopen_window - dt.timedelta(hours=1)
    with pytest.raises(ValidationFailed, match="more than"):
        await services.tickets.change_status(session, worker, ticket.id, S.REOPENED)


async def test_reroute_keeps_history_and_starts_again(
    session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    coordinator = actor_of(await create_staff(session, services, Role.COORDINATOR))
    ticket = await open_ticket(
        session, services, None, "unknown", description="no food at home", district="south"
    )
    await services.tickets.change_status(session, coordinator, ticket.id, S.ACKNOWLEDGED)
    await services.tickets.reroute(
        session, coordinator, ticket.id, intent_code="food_assistance", reason="resident needs food"
    )
    assert ticket.partner_id == city["food-south"].id  # routed by district
    assert ticket.intent_code == "food_assistance" and ticket.status is S.NEW
    assert ticket.reroute_count == 1 and ticket.assignee_id is None
    await services.tickets.reroute(
        session, coordinator, ticket.id, partner_code="food-north", reason="they have capacity"
    )
    assert ticket.partner_id == city["food-north"].id and ticket.reroute_count == 2
    kinds = [
        event.kind.value for event in await TicketRepository(session, coordinator).events(ticket.id)
    ]
    assert kinds == ["created", "status_changed", "rerouted", "rerouted"]
    with pytest.raises(ValidationFailed):
        await services.tickets.reroute(
            session, coordinator, ticket.id, partner_code="nope", reason="x"
        )


async def test_mark_duplicate_points_at_the_original_and_follows_it(
    session: AsyncSession,
    services: Services,
) -> None:
    city = await create_city(session, services)
    worker = actor_of(await create_staff(session, services, Role.CASEWORKER, city["roads"]))
    first = await open_ticket(session, services, await create_resident(session, services))
    second_reporter = await create_resident(session, services, "ar")
    second = await open_ticket(session, services, second_reporter)
    third = await open_ticket(session, services, await create_resident(session, services))
    await services.tickets.mark_duplicate(session, worker, second.id, first.reference)
    assert second.status is S.DUPLICATE and second.duplicate_of_id == first.id
    # Marking a duplicate of a duplicate points at the original.
    await services.tickets.mark_duplicate(session, worker, third.id, second.reference)
    assert third.duplicate_of_id == first.id
    followed = await TicketRepository(session, SystemActor()).follower_ids(first)
    assert second_reporter.id in followed
    with pytest.raises(ValidationFailed):
        await services.tickets.mark_duplicate(session, worker, first.id, first.reference)
    with pytest.raises(NotFound):
        await services.tickets.mark_duplicate(session, worker, first.id, "ZZZ-ZZZZ")


async def test_assign_only_to_colleagues_who_can_work_the_ticket(
    session: AsyncSession,
    services: Services,
) -> None:
    city = await create_city(session, services)
    worker = await create_staff(session, services, Role.CASEWORKER, city["roads"])
    colleague = await create_staff(session, services, Role.CASEWORKER, city["roads"])
    manager = await create_staff(session, services, Role.MANAGER, city["roads"])
    stranger = await create_staff(session, services, Role.CASEWORKER, city["food-north"])
    ticket = await open_ticket(session, services)
    await services.tickets.assign(session, actor_of(worker), ticket.id, colleague.id)
    assert ticket.assignee_id == colleague.id
    for unsuitable in (manager, stranger):
        with pytest.raises(ValidationFailed):
            await services.tickets.assign(session, actor_of(worker), ticket.id, unsuitable.id)
    await services.tickets.assign(session, actor_of(worker), ticket.id, None)
    assert ticket.assignee_id is None
