"""The learning loop: examples are recorded, deduplicated, used without a restart, and erased."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.intents.learning import MatcherStore, record_example, remove_example
from core.intents.models import ExampleSource, LearnedExample
from core.residents.data_rights import forget_resident
from core.services import Services
from core.staff.models import Role
from tests.factories import (
    SYSTEM,
    actor_of,
    create_city,
    create_resident,
    create_staff,
    open_ticket,
)

TEXT = "the zebra crossing paint has vanished completely"
WORDS = [f"{a}{b}x" for a in "bcdfgklmnprst" for b in "aeiou"][:40]  # distinct made-up words


async def _record(
    session: AsyncSession,
    services: Services,
    intent: str = "sidewalk_accessibility",
    text: str = TEXT,
    **extra: object,
) -> LearnedExample | None:
    return await record_example(
        session,
        services.context.catalog,
        intent_code=intent,
        language="en",
        text=text,
        source=ExampleSource.RESIDENT_CHOICE,
        **extra,
    )


async def test_examples_are_recorded_once(session: AsyncSession, services: Services) -> None:
    first = await _record(session, services)
    assert first is not None and first.normalised_text == TEXT
    assert (
        await _record(session, services, text="The Zebra-crossing paint has VANISHED completely!")
        is None
    )
    assert await _record(session, services, intent="emergency") is None  # never learned
    assert await _record(session, services, intent="teleportation") is None
    assert await _record(session, services, text="😂😂") is None


async def test_the_store_picks_up_new_and_removed_examples(
    session: AsyncSession, services: Services
) -> None:
    store = MatcherStore(services.context.catalog)
    matcher = await store.refresh(session)
    before = matcher.match(TEXT).intent
    examples = [
        await _record(session, services, text=f"{TEXT} {suffix}") for suffix in ("", "again", "now")
    ]
    matcher = await store.refresh(session)
    assert matcher.match(TEXT).intent == "sidewalk_accessibility" != before
    unchanged = await store.refresh(session)
    assert unchanged is matcher  # nothing new: no rebuild
    for example in examples:
        assert example is not None
        await remove_example(session, SYSTEM, example.id)
    rebuilt = await store.refresh(session)
    assert rebuilt is not matcher and rebuilt.match(TEXT).intent == before


async def test_rerouting_to_another_intent_teaches_the_matcher(
    session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    coordinator = actor_of(await create_staff(session, services, Role.COORDINATOR))
    resident = await create_resident(session, services)
    ticket = await open_ticket(
        session, services, resident, "unknown", description=TEXT, district="north"
    )
    await services.tickets.reroute(
        session,
        coordinator,
        ticket.id,
        intent_code="sidewalk_accessibility",
        reason="crossing markings",
    )
    example = (await session.execute(sa.select(LearnedExample))).scalar_one()
    assert (example.intent_code, example.text, example.source) == (
        "sidewalk_accessibility",
        TEXT,
        "reroute",
    )
    assert example.ticket_id == ticket.id and example.staff_id == coordinator.staff_id
    # A partner-only re-route teaches nothing about intents.
    await services.tickets.reroute(
        session, coordinator, ticket.id, partner_code="roads", reason="x"
    )
    assert (await session.execute(sa.select(sa.func.count(LearnedExample.id)))).scalar_one() == 1
    await forget_resident(session, resident.id)
    assert (await session.execute(sa.select(sa.func.count(LearnedExample.id)))).scalar_one() == 0


async def test_learned_examples_cannot_talk_the_matcher_out_of_an_emergency(
    session: AsyncSession, services: Services
) -> None:
    store = MatcherStore(services.context.catalog)
    for word in WORDS:
        await record_example(
            session,
            services.context.catalog,
            intent_code="graffiti",
            language="en",
            text=f"fire in my building {word}",
            source=ExampleSource.REROUTE,
        )
    await store.refresh(session)
    assert store.matcher.match("fire in my building").intent == "graffiti"  # poisoned...
    assert store.match("fire in my building").intent == "emergency"  # ...not where it matters


async def test_one_resident_can_teach_only_so_much(
    session: AsyncSession, services: Services
) -> None:
    from core.intents.learning import MAX_EXAMPLES_PER_RESIDENT

    resident = await create_resident(session, services)
    kept = [
        await _record(
            session, services, text=f"zebra crossing gone {word}", resident_id=resident.id
        )
        for word in WORDS[: MAX_EXAMPLES_PER_RESIDENT + 3]
    ]
    assert sum(example is not None for example in kept) == MAX_EXAMPLES_PER_RESIDENT
