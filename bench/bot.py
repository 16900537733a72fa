"""Benchmark: the bot in webhook mode on PostgreSQL, 50 residents at once, against a bare
aiogram echo bot behind the same harness.

    .venv/bin/python bench/bot.py [--residents 50] [--seconds 20]

Both bots run as a separate process (`civicdesk api`, one uvicorn worker, PostgreSQL; and
bench/echo_bot.py), answering webhook POSTs from this process, which also plays the Bot API on
loopback. Residents follow a realistic mix: reports filed from first message to submission,
questions, /mytickets. Each update's latency is the webhook round trip (the bot's own Bot API
calls included). Two phases: saturation (every resident sends as fast as answers come: the
throughput) and a realistic pace (a 1-3 s pause between a resident's messages: the latency a
resident feels, with a 1-3 s pause before every message or button press).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import migrate  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db import create_engine, create_session_factory, transaction  # noqa: E402
from core.demo.seed import DEMO_PARTNERS  # noqa: E402
from core.partners.service import parse_partners_file  # noqa: E402
from core.services import Services  # noqa: E402
from tests.botapi import BotApiStub, FakeUser  # noqa: E402
from tests.databases import scratch_database  # noqa: E402

TOKEN = "123456:BENCH-token"
SECRET = "bench-secret"
MESSAGES = {
    "report": "the street light on my corner is broken",
    "question": "when is city hall open?",
}
_update_ids = itertools.count(5_000_000)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Driver:
    def __init__(self, stub: BotApiStub, url: str) -> None:
        self.stub, self.url = stub, url
        self.pause: tuple[float, float] = (0.0, 0.0)  # a resident's pause before each update
        self.client = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=100))
        self.latencies: list[float] = []
        self.errors = 0

    async def post(self, user: FakeUser, kind: str, payload: dict[str, Any]) -> None:
        update = {"update_id": next(_update_ids), kind: payload}
        if self.pause[1]:
            await asyncio.sleep(random.uniform(*self.pause))
        started = time.perf_counter()
        response = await self.client.post(
            self.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        self.latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            self.errors += 1

    async def say(self, user: FakeUser, text: str) -> None:
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            fields["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        await self.post(user, "message", self.stub._message_from(user, **fields))

    async def press(self, user: FakeUser, label: str) -> bool:
        """Press the first button containing `label` on the bot's last message; False if none."""
        messages = self.stub.messages(user.id)
        for message in reversed(messages[-3:]):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        visible = {
                            k: v
                            for k, v in message.items()
                            if k not in ("raw", "upload", "edits", "keyboard")
                        }
                        await self.post(
                            user,
                            "callback_query",
                            {
                                "id": str(next(_update_ids)),
                                "from": user.as_user(),
                                "chat_instance": "b",
                                "message": visible,
                                "data": button["callback_data"],
                            },
                        )
                        return True
        return False

    async def locate(self, user: FakeUser) -> None:
        await self.post(
            user,
            "message",
            self.stub._message_from(
                user, location={"latitude": 50.03 + random.uniform(-0.01, 0.01), "longitude": 8.0}
            ),
        )


async def civicdesk_resident(
    driver: Driver, user: FakeUser, rng: random.Random
) -> Callable[[], Awaitable[None]]:
    await driver.say(user, "/start")
    await driver.press(user, "✅")

    async def one_round() -> None:
        choice = rng.random()
        if choice < 0.5:
            await driver.say(user, MESSAGES["report"])
            await driver.press(user, "✅")
            await driver.locate(user)
            for _ in range(4):  # duplicate offer, photo, details: skip or report anyway
                if not (await driver.press(user, "📝") or await driver.press(user, "⏭")):
                    break
            await driver.press(user, "✅ ")
        elif choice < 0.8:
            await driver.say(user, MESSAGES["question"])
        else:
            await driver.say(user, "/mytickets")

    return one_round


async def echo_resident(
    driver: Driver, user: FakeUser, rng: random.Random
) -> Callable[[], Awaitable[None]]:
    async def one_round() -> None:
        await driver.say(user, MESSAGES["report"] if rng.random() < 0.5 else MESSAGES["question"])

    return one_round


async def load(
    driver: Driver, make: Any, residents: int, seconds: float, pause: tuple[float, float]
) -> float:
    rng = random.Random(5)
    users = [
        FakeUser(9_000_000 + i, f"R{i}", rng.choice(["en", "uk", "ar", "es"]))
        for i in range(residents)
    ]
    driver.pause = (0.0, 0.0)
    rounds = [await make(driver, user, random.Random(i)) for i, user in enumerate(users)]
    driver.latencies.clear()
    driver.pause = pause
    deadline = time.perf_counter() + seconds

    async def run(one_round: Callable[[], Awaitable[None]]) -> None:
        while time.perf_counter() < deadline:
            await one_round()

    started = time.perf_counter()
    await asyncio.gather(*(run(one_round) for one_round in rounds))
    return len(driver.latencies) / (time.perf_counter() - started)


def report(name: str, rate: float, latencies: list[float], errors: int) -> None:
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"  {name:28} {rate:8.1f} upd/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   "
        f"mean {statistics.fmean(ordered):6.1f} ms   errors {errors}"
    )


def start_server(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(
        f"server did not start: {process.stderr.read().decode() if process.stderr else ''}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    stub = BotApiStub(TOKEN)
    await stub.start()
    async with scratch_database("postgresql", Path("/tmp")) as url:
        settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
        engine = create_engine(url)
        await migrate.upgrade(engine)
        async with transaction(create_session_factory(engine)) as session:
            await Services.build(settings).partners.load(
                session, _system(), parse_partners_file(DEMO_PARTNERS)
            )
        await engine.dispose()
        env = {
            **os.environ,
            "CIVICDESK_DATABASE_URL": url,
            "CIVICDESK_BOT_TOKEN": TOKEN,
            "CIVICDESK_TELEGRAM_API_URL": stub.url,
            "CIVICDESK_WEBHOOK_SECRET": SECRET,
            "CIVICDESK_LOG_LEVEL": "WARNING",
            "CIVICDESK_BOT__FLOOD_MESSAGES": "100000",
            "PYTHONPATH": str(ROOT),
        }
        print(
            f"{args.residents} residents, {args.seconds:.0f} s per phase, webhook over loopback, "
            f"PostgreSQL, one uvicorn worker per bot"
        )
        for name, command, make in (
            ("civicdesk", [sys.executable, "-m", "cli.main"], civicdesk_resident),
            ("echo bot (bare aiogram)", [sys.executable, "bench/echo_bot.py"], echo_resident),
        ):
            port = free_port()
            argv = (
                [*command, "api", "--port", str(port)]
                if name == "civicdesk"
                else [*command, str(port), stub.url, TOKEN, SECRET]
            )
            if name == "civicdesk":
                argv = [
                    sys.executable,
                    "-c",
                    "from cli.main import main; main()",
                    "api",
                    "--port",
                    str(port),
                ]
            server = start_server(argv, env, port)
            driver = Driver(stub, f"http://127.0.0.1:{port}/telegram/webhook")
            try:
                print(f"-- {name}")
                rate = await load(driver, make, args.residents, args.seconds, (0, 0))
                report("saturation", rate, driver.latencies, driver.errors)
                driver.errors = 0
                rate = await load(driver, make, args.residents, args.seconds, (1.0, 3.0))
                report("resident pace (1-3 s per step)", rate, driver.latencies, driver.errors)
            finally:
                server.terminate()
                server.wait(timeout=20)
                await driver.client.aclose()
    await stub.stop()


def _system() -> Any:
    from core.access import SystemActor

    return SystemActor("bench")


if __name__ == "__main__":
    asyncio.run(main())
