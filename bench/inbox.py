"""Benchmark: the web inbox at 100,000 and 1,000,000 tickets in PostgreSQL.

    .venv/bin/python bench/inbox.py [--requests 400]

Seeds 20 partners and tickets in bulk (SQL generate_series): a steady open backlog of 5,000
tickets (a desk's backlog is bounded by its staff, whatever its age) and closed history for the
rest, over two years. Then 4 caseworkers of different partners, signed in over HTTP, load the
inbox concurrently against `civicdesk api` (one uvicorn worker) over loopback: the first page
with its queue counts, a deep page (keyset cursor 10 pages in), a filtered search, and the
ticket page. Prints p50/p95 per request kind at both sizes, and the 1M/100k ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import migrate  # noqa: E402
from core.access import SystemActor  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db import create_engine, create_session_factory, transaction  # noqa: E402
from core.partners.models import PartnerKind  # noqa: E402
from core.partners.schemas import PartnerData  # noqa: E402
from core.services import Services  # noqa: E402
from core.staff.models import Role  # noqa: E402
from core.staff.schemas import StaffCreate  # noqa: E402
from tests.databases import scratch_database  # noqa: E402

PARTNERS = 20
OPEN_BACKLOG = 5_000
PASSWORD = "bench password 1234"
INTENTS = [
    "pothole",
    "streetlight",
    "garbage_missed",
    "illegal_dumping",
    "graffiti",
    "water_leak",
    "noise",
    "abandoned_vehicle",
    "tree_hazard",
    "park_maintenance",
]
WORDS = ["hole", "lamp", "bins", "mattress", "spray", "leak", "music", "car", "branch", "bench"]
LANGUAGES = ["en", "es", "fr", "de", "pt", "uk", "ru", "ar", "tr", "zh"]
OPEN = ["new", "acknowledged", "in_progress", "waiting_on_resident", "reopened"]
CLOSED = ["resolved", "closed", "rejected", "duplicate"]

SEED = """
INSERT INTO tickets (reference, intent_code, partner_id, status, priority, channel, language,
    description, answers, latitude, longitude, district, attachments, is_private, reroute_count,
    created_at, updated_at, first_response_at, resolved_at, first_response_due_at, resolution_due_at)
SELECT 'B' || lpad(g::text, 9, '0'),
    (CAST(:intents AS text[]))[1 + g % 10],
    (CAST(:partners AS bigint[]))[1 + (g / 7) % CAST(:partner_count AS int)],
    CASE WHEN g <= CAST(:open_until AS bigint) THEN (CAST(:open AS text[]))[1 + g % 5]
         ELSE (CAST(:closed AS text[]))[1 + g % 4] END,
    'normal', 'telegram', (CAST(:languages AS text[]))[1 + g % 10],
    'there is a ' || (CAST(:words AS text[]))[1 + g % 10] || ' problem near house ' || g,
    '{}'::jsonb, 50.0 + (g % 1000) / 20000.0, 8.0 + (g % 997) / 20000.0, NULL, '[]'::jsonb,
    false, 0, ts, ts, ts + interval '3 hours',
    CASE WHEN g <= CAST(:open_until AS bigint) THEN NULL ELSE ts + interval '2 days' END,
    ts + interval '1 day', ts + interval '10 days' + (g % 20) * interval '1 day'
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g,
     LATERAL (SELECT now() - interval '730 days'
                  * ((CAST(:last_total AS float) - g) / CAST(:last_total AS float)) AS ts) AS t
"""


def start_api(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CIVICDESK_DATABASE_URL": url,
        "CIVICDESK_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    server = subprocess.Popen(
        [sys.executable, "-c", "from cli.main import main; main()", "api", "--port", str(port)],
        cwd=ROOT,
        env=env,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the web app did not start")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def seed_people(url: str, settings: Settings) -> tuple[list[int], list[str]]:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    services = Services.build(settings)
    actor = SystemActor("bench")
    emails = []
    async with transaction(create_session_factory(engine)) as session:
        await services.partners.save(
            session,
            actor,
            PartnerData(
                code="coordination",
                name="Coordination",
                kind=PartnerKind.MUNICIPAL,
                coordination_unit=True,
            ),
        )
        ids = []
        for number in range(PARTNERS):
            partner = await services.partners.save(
                session,
                actor,
                PartnerData(
                    code=f"p{number:02d}",
                    name=f"Partner {number}",
                    kind=PartnerKind.MUNICIPAL,
                    intents=INTENTS,
                ),
            )
            ids.append(partner.id)
            if number < 4:
                email = f"worker{number}@bench.example"
                await services.staff.add(
                    session,
                    actor,
                    StaffCreate(
                        email=email,
                        display_name=f"Worker {number}",
                        role=Role.CASEWORKER,
                        partner_code=partner.code,
                    ),
                    PASSWORD,
                )
                emails.append(email)
    await engine.dispose()
    return ids, emails


async def seed_tickets(
    url: str, partner_ids: list[int], first: int, last: int, total: int
) -> float:
    engine = create_engine(url)
    started = time.perf_counter()
    async with engine.begin() as connection:
        step = 100_000
        for start in range(first, last + 1, step):
            await connection.execute(
                sa.text(SEED),
                {
                    "intents": INTENTS,
                    "partners": partner_ids,
                    "partner_count": len(partner_ids),
                    "open": OPEN,
                    "closed": CLOSED,
                    "languages": LANGUAGES,
                    "words": WORDS,
                    "open_until": OPEN_BACKLOG,
                    "first": start,
                    "last": min(start + step - 1, last),
                    "last_total": total,
                },
            )
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(sa.text("VACUUM ANALYZE tickets"))
    await engine.dispose()
    return time.perf_counter() - started


async def sign_in(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


async def measure(base: str, emails: list[str], requests_each: int) -> dict[str, list[float]]:
    clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in emails]
    for client, email in zip(clients, emails, strict=True):
        await sign_in(client, email)
    timings: dict[str, list[float]] = {
        "first page": [],
        "deep page": [],
        "filtered search": [],
        "ticket page": [],
    }

    async def timed(kind: str, client: httpx.AsyncClient, url: str) -> str:
        started = time.perf_counter()
        response = await client.get(url)
        timings[kind].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        return response.text

    async def worker(client: httpx.AsyncClient) -> None:
        for number in range(requests_each):
            page = await timed("first page", client, "/inbox")
            ticket = re.search(r'href="/tickets/(\d+)"', page)
            history = (await client.get("/inbox?queue=resolved")).text
            cursor = ""
            for _ in range(10):  # follow 10 "next page" links; only the last page is timed
                found = re.search(r'after=([A-Za-z0-9_-]+)"', history)
                if not found:
                    break
                cursor = found.group(1)
                history = (await client.get(f"/inbox?queue=resolved&after={cursor}")).text
            await timed("deep page", client, f"/inbox?queue=resolved&after={cursor}")
            word = WORDS[number % len(WORDS)]
            await timed(
                "filtered search",
                client,
                f"/inbox?queue=resolved&q={word}&language={LANGUAGES[number % 10]}",
            )
            if ticket:
                await timed("ticket page", client, f"/tickets/{ticket.group(1)}")

    await asyncio.gather(*(worker(client) for client in clients))
    for client in clients:
        await client.aclose()
    return timings


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60, help="rounds per caseworker per size")
    args = parser.parse_args()
    async with scratch_database("postgresql", Path(os.environ.get("TMPDIR", "/tmp"))) as url:
        await run(url, args.requests)


async def run(url: str, requests: int) -> None:
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    partner_ids, emails = await seed_people(url, settings)
    results = {}
    done = 0
    for size in (100_000, 1_000_000):
        seconds = await seed_tickets(url, partner_ids, done + 1, size, 1_000_000)
        done = size
        print(f"seeded {size:,} tickets ({OPEN_BACKLOG:,} open) in {seconds:.0f}s", flush=True)
        port = free_port()
        server = await asyncio.to_thread(start_api, url, port)
        try:
            await measure(f"http://127.0.0.1:{port}", emails, 3)  # warm caches
            results[size] = await measure(f"http://127.0.0.1:{port}", emails, requests)
        finally:
            server.terminate()
            server.wait(timeout=20)
    print("\n4 caseworkers at once, one uvicorn worker, loopback; ms")
    print(
        f"{'request':18} {'100k p50':>9} {'100k p95':>9} {'1M p50':>8} {'1M p95':>8} {'1M/100k p95':>12}"
    )
    for kind in results[100_000]:
        small, large = results[100_000][kind], results[1_000_000][kind]
        print(
            f"{kind:18} {pct(small, 0.5):9.1f} {pct(small, 0.95):9.1f} {pct(large, 0.5):8.1f} "
            f"{pct(large, 0.95):8.1f} {pct(large, 0.95) / pct(small, 0.95):12.2f}"
        )
    print(f"requests per kind per size: {len(results[1_000_000]['first page'])}")


if __name__ == "__main__":
    asyncio.run(main())
