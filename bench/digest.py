"""Benchmark: the weekly digest for every manager at 100,000 and 1,000,000 tickets in PostgreSQL.

    .venv/bin/python bench/digest.py [--sizes 100000 1000000]

Seeds a scratch database per size in bulk (SQL generate_series): 20 partners plus the
coordination unit, tickets arriving at the same steady rate (about 9,600 a week) so that 1M
tickets are two years of history and 100k about ten weeks; each ticket with its first
response, resolution or rejection, its "resolved" audit event, a rating for a third of the
resolved ones, and a reopening for one in thirty. 2 managers per partner (languages in turn),
2 coordinators, an admin and the coordination unit's manager.

Then, in a fresh process per size (so that peak memory is that size's own), the weekly job as the
worker runs it: freeze last week's figures for the city and every partner and queue the digest
for everyone, then render every queued mail (figures, charts, HTML, text, MIME) as the delivery
loop does, without an SMTP server. Prints the time of each step and the peak memory (max RSS).

Naive baseline, in the same run: the city's figures computed the way this project forbids, by
loading every ticket into Python (time and peak memory in its own process).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import migrate  # noqa: E402
from core.access import SystemActor  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db import create_engine, create_session_factory, transaction, utcnow  # noqa: E402
from core.digest.delivery import DigestRenderer  # noqa: E402
from core.digest.render import digest_mail  # noqa: E402
from core.digest.service import queue_week  # noqa: E402
from core.digest.weeks import Week  # noqa: E402
from core.notifications.models import Outbox, OutboxChannel  # noqa: E402
from core.partners.models import PartnerKind  # noqa: E402
from core.partners.schemas import PartnerData  # noqa: E402
from core.services import Services  # noqa: E402
from core.staff.models import Role, Staff  # noqa: E402
from core.staff.schemas import StaffCreate  # noqa: E402
from tests.databases import scratch_database  # noqa: E402

PARTNERS = 20
SECONDS_BETWEEN_TICKETS = 63  # 1,000,000 tickets in 730 days
OPEN_RECENT = 5_000  # the newest tickets are still open (a desk's backlog is bounded)
INTENTS = ["pothole", "streetlight", "garbage_missed", "illegal_dumping", "graffiti",
           "water_leak", "noise", "abandoned_vehicle", "tree_hazard", "park_maintenance"]  # fmt: skip
LANGUAGES = ["en", "es", "fr", "de", "pt", "uk", "ru", "ar", "tr", "zh"]
DISTRICTS = ["north", "south", "old-town", "harbour", "hills", "riverside"]
OPEN = ["new", "acknowledged", "in_progress", "waiting_on_resident", "reopened"]

SEED_TICKETS = """
INSERT INTO tickets (id, reference, intent_code, partner_id, status, priority, channel, language,
    description, answers, district, attachments, is_private, reroute_count, escalation_level,
    created_at, updated_at, first_response_at, resolved_at, closed_at,
    first_response_due_at, resolution_due_at)
SELECT g, 'D' || lpad(g::text, 9, '0'),
    (CAST(:intents AS text[]))[1 + g % 10],
    (CAST(:partners AS bigint[]))[1 + (g / 7) % CAST(:partner_count AS int)],
    CASE WHEN g > CAST(:open_after AS bigint) OR g % 997 = 0
              THEN (CAST(:open AS text[]))[1 + g % 5]
         WHEN g % 29 = 0 THEN 'rejected'
         WHEN g % 2 = 0 THEN 'closed' ELSE 'resolved' END,
    'normal', 'telegram', (CAST(:languages AS text[]))[1 + (g / 3) % 10],
    'a problem near house ' || g, '{}'::jsonb,
    CASE WHEN g % 13 = 0 THEN NULL ELSE (CAST(:districts AS text[]))[1 + g % 6] END,
    '[]'::jsonb, false, 0, 0,
    ts, ts, ts + (1 + g % 40) * interval '1 hour',
    CASE WHEN g > CAST(:open_after AS bigint) OR g % 997 = 0 OR g % 29 = 0 THEN NULL
         ELSE ts + (2 + g % 200) * interval '1 hour' END,
    CASE WHEN g > CAST(:open_after AS bigint) OR g % 997 = 0 THEN NULL
         WHEN g % 29 = 0 THEN ts + interval '5 hours'
         WHEN g % 2 = 0 THEN ts + (2 + g % 200) * interval '1 hour' + interval '7 days'
         ELSE NULL END,
    ts + interval '16 hours', ts + interval '80 hours'
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g,
     LATERAL (SELECT CAST(:newest AS timestamptz)
                  - (CAST(:total AS bigint) - g) * CAST(:spacing AS int) * interval '1 second'
                  AS ts) AS t
"""
SEED_EVENTS = """
INSERT INTO ticket_events (ticket_id, kind, actor_type, before, after, visibility, created_at)
SELECT id, 'status_changed', 'staff', '{"status": "in_progress"}'::jsonb,
       '{"status": "resolved"}'::jsonb, 'public', resolved_at
FROM tickets WHERE resolved_at IS NOT NULL AND id BETWEEN :first AND :last
UNION ALL
SELECT id, 'status_changed', 'resident', '{"status": "resolved"}'::jsonb,
       '{"status": "reopened"}'::jsonb, 'public', resolved_at + interval '2 days'
FROM tickets WHERE resolved_at IS NOT NULL AND id % 31 = 0 AND id BETWEEN :first AND :last
"""
SEED_RATINGS = """
INSERT INTO ratings (ticket_id, answer, score, comment, created_at)
SELECT id, (ARRAY['yes', 'partly', 'no', 'yes', 'yes'])[1 + id % 5], 1 + id % 5,
       CASE WHEN id % 7 = 0 THEN 'comment number ' || id || ' about the work done' END,
       resolved_at + interval '1 day'
FROM tickets WHERE resolved_at IS NOT NULL AND id % 3 = 0 AND id BETWEEN :first AND :last
"""


async def seed(url: str, size: int) -> float:
    started = time.perf_counter()
    engine = create_engine(url)
    await migrate.upgrade(engine)
    services = Services.build(Settings(_env_file=None))  # type: ignore[call-arg]
    actor = SystemActor("bench")
    partner_ids = []
    async with transaction(create_session_factory(engine)) as session:
        unit = PartnerData(code="coordination", name="Coordination",
                           kind=PartnerKind.MUNICIPAL, coordination_unit=True)  # fmt: skip
        await services.partners.save(session, actor, unit)
        people = [("coordinator0", Role.COORDINATOR, None), ("coordinator1", Role.COORDINATOR, None),
                  ("admin0", Role.ADMIN, None), ("unitmanager", Role.MANAGER, "coordination")]  # fmt: skip
        for number in range(PARTNERS):
            data = PartnerData(code=f"p{number:02d}", name=f"Partner {number}",
                               kind=PartnerKind.MUNICIPAL, intents=INTENTS)  # fmt: skip
            partner_ids.append((await services.partners.save(session, actor, data)).id)
            people += [(f"manager{number}-{n}", Role.MANAGER, f"p{number:02d}") for n in (0, 1)]
        for index, (name, role, partner) in enumerate(people):
            member, _ = await services.staff.add(
                session, actor,
                StaffCreate(email=f"{name}@bench.example", display_name=name, role=role,
                            partner_code=partner),
            )  # fmt: skip
            member.locale = LANGUAGES[index % len(LANGUAGES)]
    step = 100_000
    async with engine.begin() as connection:
        for first in range(1, size + 1, step):
            last = min(first + step - 1, size)
            await connection.execute(
                sa.text(SEED_TICKETS),
                {"intents": INTENTS, "partners": partner_ids, "partner_count": PARTNERS,
                 "open": OPEN, "languages": LANGUAGES, "districts": DISTRICTS,
                 "open_after": size - OPEN_RECENT, "first": first, "last": last, "total": size,
                 "spacing": SECONDS_BETWEEN_TICKETS, "newest": utcnow()},
            )  # fmt: skip
            for statement in (SEED_EVENTS, SEED_RATINGS):
                await connection.execute(sa.text(statement), {"first": first, "last": last})
        await connection.execute(sa.text(f"SELECT setval('tickets_id_seq', {size})"))
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(sa.text("VACUUM ANALYZE"))
    await engine.dispose()
    return time.perf_counter() - started


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def weekly_job(url: str) -> dict[str, float]:
    """What the worker does on Monday morning, step by step, in this process."""
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    services = Services.build(settings)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    week = Week.last_complete(utcnow(), settings.tz)
    started = time.perf_counter()
    async with transaction(sessions) as session:
        rows = await queue_week(session, week, settings.tz)
    queued = time.perf_counter()
    renderer = DigestRenderer(
        services.context.catalog, settings.city_name, settings.public_url, settings.tz
    )
    sizes = []
    async with sessions() as session:
        for row in rows:
            if row.channel != OutboxChannel.EMAIL:
                continue
            member = await session.get(Staff, row.staff_id)
            assert member is not None
            loaded = await session.get(Outbox, row.id)
            assert loaded is not None
            mail = digest_mail(
                await renderer.render_row(session, loaded, member),
                "desk@bench.example",
                member.email,
            )
            sizes.append(len(mail.as_bytes()))
    rendered = time.perf_counter()
    await engine.dispose()
    return {
        "figures_s": queued - started,
        "render_s": rendered - queued,
        "total_s": rendered - started,
        "mails": len(sizes),
        "mail_kb": statistics.mean(sizes) / 1024 if sizes else 0.0,
        "peak_mb": peak_mb(),
    }


async def naive_city_figures(url: str) -> dict[str, float]:
    """The baseline: every ticket of the city loaded into Python to compute one week."""
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    engine = create_engine(url)
    start, end = Week.last_complete(utcnow(), settings.tz).bounds(settings.tz)
    started = time.perf_counter()
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                sa.text("SELECT created_at, first_response_at, resolved_at, closed_at, "
                        "resolution_due_at, language, district, partner_id FROM tickets")
            )
        ).all()  # fmt: skip
    resolved = sorted(
        (row.resolved_at - row.created_at).total_seconds()
        for row in rows
        if row.resolved_at is not None and start <= row.resolved_at < end
    )
    backlog = [row for row in rows if row.created_at < end and not (
        (row.resolved_at and row.resolved_at < end) or (row.closed_at and row.closed_at < end))]  # fmt: skip
    _ = (statistics.median(resolved) if resolved else None, len(backlog))
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return {"total_s": elapsed, "peak_mb": peak_mb(), "tickets_loaded": len(rows)}


def in_child(function: str, url: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", function, url],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout  # fmt: skip
    return dict(json.loads(output.strip().splitlines()[-1]))


async def main(sizes: list[int]) -> None:
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for size in sizes:
            async with scratch_database("postgresql", Path(scratch)) as url:
                seeded = await seed(url, size)
                print(f"seeded {size:,} tickets in {seeded:.0f} s", flush=True)
                job = in_child("weekly_job", url)
                naive = in_child("naive_city_figures", url)
                results[size] = (job, naive)
                print(f"{size:>9,}: {json.dumps(job)}  naive: {json.dumps(naive)}", flush=True)
    print("\n| tickets | figures (21 scopes) | render (mails) | total | peak memory "
          "| naive city figures | naive peak |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for size, (job, naive) in results.items():
        print(f"| {size:,} | {job['figures_s']:.2f} s | {job['render_s']:.2f} s "
              f"({job['mails']:.0f}, {job['mail_kb']:.0f} KB each) | {job['total_s']:.2f} s "
              f"| {job['peak_mb']:.0f} MB | {naive['total_s']:.2f} s | {naive['peak_mb']:.0f} MB |")  # fmt: skip
    if len(results) >= 2:
        small, large = min(results), max(results)
        ratio = results[large][0]["total_s"] / results[small][0]["total_s"]
        print(f"\n{large:,} / {small:,} total time: {ratio:.2f}x (target <= 1.5x; "
              f"<= 10 s and <= 300 MB at 1M)")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        result = asyncio.run(globals()[sys.argv[2]](sys.argv[3]))
        print(json.dumps(result))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    asyncio.run(main(parser.parse_args().sizes))
