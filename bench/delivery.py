"""How fast, how evenly and how safely updates reach residents.

10,000 updates to 10,000 residents in PostgreSQL, delivered by 1, 2 and 4 `civicdesk worker`
processes (sharing the pace through Redis) to a Bot API stand-in on loopback that records when
each message arrives. Prints, per run: the achieved rate against the configured limit, the most
messages that arrived within any one second, duplicates and losses; then the delay from commit
to send when the workers are idle (p50, p99).

The naive baseline, in the same run: two workers that read the next pending row without
locking it and pace themselves with a sleep after each send.

    .venv/bin/python bench/delivery.py [--updates 10000] [--rate 100]

At the production default (--rate 25) 10,000 updates take 400 s per run; 100/s shows the
same behaviour four times faster.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import migrate  # noqa: E402
from core.db import create_engine, create_session_factory, utcnow  # noqa: E402
from core.notifications.models import Outbox, OutboxChannel, OutboxState  # noqa: E402
from core.residents.models import Resident  # noqa: E402
from tests.botapi import BotApiStub  # noqa: E402
from tests.databases import scratch_database  # noqa: E402
from tests.services_available import REDIS_URL  # noqa: E402
from worker.pacing import KEY_PREFIX  # noqa: E402

TOKEN = "555:BENCH-token"
UPDATE = re.compile(r"update (\d+)")
CHAT_BASE = 9_000_000
LOG = Path(os.environ.get("TMPDIR", "/tmp")) / "civicdesk-bench-delivery-workers.log"


async def seed_residents(url: str, count: int) -> None:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    now = utcnow()
    async with engine.begin() as connection:
        await connection.execute(
            sa.insert(Resident),
            [
                {
                    "telegram_user_id": CHAT_BASE + n,
                    "telegram_chat_id": CHAT_BASE + n,
                    "locale": ("en", "uk", "ar", "es", "zh")[n % 5],
                    "consent_at": now,
                    "reachable": True,
                    "created_at": now,
                    "last_seen_at": now,
                }
                for n in range(count)
            ],
        )
    await engine.dispose()


async def queue_updates(url: str, numbers: range) -> None:
    """One REPLY update per resident ("update N" to resident N), all committed at once."""
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(sa.delete(Outbox))
        ids = dict(
            (await connection.execute(sa.select(Resident.telegram_chat_id, Resident.id))).all()
        )
        await connection.execute(
            sa.insert(Outbox),
            [
                {
                    "channel": OutboxChannel.TELEGRAM,
                    "resident_id": ids[CHAT_BASE + n],
                    "template": "ticket.reply",
                    "params": {"reference": f"B{n:06d}"},
                    "text": f"update {n}",
                    "locale": ("en", "uk", "ar", "es", "zh")[n % 5],
                    "state": OutboxState.PENDING,
                    "next_attempt_at": utcnow(),
                    "attempts": 0,
                    "created_at": utcnow(),
                }
                for n in numbers
            ],
        )
    await engine.dispose()


async def clear_pace() -> None:
    redis = Redis.from_url(REDIS_URL)
    keys = [key async for key in redis.scan_iter(match=KEY_PREFIX + "*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


async def start_worker(
    url: str, stub: BotApiStub, rate: float, directory: Path
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICDESK_")}
    env.update(
        CIVICDESK_DATABASE_URL=url,
        CIVICDESK_REDIS_URL=REDIS_URL,
        CIVICDESK_BOT_TOKEN=TOKEN,
        CIVICDESK_TELEGRAM_API_URL=stub.url,
        CIVICDESK_DATA_DIR=str(directory),
        CIVICDESK_DELIVERY__RATE_PER_SECOND=str(rate),
        CIVICDESK_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from cli.main import main; main()",
        "worker",
        cwd=directory,
        env=env,
        stdout=LOG.open("ab"),
        stderr=asyncio.subprocess.STDOUT,
    )


def sends(stub: BotApiStub, since: int) -> list[tuple[float, int]]:
    found = []
    for call in stub.calls[since:]:
        if call.method == "sendMessage" and (match := UPDATE.search(str(call.params.get("text")))):
            found.append((call.at, int(match.group(1))))
    return found


def max_in_one_second(moments: list[float]) -> int:
    moments = sorted(moments)
    best, start = 0, 0
    for end, moment in enumerate(moments):
        while moment - moments[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def report(label: str, received: list[tuple[float, int]], expected: int, rate: float) -> None:
    received = [(moment, number) for moment, number in received if number < expected]
    moments = [moment for moment, _ in received]
    unique = {number for _, number in received}
    span = max(moments) - min(moments) if len(moments) > 1 else float("nan")
    achieved = (len(moments) - 1) / span
    print(
        f"{label:26} {achieved:7.1f}/s {100 * achieved / rate:5.1f}%   max in 1 s "
        f"{max_in_one_second(moments):4d} (limit {rate:.0f})   duplicates "
        f"{len(received) - len(unique):4d}   lost {expected - len(unique):4d}"
    )


async def wait_for(stub: BotApiStub, since: int, count: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while len({n for _, n in sends(stub, since)}) < count and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)


async def run_workers(
    url: str, stub: BotApiStub, args: argparse.Namespace, directory: Path
) -> None:
    for workers in (1, 2, 4):
        await queue_updates(url, range(args.updates))
        await clear_pace()
        since = len(stub.calls)
        processes = [await start_worker(url, stub, args.rate, directory) for _ in range(workers)]
        await wait_for(stub, since, args.updates, seconds=args.updates / args.rate * 2 + 60)
        if workers == 4:  # idle now: how soon does a newly committed update go out?
            delays = []
            for n in range(args.updates, args.updates + args.idle_samples):
                before = len(stub.calls)
                committed = time.monotonic()
                await queue_updates_keep(url, n, resident=(n - args.updates) % args.updates)
                await wait_for(stub, before, 1, seconds=10)
                arrived = [moment for moment, number in sends(stub, before) if number == n]
                delays.append((arrived[0] - committed) if arrived else float("inf"))
                await asyncio.sleep(0.3)
        for process in processes:
            process.terminate()
        await asyncio.gather(*(process.wait() for process in processes))
        report(f"civicdesk, {workers} worker(s)", sends(stub, since), args.updates, args.rate)
    delays.sort()
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    print(
        f"\ncommit to send when idle ({len(delays)} samples, 4 workers): "
        f"p50 {statistics.median(delays) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
    )


async def queue_updates_keep(url: str, number: int, resident: int) -> None:
    """One more update ("update `number`") for the `resident`-th resident, keeping the rest."""
    engine = create_engine(url)
    async with engine.begin() as connection:
        resident_id = await connection.scalar(
            sa.select(Resident.id).order_by(Resident.id).offset(resident).limit(1)
        )
        await connection.execute(
            sa.insert(Outbox).values(
                channel=OutboxChannel.TELEGRAM,
                resident_id=resident_id,
                template="ticket.reply",
                params={"reference": "IDLE"},
                text=f"update {number}",
                locale="en",
                state=OutboxState.PENDING,
                next_attempt_at=utcnow(),
                attempts=0,
                created_at=utcnow(),
            )
        )
    await engine.dispose()


async def naive_worker(url: str, stub: BotApiStub, rate: float, stop: float) -> None:
    """Read the next pending row (no lock), send it, mark it sent, sleep 1/rate."""
    import httpx

    engine = create_engine(url)
    sessions = create_session_factory(engine)
    async with httpx.AsyncClient(base_url=f"{stub.url}/bot{TOKEN}") as client:
        while time.monotonic() < stop:
            async with sessions() as session:
                row = await session.scalar(
                    sa.select(Outbox)
                    .where(Outbox.state == OutboxState.PENDING)
                    .order_by(Outbox.id)
                    .limit(1)
                )
                if row is None:
                    break
                chat = await session.scalar(
                    sa.select(Resident.telegram_chat_id).where(Resident.id == row.resident_id)
                )
                await client.post("/sendMessage", json={"chat_id": chat, "text": row.text})
                row.state = OutboxState.SENT
                await session.commit()
            await asyncio.sleep(1 / rate)
    await engine.dispose()


async def run_naive(url: str, stub: BotApiStub, args: argparse.Namespace) -> None:
    count = min(args.updates, int(args.rate * 20))  # 20 seconds' worth is enough to see it
    await queue_updates(url, range(count))
    since = len(stub.calls)
    stop = time.monotonic() + count / args.rate * 3 + 30
    await asyncio.gather(*(naive_worker(url, stub, args.rate, stop) for _ in range(2)))
    report("naive, 2 workers", sends(stub, since), count, args.rate)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100.0, help="configured limit per second")
    parser.add_argument("--idle-samples", type=int, default=100)
    args = parser.parse_args()
    stub = BotApiStub(TOKEN)
    await stub.start()
    directory = Path(os.environ.get("TMPDIR", "/tmp")) / f"civicdesk-bench-delivery-{os.getpid()}"
    directory.mkdir(parents=True, exist_ok=True)
    try:
        async with scratch_database("postgresql", directory) as url:
            await seed_residents(url, args.updates)
            print(
                f"{args.updates:,} updates to {args.updates:,} residents, limit {args.rate:.0f}/s, "
                "global window shared through Redis, 1 message/s per chat\n"
            )
            await run_workers(url, stub, args, directory)
            print()
            await run_naive(url, stub, args)
    finally:
        await stub.stop()


if __name__ == "__main__":
    asyncio.run(main())
