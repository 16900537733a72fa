"""Scale-out without Docker: two web processes (`civicdesk api`, webhook mode) and two workers
(`civicdesk worker`), real subprocesses on one PostgreSQL database and Redis, talking to the Bot
API stand-in.

Residents' updates are spread over both web processes (one conversation hops between them, so
its state must live in Redis) and every update is also re-sent to the other process at the same
moment, as Telegram does after a timeout; caseworkers reply and change statuses through
/api/v1 on both. Then: every update was processed once (one ticket per report, one
processed_updates row per update, no duplicate replies), every notification was sent once, in
order, and /metrics adds up all four processes (prometheus multiprocess mode).
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import os
import re
import secrets
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from core.channels.models import ProcessedUpdate
from core.db import create_engine, create_session_factory, transaction
from core.intents.catalog import Catalog
from core.notifications.models import Outbox, OutboxChannel, OutboxState
from core.residents.models import Resident
from core.services import Services
from core.staff import tokens
from core.staff.models import Role
from core.tickets.models import Ticket
from tests.bot.conftest import button
from tests.botapi import BotApiStub, FakeUser
from tests.cli.test_processes import free_port
from tests.conftest import make_settings
from tests.databases import scratch_database
from tests.factories import SYSTEM, create_city, create_staff
from tests.services_available import REDIS_URL, need

REPO = Path(__file__).resolve().parents[2]
CIVICDESK = [sys.executable, "-c", "from cli.main import main; main()"]
TOKEN = "4242:SCALE-OUT-token"
SECRET = "scale-out-webhook-secret"
RESIDENTS = 10
START_TIMEOUT = 120.0  # four processes importing aiogram at once on a busy 2-core CI box
DRAIN_TIMEOUT = 30.0
UPDATE_TEXT = re.compile(r"update (\d+)-(\d+)\b")


def environment(tmp_path: Path, database_url: str, stub: BotApiStub) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CIVICDESK_")}
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env.update(
        PYTHONPATH=str(REPO),
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        CIVICDESK_DATA_DIR=str(tmp_path / "data"),
        CIVICDESK_DATABASE_URL=database_url,
        CIVICDESK_REDIS_URL=REDIS_URL,
        CIVICDESK_BOT_TOKEN=stub.token,
        CIVICDESK_TELEGRAM_API_URL=stub.url,
        CIVICDESK_WEBHOOK_SECRET=SECRET,
        CIVICDESK_LOG_LEVEL="WARNING",
        CIVICDESK_BOT__FLOOD_MESSAGES="100",
        CIVICDESK_DELIVERY__RATE_PER_SECOND="200",
        CIVICDESK_DELIVERY__CHAT_INTERVAL_SECONDS="0.01",
        CIVICDESK_DELIVERY__POLL_SECONDS="0.05",
    )
    return env


class Cluster:
    """The four processes, and the stand-in's updates sent to the web processes."""

    def __init__(self, env: dict[str, str], tmp_path: Path) -> None:
        self.env, self.tmp_path = env, tmp_path
        self.ports = [free_port(), free_port()]
        self.processes: dict[str, asyncio.subprocess.Process] = {}
        self.http = httpx.AsyncClient(timeout=30)
        self._turn = itertools.count()
        self.posted: list[int] = []  # update ids, once each

    def url(self, index: int, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[index % 2]}{path}"

    async def start(self) -> None:
        for index, port in enumerate(self.ports):
            await self._spawn(f"api-{index}", "api", "--port", str(port))
        for index in range(2):
            await self._spawn(f"worker-{index}", "worker")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        for index in range(2):
            while True:
                await self._check_alive()
                try:
                    if (await self.http.get(self.url(index, "/readyz"))).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert loop.time() < deadline, "the web processes did not start in time"
                await asyncio.sleep(0.2)

    async def _spawn(self, name: str, *args: str) -> None:
        # Output to a file, not a pipe nobody reads while the test runs (a full pipe blocks).
        with (self.tmp_path / f"{name}.log").open("wb") as log:
            self.processes[name] = await asyncio.create_subprocess_exec(
                *CIVICDESK, *args, cwd=self.tmp_path, env=self.env, stdout=log, stderr=log
            )

    def output(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")

    async def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.returncode is not None:
                pytest.fail(f"{name} ended early:\n{self.output(name)}")

    async def stop(self) -> dict[str, str]:
        outputs = {}
        for process in self.processes.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
            outputs[name] = self.output(name)
        await self.http.aclose()
        return outputs

    async def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The stand-in's `push`: the update goes to one web process and, at the same moment,
        is re-sent to the other; both must answer 200 and only one may act on it."""
        update_id = 10_000 + len(self.posted)
        self.posted.append(update_id)
        update = {"update_id": update_id, kind: payload}
        first = next(self._turn)
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        responses = await asyncio.gather(
            *(
                self.http.post(
                    self.url(first + n, "/telegram/webhook"), json=update, headers=headers
                )
                for n in range(2)
            )
        )
        assert [response.status_code for response in responses] == [200, 200]
        return update


async def file_a_report(stub: BotApiStub, user: FakeUser) -> str:
    """The resident's whole conversation: start, consent, an unclear message, send to staff."""
    [welcome] = await stub.say(user, "/start", timeout=30)
    consented = await stub.press(user, welcome, button(welcome, "✅"), expect=2, timeout=30)
    assert len(consented) == 2, consented
    [question] = await stub.say(user, "blorp zanzibar quux", timeout=30)
    filed = await stub.press(user, question, button(question, "📨"), expect=2, timeout=30)
    assert len(filed) == 2, [message.get("text") for message in filed]
    assert "reference" in filed[-1]["text"].lower()
    return str(filed[-1]["text"])


def sends_by_chat(stub: BotApiStub) -> collections.Counter[int]:
    return collections.Counter(
        int(call.params["chat_id"]) for call in stub.calls if call.method == "sendMessage"
    )


async def outbox_by_resident(engine: Any) -> dict[int, collections.Counter[str]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            sa.select(Resident.telegram_chat_id, Outbox.state)
            .join(Resident, Resident.id == Outbox.resident_id)
            .where(Outbox.channel == OutboxChannel.TELEGRAM)
        )
        result: dict[int, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for chat_id, state in rows:
            result[int(chat_id)][str(state)] += 1
        return result


async def drained(engine: Any) -> dict[int, collections.Counter[str]]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_TIMEOUT
    while True:
        outbox = await outbox_by_resident(engine)
        if not any(states[OutboxState.PENDING.value] for states in outbox.values()):
            await asyncio.sleep(0.3)  # a send in flight is recorded in the same transaction
            return await outbox_by_resident(engine)
        assert loop.time() < deadline, f"updates still pending after {DRAIN_TIMEOUT}s"
        await asyncio.sleep(0.1)


@pytest.fixture
async def scratch_postgres(tmp_path: Path) -> AsyncIterator[str]:
    need("postgresql")
    need("redis")
    async with scratch_database("postgresql", tmp_path) as url:
        yield url


def metric(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


async def test_two_web_processes_and_two_workers_do_everything_exactly_once(
    tmp_path: Path, catalog: Catalog, scratch_postgres: str
) -> None:
    url = scratch_postgres
    stub = BotApiStub(TOKEN)
    await stub.start()
    env = environment(tmp_path, url, stub)
    migrated = await asyncio.create_subprocess_exec(
        *CIVICDESK, "db", "upgrade", cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(migrated.communicate(), 120)
    assert migrated.returncode == 0, output.decode()
    services = Services.build(make_settings(database_url=url), catalog)
    engine = create_engine(url)
    async with transaction(create_session_factory(engine)) as session:
        await create_city(session, services)
        coordinator = await create_staff(session, services, Role.COORDINATOR)
        _, secret = await tokens.create_token(session, SYSTEM, coordinator.id, "scale-out")
    bearer = {"Authorization": f"Bearer {secret}"}

    cluster = Cluster(env, tmp_path)
    stub.push = cluster.push  # type: ignore[method-assign]
    # Fresh Telegram ids each run: Redis (conversations, flood counters) outlives the database.
    base = 800_000_000 + secrets.randbelow(10**8)
    users = [FakeUser(base + number, f"Resident{number}", "en") for number in range(RESIDENTS)]
    try:
        await cluster.start()
        # -- residents file reports through both web processes, every update sent twice ----
        await asyncio.gather(*(file_a_report(stub, user) for user in users))
        async with engine.connect() as connection:
            tickets = (
                await connection.execute(
                    sa.select(Ticket.id, Resident.telegram_chat_id)
                    .join(Resident, Resident.id == Ticket.resident_id)
                    .order_by(Ticket.id)
                )
            ).all()
            processed = (
                (await connection.execute(sa.select(ProcessedUpdate.update_id))).scalars().all()
            )
        assert sorted(chat for _, chat in tickets) == [user.id for user in users]  # one each
        assert sorted(processed) == sorted(cluster.posted)  # each update once, none lost
        before = await drained(engine)
        sent_before = sends_by_chat(stub)

        # -- caseworkers act through both web processes ---------------------------------
        async def work_on(index: int, ticket_id: int) -> None:
            steps: list[tuple[str, dict[str, str]]] = [
                ("reply", {"text": f"update {index}-0"}),
                ("status", {"status": "in_progress"}),
                ("reply", {"text": f"update {index}-1"}),
            ]
            for step, (action, body) in enumerate(steps):
                path = f"/api/v1/tickets/{ticket_id}/{action}"
                response = await cluster.http.post(
                    cluster.url(index + step, path), json=body, headers=bearer
                )
                assert response.status_code == 200, response.text

        await asyncio.gather(*(work_on(i, ticket_id) for i, (ticket_id, _) in enumerate(tickets)))
        after = await drained(engine)
        sent_after = sends_by_chat(stub)
        index_of = {chat: index for index, (_, chat) in enumerate(tickets)}
        received: dict[int, list[int]] = collections.defaultdict(list)
        for call in stub.calls:
            found = UPDATE_TEXT.search(str(call.params.get("text", "")))
            if call.method == "sendMessage" and found:
                assert index_of[int(call.params["chat_id"])] == int(found.group(1))
                received[int(found.group(1))].append(int(found.group(2)))
        assert received == {index: [0, 1] for index in range(RESIDENTS)}  # once each, in order
        for user in users:
            states = after[user.id]
            assert set(states) == {OutboxState.SENT.value}, states
            new_rows = states[OutboxState.SENT.value] - before[user.id][OutboxState.SENT.value]
            assert new_rows >= 3  # two replies and the status change
            # Every message the workers sent is one outbox row: nothing was sent twice.
            assert sent_after[user.id] - sent_before[user.id] == new_rows
        async with engine.connect() as connection:
            senders = set(
                (await connection.execute(sa.select(Outbox.claimed_by).distinct())).scalars()
            )
        assert len(senders - {None}) == 2, senders  # both workers delivered

        # -- /metrics on either web process adds up all four processes -------------------
        text = (await cluster.http.get(cluster.url(0, "/metrics"))).text
        assert metric(text, "civicdesk_tickets_created_total", channel="telegram") == RESIDENTS
        assert metric(text, "civicdesk_matcher_decisions_total", outcome="unknown") == RESIDENTS
        delivered = sum(after[user.id][OutboxState.SENT.value] for user in users)
        assert metric(text, "civicdesk_updates_delivered_total", outcome="sent") == delivered
        assert metric(text, "civicdesk_delivery_lag_seconds_count") == delivered
        route = "/api/v1/tickets/{ticket_id}/reply"
        replies = metric(
            text, "civicdesk_http_request_duration_seconds_count",
            route=route, method="POST", status="2xx",
        )  # fmt: skip
        assert replies == 2 * RESIDENTS
    finally:
        outputs = await cluster.stop()
        await engine.dispose()
        await stub.stop()
    for name, output in outputs.items():
        assert "Traceback" not in output, f"{name}:\n{output}"
    for name, process in cluster.processes.items():
        assert process.returncode == 0, f"{name} exited with {process.returncode}"
