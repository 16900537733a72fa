"""The inbox's queues, filters, search and pages, scoped to what the caseworker may see."""

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import StaffActor
from core.db import utcnow
from core.errors import ValidationFailed
from core.services import Services
from core.staff.models import Role
from core.tickets.inbox import InboxFilters, Queue, Sort, list_inbox, queue_counts
from core.tickets.models import Ticket
from core.tickets.status import TicketStatus
from tests.factories import actor_of, create_city, create_resident, create_staff, open_ticket


async def _world(session: AsyncSession, services: Services):  # type: ignore[no-untyped-def]
    city = await create_city(session, services)
    worker = actor_of(await create_staff(session, services, Role.CASEWORKER, city["roads"]))
    other = actor_of(await create_staff(session, services, Role.CASEWORKER, city["food-south"]))
    uk = await create_resident(session, services, "uk")
    roads = [
        await open_ticket(session, services, uk, description=f"yawning pothole number {word}")
        for word in ("one", "two", "three", "four", "five")
    ]
    food = await open_ticket(
        session,
        services,
        None,
        "food_assistance",
        district="south",
        latitude=None,
        longitude=None,
        description="no food for the kids pothole",
    )
    return city, worker, other, roads, food


async def test_queues_and_counts(session: AsyncSession, services: Services) -> None:
    city, worker, other, roads, food = await _world(session, services)
    await services.tickets.assign(session, worker, roads[0].id, worker.staff_id)
    await services.tickets.change_status(session, worker, roads[1].id, TicketStatus.RESOLVED)
    await services.conversation.request_info(session, worker, roads[2].id, "where exactly?")
    now = utcnow()
    counts = await queue_counts(session, worker, now=now)
    assert counts[Queue.OPEN] == 4 and counts[Queue.NEW] == 3 and counts[Queue.MINE] == 1
    assert (
        counts[Queue.UNASSIGNED] == 3 and counts[Queue.WAITING] == 1 and counts[Queue.RESOLVED] == 1
    )
    assert counts[Queue.OVERDUE] == 0
    later = await queue_counts(session, worker, now=now + dt.timedelta(days=30))
    # The ticket waiting on the resident is not overdue: its clock stands still.
    assert later[Queue.OVERDUE] == 3 and later[Queue.DUE_SOON] == 0
    assert (await queue_counts(session, other, now=now))[Queue.OPEN] == 1  # only their food ticket
    mine = await list_inbox(session, worker, InboxFilters(queue=Queue.MINE), now=now)
    assert [row.ticket.id for row in mine.rows] == [roads[0].id]


async def test_filters_and_search_never_cross_partners(
    session: AsyncSession, services: Services
) -> None:
    city, worker, other, roads, food = await _world(session, services)
    now = utcnow()
    found = await list_inbox(session, worker, InboxFilters(search="pothole"), now=now)
    assert {row.ticket.id for row in found.rows} == {t.id for t in roads}  # not the food ticket
    by_reference = await list_inbox(
        session, worker, InboxFilters(search=roads[3].reference.lower()), now=now
    )
    assert [row.ticket.id for row in by_reference.rows] == [roads[3].id]
    assert (
        await list_inbox(session, worker, InboxFilters(search=food.reference), now=now)
    ).rows == []
    uk = await list_inbox(session, worker, InboxFilters(language="uk", intent="pothole"), now=now)
    assert len(uk.rows) == 5 and all(row.ticket.language == "uk" for row in uk.rows)
    assert (await list_inbox(session, worker, InboxFilters(language="ar"), now=now)).rows == []
    assert (await list_inbox(session, worker, InboxFilters(district="south"), now=now)).rows == []
    today = now.date()
    dated = await list_inbox(
        session, worker, InboxFilters(created_from=today, created_to=today), now=now
    )
    assert len(dated.rows) == 5
    weird = await list_inbox(session, worker, InboxFilters(search="100% _odd_ \\ text"), now=now)
    assert weird.rows == []


@pytest.mark.parametrize("sort", list(Sort))
async def test_keyset_pages_cover_everything_once(
    session: AsyncSession, services: Services, sort: Sort
) -> None:
    city, worker, other, roads, food = await _world(session, services)
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        page = await list_inbox(
            session, worker, InboxFilters(sort=sort), now=utcnow(), after=cursor, limit=2
        )
        seen += [row.ticket.id for row in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(t.id for t in roads) and len(seen) == len(set(seen))
    with pytest.raises(ValidationFailed):
        await list_inbox(session, worker, InboxFilters(), now=utcnow(), after="not-a-cursor!!")


async def test_unread_resident_messages_are_flagged(
    session: AsyncSession, services: Services
) -> None:
    from core.access import ResidentActor

    city, worker, other, roads, food = await _world(session, services)
    await services.conversation.resident_message(
        session, ResidentActor(roads[4].resident_id or 0), roads[4].id, "more details"
    )
    page = await list_inbox(session, worker, InboxFilters(), now=utcnow())
    assert {row.ticket.id for row in page.rows if row.unread} == {roads[4].id}


async def test_resolved_history_pages_newest_first_whatever_the_sort(
    session: AsyncSession, services: Services
) -> None:
    city, worker, other, roads, food = await _world(session, services)
    for ticket in roads:
        await services.tickets.change_status(session, worker, ticket.id, TicketStatus.RESOLVED)
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        page = await list_inbox(
            session,
            worker,
            InboxFilters(queue=Queue.RESOLVED, sort=Sort.DUE),
            now=utcnow(),
            after=cursor,
            limit=2,
        )
        seen += [row.ticket.id for row in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    newest_first = sorted(roads, key=lambda t: (t.created_at, t.id), reverse=True)
    assert seen == [t.id for t in newest_first]


async def test_word_search_uses_the_full_text_index_on_postgresql(
    session: AsyncSession, services: Services
) -> None:
    import sqlalchemy as sa

    from core.db import is_postgres
    from core.tickets.inbox import search_clause
    from core.tickets.models import Ticket

    await _world(session, services)
    query = sa.select(Ticket.id).where(search_clause(session, "yawning pothole"))
    if is_postgres(session):
        # A bound text-search configuration would not match the index expression, and every
        # search would read the whole table.
        await session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = "\n".join((await session.execute(sa.text(f"EXPLAIN {compiled}"))).scalars())
        assert "ix_tickets_description_search" in plan, plan
    else:
        assert "LIKE" in str(query.compile(session.get_bind())).upper()
    assert len((await session.execute(query)).all()) == 5


async def _resolved_history(session: AsyncSession, services: Services):  # type: ignore[no-untyped-def]
    """The roads partner's history: five Ukrainian and three English potholes, resolved; the
    food partner's English pothole, resolved."""
    city, worker, other, roads, food = await _world(session, services)
    en = await create_resident(session, services, "en")
    english = [
        await open_ticket(session, services, en, description=f"pothole by school {n}")
        for n in range(3)
    ]
    for ticket in [*roads, *english]:
        await services.tickets.change_status(session, worker, ticket.id, TicketStatus.RESOLVED)
    await services.tickets.change_status(session, other, food.id, TicketStatus.RESOLVED)
    return worker, other, roads, english


def _newest_first(tickets: list[Ticket]) -> list[int]:
    return [t.id for t in sorted(tickets, key=lambda t: (t.created_at, t.id), reverse=True)]


async def test_history_search_by_language_pages_newest_first_within_the_partner(
    session: AsyncSession, services: Services
) -> None:
    worker, other, roads, english = await _resolved_history(session, services)
    now = utcnow()

    async def every_page(actor: StaffActor, filters: InboxFilters) -> list[int]:
        seen: list[int] = []
        cursor = None
        for _ in range(10):
            page = await list_inbox(session, actor, filters, now=now, after=cursor, limit=2)
            seen += [row.ticket.id for row in page.rows]
            cursor = page.next_cursor
            if cursor is None:
                return seen
        raise AssertionError("the pages never ended")

    history = InboxFilters(queue=Queue.RESOLVED, search="pothole", language="uk")
    assert await every_page(worker, history) == _newest_first(roads)
    english_history = InboxFilters(queue=Queue.RESOLVED, search="pothole", language="en")
    # Not the food partner's English pothole.
    assert await every_page(worker, english_history) == _newest_first(english)
    assert await every_page(worker, InboxFilters(queue=Queue.RESOLVED, language="en")) == (
        _newest_first(english)
    )
    # A language the partner has no ticket in; a word absent from the partner's Ukrainian ones;
    # another partner's caseworker.
    for actor, filters in (
        (worker, InboxFilters(queue=Queue.RESOLVED, search="pothole", language="ar")),
        (worker, InboxFilters(queue=Queue.RESOLVED, search="school", language="uk")),
        (other, history),
    ):
        assert (await list_inbox(session, actor, filters, now=now)).rows == []


async def test_history_by_language_walks_its_own_index(
    session: AsyncSession, services: Services
) -> None:
    """A language-filtered history list walks the partner's tickets in that language, newest
    first; walking the whole history to find none took 15 ms at a million tickets."""
    import sqlalchemy as sa

    from core.db import is_postgres
    from core.tickets.inbox import filtered

    worker, *_ = await _resolved_history(session, services)
    filters = InboxFilters(queue=Queue.RESOLVED, search="pothole", language="ar")
    query = (
        sa.select(Ticket.id)
        .where(*filtered(session, worker, filters, utcnow(), None))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(51)
    )
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    if is_postgres(session):
        # Too few rows here for the planner to prefer any index: allow only ordered walks.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            await session.execute(sa.text(f"SET LOCAL {setting} = off"))
        plan = "\n".join((await session.execute(sa.text(f"EXPLAIN {compiled}"))).scalars())
    else:
        rows = await session.execute(sa.text(f"EXPLAIN QUERY PLAN {compiled}"))
        plan = "\n".join(str(row[-1]) for row in rows)
    assert "ix_tickets_closed_partner_language_created" in plan, plan
