"""Benchmark: the web inbox at 100,000 and 1,000,000 tickets in PostgreSQL.

    .venv/bin/python bench/inbox.py [--seconds 10 --rounds 3 --workers N]   (needs wrk)

Seeds two scratch databases in bulk (SQL generate_series), each with 20 partners, a steady open
backlog of 5,000 tickets (a desk's backlog is bounded by its staff, whatever its age) and closed
history for the rest, over two years. Serves each with `civicdesk api --workers N` (default: one
per CPU core). Then 4 caseworkers of different partners, signed in, load the inbox at once over
loopback with wrk, one connection each: the first page with its queue counts, a deep page (10
"next page" links into the resolved history), a filtered search (words + language in the
history), and the ticket page. The sizes alternate round by round, and the figures are the
medians of the rounds' p50 and p95, so that a slow minute on a shared machine hits both alike.

Baseline, in the same run at 1M: what a naive inbox asks the database for (exact counts of
every queue, OFFSET paging) against civicdesk's capped counts and keyset cursor, timed at the
database alone; and a word search for "kiosk", which one ticket in nine of the other partners'
has and none of this partner's: the plain newest-first query against `list_inbox` (its walk
budget, then the partner-words index).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inbox_baselines import naive_baseline, word_elsewhere_baseline  # noqa: E402

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
from tests.services_available import REDIS_URL  # noqa: E402

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
    'there is a ' || (CAST(:words AS text[]))[1 + g % 10] || ' problem near house ' || g
        || CASE WHEN (g / 7) % CAST(:partner_count AS int) <> 0 AND g % 9 = 0
                THEN ' kiosk' ELSE '' END,
    '{}'::jsonb, 50.0 + (g % 1000) / 20000.0, 8.0 + (g % 997) / 20000.0, NULL, '[]'::jsonb,
    false, 0, ts, ts, ts + interval '3 hours',
    CASE WHEN g <= CAST(:open_until AS bigint) THEN NULL ELSE ts + interval '2 days' END,
    ts + interval '1 day', ts + interval '10 days' + (g % 20) * interval '1 day'
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g,
     LATERAL (SELECT now() - interval '730 days'
                  * ((CAST(:last_total AS float) - g) / CAST(:last_total AS float)) AS ts) AS t
"""


def start_api(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CIVICDESK_DATABASE_URL": url,
        "CIVICDESK_REDIS_URL": REDIS_URL,
        "CIVICDESK_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-c", "from cli.main import main; main()", "api"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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


KINDS = ("first page", "deep page", "filtered search", "ticket page")
WRK_SCRIPT = """
-- One wrk thread per caseworker: its own session cookie and its own addresses, in turn.
local sessions = __SESSIONS__
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args)
  me = sessions[id]
  turn = 0
  not_ok = 0
end
function request()
  turn = turn % #me.paths + 1
  return wrk.format("GET", me.paths[turn], {["Cookie"] = me.cookie})
end
function response(status, headers, body)
  if status ~= 200 then not_ok = not_ok + 1 end
end
function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("not_ok") end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d\\n", latency:percentile(50),
    latency:percentile(95), summary.requests, failed, e.connect + e.read + e.write + e.timeout))
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def caseworker_paths(client: httpx.AsyncClient) -> dict[str, list[str]]:
    """The addresses one caseworker will load: found by browsing, as a person would."""
    page = (await client.get("/inbox")).text
    tickets = [f"/tickets/{number}" for number in re.findall(r'href="/tickets/(\d+)"', page)]
    history = (await client.get("/inbox?queue=resolved")).text
    deep = []
    for _ in range(10):  # follow "next page" 10 times into the resolved history
        found = re.search(r'after=([A-Za-z0-9_-]+)"', history)
        if not found:
            break
        deep.append(f"/inbox?queue=resolved&after={found.group(1)}")
        history = (await client.get(deep[-1])).text
    searches = [
        f"/inbox?queue=resolved&q={word}&language={language}"
        for word, language in zip(WORDS, LANGUAGES, strict=True)
    ]
    return {
        "first page": ["/inbox"],
        "deep page": deep[-1:],
        "filtered search": searches,
        "ticket page": tickets,
    }


Person = tuple[str, dict[str, list[str]]]  # session cookie, addresses per request kind


async def sign_in_all(base: str, emails: list[str]) -> list[Person]:
    people = []
    for email in emails:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            await sign_in(client, email)
            cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
            people.append((cookie, await caseworker_paths(client)))
    return people


async def load(base: str, people: list[Person], kind: str, seconds: int) -> tuple[float, float]:
    """p50 and p95 (ms) of one request kind, every caseworker at once on its own connection."""
    sessions = ", ".join(
        f"{{cookie = {lua_string(cookie)}, "
        f"paths = {{{', '.join(lua_string(path) for path in paths[kind])}}}}}"
        for cookie, paths in people
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.replace("__SESSIONS__", "{" + sessions + "}"))
    workers = str(len(people))
    command = ["wrk", "-t", workers, "-c", workers, "-d", f"{seconds}s", "-s", script.name, base]
    try:
        run = await asyncio.to_thread(
            subprocess.run, command, capture_output=True, text=True, check=True
        )
    finally:
        os.unlink(script.name)
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", run.stdout)
    assert found, run.stdout + run.stderr
    p50, p95, _, not_ok, socket_errors = map(int, found.groups())
    if not_ok or socket_errors:
        raise SystemExit(f"{kind}: {not_ok} answers were not 200, {socket_errors} socket errors")
    return p50 / 1000, p95 / 1000


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10, help="load time per kind and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, alternating the sizes")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="API processes")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("this benchmark drives the load with wrk: apt-get install wrk")
    scratch = Path(os.environ.get("TMPDIR", "/tmp"))
    async with (
        scratch_database("postgresql", scratch) as small,
        scratch_database("postgresql", scratch) as large,
    ):
        await run({100_000: small, 1_000_000: large}, args)


async def run(databases: dict[int, str], args: argparse.Namespace) -> None:
    servers, people, bases = [], {}, {}
    try:
        for size, url in databases.items():
            settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
            partner_ids, emails = await seed_people(url, settings)
            took = await seed_tickets(url, partner_ids, 1, size, size)
            print(f"seeded {size:,} tickets ({OPEN_BACKLOG:,} open) in {took:.0f}s", flush=True)
            port = free_port()
            servers.append(await asyncio.to_thread(start_api, url, port, args.workers))
            bases[size] = f"http://127.0.0.1:{port}"
            people[size] = await sign_in_all(bases[size], emails)
            for kind in KINDS:  # warm the caches
                await load(bases[size], people[size], kind, 2)
        # The sizes alternate, so that a slower minute of a shared machine hits both alike.
        figures: dict[tuple[int, str], list[tuple[float, float]]] = {}
        for _ in range(args.rounds):
            for size in databases:
                for kind in KINDS:
                    result = await load(bases[size], people[size], kind, args.seconds)
                    figures.setdefault((size, kind), []).append(result)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)
    baseline = await naive_baseline(databases[1_000_000], partner_ids[0])
    baseline["word only other partners have"] = await word_elsewhere_baseline(
        databases[1_000_000], partner_ids[0]
    )
    print(
        f"\n4 caseworkers at once (wrk; {args.rounds} rounds of {args.seconds}s per kind, "
        f"median of the rounds), {args.workers} API workers on {os.cpu_count()} cores; ms"
    )
    print(
        f"{'request':16} {'100k p50':>9} {'100k p95':>9} {'1M p50':>8} {'1M p95':>8} "
        f"{'1M/100k p95':>12}"
    )
    for kind in KINDS:
        small50, small95 = median_pair(figures[(100_000, kind)])
        large50, large95 = median_pair(figures[(1_000_000, kind)])
        print(
            f"{kind:16} {small50:9.1f} {small95:9.1f} {large50:8.1f} {large95:8.1f} "
            f"{large95 / small95:12.2f}"
        )
    print(
        "\nat 1M, database time alone for one caseworker's partner (p50 of 20, ms; "
        "the word search: civicdesk's list_inbox, in process)"
    )
    for label, (naive, ours) in baseline.items():
        print(f"{label:34} naive {naive:8.1f}   civicdesk {ours:6.1f}   {naive / ours:6.0f}x")


def median_pair(values: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(v[0] for v in values), statistics.median(v[1] for v in values)


if __name__ == "__main__":
    asyncio.run(main())
