"""A partner's word search whose newest-first walk overruns its budget asks the partner-words
index instead: a word only other partners' tickets contain is found empty without reading the
partner's history, a rare word is found by id, a common one still pages newest first."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import StaffActor
from core.db import is_postgres, utcnow
from core.services import Services
from core.staff.models import Role
from core.tickets import inbox
from core.tickets.inbox import InboxFilters, Queue, list_inbox
from core.tickets.status import TicketStatus
from tests.factories import actor_of, create_city, create_staff, open_ticket

HISTORY = 20_000  # enough closed tickets that walking them all overruns a 1 ms budget

SEED = """
INSERT INTO tickets (reference, intent_code, partner_id, status, priority, channel, language,
    description, answers, attachments, is_private, reroute_count, created_at, updated_at,
    resolved_at)
SELECT 'H' || lpad(g::text, 9, '0'), 'pothole', :partner, 'resolved', 'normal', 'telegram', 'en',
    CASE WHEN g = 7000 THEN 'a rare kerbstone crack'
         WHEN g % 100 = 0 THEN 'an old sparse drain ' || g
         ELSE 'a common pothole ' || g END,
    '{}'::jsonb, '[]'::jsonb, false, 0,
    now() - g * interval '1 minute', now(), now() - g * interval '1 minute'
FROM generate_series(1, :count) AS g
"""


async def _everything(session: AsyncSession, actor: StaffActor, filters: InboxFilters) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        page = await list_inbox(session, actor, filters, now=utcnow(), after=cursor, limit=40)
        seen += [row.ticket.id for row in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("the pages never ended")


async def test_a_walk_over_budget_asks_the_partner_words_index(
    session: AsyncSession, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = await create_city(session, services)
    roads = actor_of(await create_staff(session, services, Role.CASEWORKER, city["roads"]))
    food = actor_of(await create_staff(session, services, Role.CASEWORKER, city["food-south"]))
    elsewhere = await open_ticket(
        session, services, None, "food_assistance", district="south",
        latitude=None, longitude=None, description="the kiosk ran out of bread",
    )  # fmt: skip
    assert elsewhere.partner_id == food.partner_id
    probes: dict[str, list[int] | None] = {}  # the roads partner's, by search
    if is_postgres(session):
        await session.execute(sa.text(SEED), {"partner": roads.partner_id, "count": HISTORY})
        await session.execute(sa.text("ANALYZE tickets"))
        monkeypatch.setattr(inbox, "WALK_BUDGET_MS", 1)
        monkeypatch.setattr(inbox, "PROBE_CAP", 100)
        real_probe = inbox._few_partner_matches

        async def spy(session: AsyncSession, partner_id: int, search: str) -> list[int] | None:
            found = await real_probe(session, partner_id, search)
            if partner_id == roads.partner_id:
                probes[search] = found
            return found

        monkeypatch.setattr(inbox, "_few_partner_matches", spy)
    else:  # SQLite searches with LIKE: the same answers, without the index
        for n in range(1, 301):
            text = f"an old sparse drain {n}" if n % 100 == 0 else f"a common pothole {n}"
            text = "a rare kerbstone crack" if n == 7 else text
            ticket = await open_ticket(session, services, None, description=text)
            await services.tickets.change_status(session, roads, ticket.id, TicketStatus.RESOLVED)

    history = Queue.RESOLVED
    # Only the food partner's ticket has the word: nothing, and no walk through the history.
    assert await _everything(session, roads, InboxFilters(queue=history, search="kiosk")) == []
    assert await _everything(session, food, InboxFilters(search="kiosk")) == [elsewhere.id]
    # A rare word in an old ticket: found by id.
    [rare] = await _everything(session, roads, InboxFilters(queue=history, search="kerbstone"))
    assert (await session.get(inbox.Ticket, rare)).description == "a rare kerbstone crack"  # type: ignore[union-attr]
    # Words in one ticket of a hundred: more matches than the probe takes, and the walk pages
    # through them newest first as always.
    sparse = await _everything(session, roads, InboxFilters(queue=history, search="sparse drain"))
    expected = await session.scalars(
        sa.select(inbox.Ticket.id)
        .where(inbox.Ticket.partner_id == roads.partner_id)
        .where(inbox.Ticket.description.like("an old sparse drain %"))
        .order_by(inbox.Ticket.created_at.desc(), inbox.Ticket.id.desc())
    )
    assert sparse == list(expected) and len(sparse) in (3, HISTORY // 100 - 1)  # 7000: kerb
    if is_postgres(session):
        assert probes == {"kiosk": [], "kerbstone": [rare], "sparse drain": None}, probes
        # The probe's expression is the migration's index expression exactly, or it reads the
        # table instead; and the settings the probe needs did not outlive it.
        assert await session.scalar(sa.text("SHOW enable_seqscan")) == "on"
        probe = inbox.partner_words_probe(roads.partner_id or 0, "kiosk")
        compiled = probe.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        await session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(await session.scalars(sa.text(f"EXPLAIN {compiled}")))
        assert "ix_tickets_partner_words" in plan, plan
        # The budget was the transaction's only: the next statement may run as long as it needs.
        timeout = await session.scalar(sa.text("SHOW statement_timeout"))
        assert timeout == "0", timeout
