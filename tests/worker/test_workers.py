"""Several workers at once on PostgreSQL, and a worker killed in the middle of its work."""

from __future__ import annotations

import asyncio
import collections
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from redis.asyncio import Redis

from core.config import DeliverySettings
from core.db import create_engine, create_session_factory, transaction
from core.intents.catalog import Catalog
from core.staff.models import Role
from tests.factories import actor_of, create_resident, create_staff, open_ticket
from tests.services_available import REDIS_URL, need
from tests.worker.conftest import DeliveryEnv, delivery_env
from worker.pacing import KEY_PREFIX, RedisPacer

REPO = Path(__file__).resolve().parents[2]
UPDATE = re.compile(r"update (\d+)-(\d+)\b")


async def _replies(env: DeliveryEnv, residents: int, per_resident: int) -> None:
    """`per_resident` caseworker replies "update R-N" to each of `residents` residents."""
    services = env.services
    async with transaction(env.sessions) as session:
        worker = actor_of(await create_staff(session, services, Role.COORDINATOR))
        tickets = []
        for _ in range(residents):
            resident = await create_resident(session, services, "en")
            tickets.append(await open_ticket(session, services, resident))
    for number in range(per_resident):
        async with transaction(env.sessions) as session:
            for index, ticket in enumerate(tickets):
                text = f"update {index}-{number}"
                await services.conversation.reply(session, worker, ticket.id, text)


def _delivered(env: DeliveryEnv) -> dict[int, list[int]]:
    """Per resident, the numbers of the updates they received, in the order received."""
    received: dict[int, list[int]] = collections.defaultdict(list)
    for call in env.stub.calls:
        if call.method == "sendMessage" and (found := UPDATE.search(call.params["text"])):
            received[int(found.group(1))].append(int(found.group(2)))
    return received


async def _clear_pace(redis: Redis) -> None:
    keys = [key async for key in redis.scan_iter(match=KEY_PREFIX + "*")]
    if keys:
        await redis.delete(*keys)


async def test_two_workers_never_send_the_same_row_and_share_the_pace(
    tmp_path: Path, catalog: Catalog
) -> None:
    need("redis")
    redis = Redis.from_url(REDIS_URL)
    await _clear_pace(redis)
    async with delivery_env("postgresql", tmp_path, catalog) as env:
        await _replies(env, residents=30, per_resident=10)
        pace = DeliverySettings(rate_per_second=100, chat_interval_seconds=0, poll_seconds=0.02)
        engines = [create_engine(env.url) for _ in range(2)]
        workers = [
            env.delivery(
                pace,
                RedisPacer(redis, pace.rate_per_second, 0),
                name=f"worker-{number}",
                sessions=create_session_factory(engine),
            )
            for number, engine in enumerate(engines)
        ]
        try:
            await asyncio.gather(*(env.drain(worker, timeout=60) for worker in workers))
        finally:
            for engine in engines:
                await engine.dispose()
        received = _delivered(env)
        assert sorted(received) == list(range(30))
        for numbers in received.values():
            assert numbers == list(range(10))  # each once, in the order written
        senders = {row.claimed_by for row in await env.outbox()}
        assert senders == {"worker-0", "worker-1"}
        moments = sorted(call.at for call in env.sends())
        assert len(moments) == 300
        for index, moment in enumerate(moments):
            assert sum(1 for m in moments[index : index + 120] if m - moment < 1.0) <= 100
    await redis.aclose()


async def _run_worker(env: DeliveryEnv, tmp_path: Path) -> asyncio.subprocess.Process:
    variables = {k: v for k, v in os.environ.items() if not k.startswith("CIVICDESK_")}
    variables.update(
        CIVICDESK_DATA_DIR=str(tmp_path / "data"),
        CIVICDESK_DATABASE_URL=env.url,
        CIVICDESK_REDIS_URL=REDIS_URL,
        CIVICDESK_BOT_TOKEN=env.stub.token,
        CIVICDESK_TELEGRAM_API_URL=env.stub.url,
        CIVICDESK_DELIVERY__RATE_PER_SECOND="400",
        CIVICDESK_DELIVERY__CHAT_INTERVAL_SECONDS="0.01",
        CIVICDESK_DELIVERY__POLL_SECONDS="0.05",
        PYTHONPATH=str(REPO),
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from cli.main import main; main()",
        "worker",
        cwd=tmp_path,
        env=variables,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def _until_sent(env: DeliveryEnv, count: int, process: asyncio.subprocess.Process) -> None:
    for _ in range(1200):
        if len(env.sends()) >= count:
            return
        if process.returncode is not None:
            output = await process.stdout.read() if process.stdout else b""
            pytest.fail(f"the worker ended early:\n{output.decode()}")
        await asyncio.sleep(0.05)
    pytest.fail(f"only {len(env.sends())} of {count} updates were sent within a minute")


async def test_a_killed_worker_loses_nothing_and_repeats_at_most_one_update(
    tmp_path: Path, catalog: Catalog
) -> None:
    need("redis")
    redis = Redis.from_url(REDIS_URL)
    await _clear_pace(redis)
    await redis.aclose()
    async with delivery_env("postgresql", tmp_path, catalog) as env:
        await _replies(env, residents=100, per_resident=10)
        kills = 0
        for target in (250, 600):
            process = await _run_worker(env, tmp_path)
            await _until_sent(env, target, process)
            process.send_signal(signal.SIGKILL)  # no chance to finish anything
            await process.wait()
            kills += 1
        process = await _run_worker(env, tmp_path)
        try:
            for _ in range(1200):
                if not await env.pending():
                    break
                await asyncio.sleep(0.05)
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, output.decode()
        assert await env.pending() == 0
        received = _delivered(env)
        assert sorted(received) == list(range(100))
        duplicates = 0
        for numbers in received.values():
            assert sorted(set(numbers)) == list(range(10)), "an update was lost"
            assert numbers == sorted(numbers), "a resident's updates arrived out of order"
            duplicates += len(numbers) - len(set(numbers))
        assert duplicates <= kills
