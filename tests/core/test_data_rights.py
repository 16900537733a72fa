import json

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import ResidentActor
from core.errors import NotFound
from core.residents.data_rights import export_resident, forget_resident
from core.residents.models import Resident
from core.services import Services
from core.staff.models import Role
from core.tickets.models import Direction, Message, Rating, RatingAnswer, Ticket, TicketEvent
from core.tickets.schemas import Attachment, RatingCreate
from core.tickets.status import TicketStatus
from tests.factories import NORTH, actor_of, create_city, create_resident, create_staff, open_ticket

SECRET_WORDS = "Maria Petrenko, flat 4, Lindenstraße 12"


async def _story(session: AsyncSession, services: Services) -> tuple[Resident, Ticket]:
    city = await create_city(session, services)
    worker = actor_of(await create_staff(session, services, Role.CASEWORKER, city["roads"]))
    resident = await create_resident(session, services, "uk")
    me = ResidentActor(resident.id)
    ticket = await open_ticket(
        session,
        services,
        resident,
        description=f"Hole outside {SECRET_WORDS}",
        address=SECRET_WORDS,
        latitude=NORTH[0],
        longitude=NORTH[1],
        attachments=[Attachment(kind="photo", telegram_file_id="AgAD-photo")],
    )
    await services.conversation.request_info(session, worker, ticket.id, "How deep is it?")
    await services.conversation.resident_message(
        session, me, ticket.id, f"Very deep. {SECRET_WORDS}"
    )
    await services.tickets.change_status(session, worker, ticket.id, TicketStatus.RESOLVED)
    await services.conversation.rate(
        session, me, ticket.id, RatingCreate(answer=RatingAnswer.YES, score=5, comment=SECRET_WORDS)
    )
    return resident, ticket


async def test_export_holds_everything_about_the_resident(
    session: AsyncSession, services: Services
) -> None:
    resident, ticket = await _story(session, services)
    other = await open_ticket(session, services, await create_resident(session, services))
    data = await export_resident(session, resident.id)
    json.dumps(data)  # JSON-ready
    assert data["resident"]["telegram_user_id"] == resident.telegram_user_id
    assert data["resident"]["language"] == "uk"
    [exported] = data["tickets"]
    assert exported["reference"] == ticket.reference and other.reference not in json.dumps(data)
    assert (
        SECRET_WORDS in exported["description"] and exported["attachments"][0]["telegram_file_id"]
    )
    assert [m["direction"] for m in exported["messages"]] == ["outbound", "inbound"]
    assert exported["ratings"][0]["score"] == 5
    kinds = [h["kind"] for h in exported["history"]]
    assert kinds[0] == "created" and "rating" in kinds


async def test_forget_erases_personal_data_and_keeps_figures(
    session: AsyncSession, services: Services
) -> None:
    resident, ticket = await _story(session, services)
    await session.execute(  # as if a translation server had translated their words for staff
        sa.update(Message)
        .where(Message.direction == Direction.INBOUND)
        .values(translation=f"translated: {SECRET_WORDS}")
    )
    assert await forget_resident(session, resident.id) == 1
    await session.refresh(resident)
    await session.refresh(ticket)
    assert resident.telegram_user_id is None and resident.telegram_chat_id is None
    assert resident.display_name is None and resident.forgotten_at is not None
    assert ticket.description is None and ticket.address is None and ticket.attachments == []
    assert ticket.latitude is None and ticket.longitude is None and ticket.answers == {}
    # Kept for the statistics:
    assert (
        ticket.intent_code == "pothole" and ticket.language == "uk" and ticket.district == "north"
    )
    assert ticket.status is TicketStatus.RESOLVED and ticket.resolved_at is not None
    rating = (
        await session.execute(sa.select(Rating).where(Rating.ticket_id == ticket.id))
    ).scalar_one()
    assert rating.score == 5 and rating.comment is None
    texts = [row for row in (await session.execute(sa.select(Message.text))).scalars()]
    texts += [row for row in (await session.execute(sa.select(TicketEvent.text))).scalars()]
    texts += [row for row in (await session.execute(sa.select(Message.translation))).scalars()]
    assert not any(text and SECRET_WORDS in text for text in texts)
    assert "How deep is it?" in texts  # the caseworker's own words stay
    with pytest.raises(NotFound):
        await export_resident(session, resident.id)
    assert await forget_resident(session, resident.id) == 0  # idempotent


async def test_a_forgotten_resident_writing_again_starts_afresh(
    session: AsyncSession, services: Services
) -> None:
    resident, _ = await _story(session, services)
    telegram_id = resident.telegram_user_id
    await forget_resident(session, resident.id)
    again, created = await services.residents.meet_on_telegram(
        session,
        telegram_user_id=telegram_id,
        chat_id=telegram_id,
        display_name="M",
        language_code="uk",
    )
    assert created and again.id != resident.id
    assert await export_resident(session, again.id) != {}
    assert (await export_resident(session, again.id))["tickets"] == []


async def test_followers_only_follow(session: AsyncSession, services: Services) -> None:
    from core.errors import Forbidden

    await create_city(session, services)
    owner, follower = (
        await create_resident(session, services),
        await create_resident(session, services),
    )
    ticket = await open_ticket(session, services, owner)
    await services.conversation.follow(session, ResidentActor(follower.id), ticket.id)
    with pytest.raises(Forbidden):
        await services.conversation.resident_message(
            session, ResidentActor(follower.id), ticket.id, "hi"
        )
    await services.conversation.resident_message(
        session, ResidentActor(owner.id), ticket.id, "mine"
    )
    event = (
        await session.execute(sa.select(TicketEvent).where(TicketEvent.kind == "message"))
    ).scalar_one()
    assert event.actor_resident_id == owner.id


async def test_rerouting_to_a_sensitive_service_drops_followers(
    session: AsyncSession, services: Services
) -> None:
    from core.tickets.models import TicketFollower

    await create_city(session, services)
    coordinator = actor_of(await create_staff(session, services, Role.COORDINATOR))
    ticket = await open_ticket(session, services, await create_resident(session, services))
    await services.conversation.follow(
        session, ResidentActor((await create_resident(session, services)).id), ticket.id
    )
    await services.tickets.reroute(
        session, coordinator, ticket.id, intent_code="housing_help", reason="eviction"
    )
    assert ticket.is_private
    assert (
        await session.execute(sa.select(sa.func.count()).select_from(TicketFollower))
    ).scalar_one() == 0
