"""bench/inbox.py's baselines at 1M: what a naive inbox asks the database for, against civicdesk."""

from __future__ import annotations

import statistics
import time

import sqlalchemy as sa

from core.access import StaffActor
from core.db import create_engine, create_session_factory, utcnow
from core.staff.models import Role
from core.tickets.inbox import InboxFilters, Queue, list_inbox

NAIVE_COUNTS = """
SELECT count(*) FILTER (WHERE status = 'new'),
       count(*) FILTER (WHERE status IN ('new','acknowledged','in_progress','waiting_on_resident',
                                         'reopened') AND assignee_id IS NULL),
       count(*) FILTER (WHERE status = 'waiting_on_resident'),
       count(*) FILTER (WHERE status IN ('resolved','closed','rejected','duplicate'))
FROM tickets WHERE partner_id = :partner
"""
CAPPED_COUNTS = """
SELECT (SELECT count(*) FROM (SELECT 1 FROM tickets WHERE partner_id = :partner
        AND status = 'new' LIMIT 1000) AS n),
       (SELECT count(*) FROM (SELECT 1 FROM tickets WHERE partner_id = :partner
        AND status IN ('new','acknowledged','in_progress','waiting_on_resident','reopened')
        AND assignee_id IS NULL LIMIT 1000) AS u),
       (SELECT count(*) FROM (SELECT 1 FROM tickets WHERE partner_id = :partner
        AND status = 'waiting_on_resident' LIMIT 1000) AS w),
       (SELECT count(*) FROM (SELECT 1 FROM tickets WHERE partner_id = :partner
        AND status IN ('resolved','closed','rejected','duplicate') LIMIT 1000) AS r)
"""
HISTORY = """
SELECT * FROM tickets WHERE partner_id = :partner
  AND status IN ('resolved','closed','rejected','duplicate') {where}
ORDER BY created_at DESC, id DESC {tail}
"""


async def naive_baseline(url: str, partner_id: int) -> dict[str, tuple[float, float]]:
    """Exact counts and OFFSET paging (what a first version would do) against ours, at the DB."""
    engine = create_engine(url)
    async with engine.connect() as connection:
        keyset = "AND (created_at, id) < (:moment, :ticket)"
        queries: dict[str, tuple[tuple[str, dict[str, object]], ...]] = {
            "queue counts": ((NAIVE_COUNTS, {}), (CAPPED_COUNTS, {}))
        }
        for page in (11, 201):
            skip = (page - 1) * 50
            boundary = (
                await connection.execute(
                    sa.text(HISTORY.format(where="", tail=f"OFFSET {skip - 1} LIMIT 1")),
                    {"partner": partner_id},
                )
            ).one()
            queries[f"history page {page} (OFFSET {skip:,})"] = (
                (HISTORY.format(where="", tail=f"OFFSET {skip} LIMIT 51"), {}),
                (
                    HISTORY.format(where=keyset, tail="LIMIT 51"),
                    {"moment": boundary.created_at, "ticket": boundary.id},
                ),
            )
        figures = {}
        for label, variants in queries.items():
            medians = []
            for sql, extra in variants:
                times = []
                for _ in range(20):
                    started = time.perf_counter()
                    await connection.execute(sa.text(sql), {"partner": partner_id, **extra})
                    times.append((time.perf_counter() - started) * 1000)
                medians.append(statistics.median(times))
            figures[label] = (medians[0], medians[1])
    await engine.dispose()
    return figures


WORD_ELSEWHERE = """
SELECT * FROM tickets WHERE partner_id = :partner
  AND status IN ('resolved','closed','rejected','duplicate')
  AND to_tsvector('simple'::regconfig, coalesce(description, ''))
      @@ plainto_tsquery('simple'::regconfig, 'kiosk')
ORDER BY created_at DESC, id DESC LIMIT 51
"""


async def word_elsewhere_baseline(url: str, partner_id: int) -> tuple[float, float]:
    """A word only other partners' tickets have: the plain query, and civicdesk's inbox."""
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    async with engine.connect() as connection:
        staff_id = await connection.scalar(
            sa.text("SELECT id FROM staff WHERE partner_id = :partner"), {"partner": partner_id}
        )
    actor = StaffActor(int(staff_id), Role.CASEWORKER, partner_id)
    search = InboxFilters(queue=Queue.RESOLVED, search="kiosk")
    naive, ours = [], []
    for _ in range(20):
        async with sessions() as session:
            started = time.perf_counter()
            found = (await session.execute(sa.text(WORD_ELSEWHERE), {"partner": partner_id})).all()
            naive.append((time.perf_counter() - started) * 1000)
        async with sessions() as session:
            started = time.perf_counter()
            page = await list_inbox(session, actor, search, now=utcnow())
            ours.append((time.perf_counter() - started) * 1000)
        assert found == []
        assert page.rows == []
    await engine.dispose()
    return statistics.median(naive), statistics.median(ours)
