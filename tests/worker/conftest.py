"""Delivery tests: the real delivery loop and Telegram notifier, sending to the Bot API stand-in
over loopback HTTP, from a real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import email
import socket
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from email.message import Message as MimeMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiogram import Bot
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import create_bot
from bot.notifier import TelegramNotifier
from core import migrate
from core.config import DeliverySettings
from core.db import create_engine, create_session_factory, transaction
from core.intents.catalog import Catalog
from core.notifications.delivery import OutboxDelivery, Outcome
from core.notifications.models import Outbox, OutboxState
from core.notifications.pacing import MemoryPacer, Pacer
from core.services import Services
from tests.botapi import BotApiStub
from tests.conftest import make_settings
from tests.databases import BACKENDS, scratch_database
from tests.factories import create_city

BOT_TOKEN = "424242:DELIVERY-token"
FAST = DeliverySettings(
    rate_per_second=1000, chat_interval_seconds=0, backoff_seconds=0.05, poll_seconds=0.02
)


@dataclass
class DeliveryEnv:
    stub: BotApiStub
    services: Services
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bot: Bot
    url: str

    def delivery(
        self,
        settings: DeliverySettings = FAST,
        pacer: Pacer | None = None,
        name: str = "test-worker",
        sessions: async_sessionmaker[AsyncSession] | None = None,
    ) -> OutboxDelivery:
        notifier = TelegramNotifier(
            self.bot, self.services.context.catalog, self.services.settings.tz, "en"
        )
        pacer = pacer or MemoryPacer(settings.rate_per_second, settings.chat_interval_seconds)
        return OutboxDelivery(sessions or self.sessions, notifier, pacer, settings, name)

    async def pending(self) -> int:
        async with self.sessions() as session:
            statement = sa.select(sa.func.count()).where(Outbox.state == OutboxState.PENDING)
            return int(await session.scalar(statement) or 0)

    async def drain(self, delivery: OutboxDelivery | None = None, timeout: float = 30) -> None:
        """Deliver until nothing is pending (rows waiting for a retry included)."""
        delivery = delivery or self.delivery()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await delivery.deliver_next() == Outcome.IDLE:
                if not await self.pending():
                    return
                await asyncio.sleep(0.02)
        pytest.fail(f"{await self.pending()} update(s) still pending after {timeout}s")

    async def outbox(self) -> list[Outbox]:
        async with self.sessions() as session:
            return list((await session.execute(sa.select(Outbox).order_by(Outbox.id))).scalars())

    def sends(self, chat_id: int | None = None) -> list[Any]:
        return [
            call
            for call in self.stub.calls
            if call.method == "sendMessage"
            and (chat_id is None or int(call.params["chat_id"]) == chat_id)
        ]


@contextlib.asynccontextmanager
async def delivery_env(
    backend: str, tmp_path: Path, catalog: Catalog, **settings: Any
) -> AsyncIterator[DeliveryEnv]:
    stub = BotApiStub(BOT_TOKEN)
    await stub.start()
    async with scratch_database(backend, tmp_path) as url:
        config = make_settings(
            database_url=url, bot_token=BOT_TOKEN, telegram_api_url=stub.url, **settings
        )
        services = Services.build(config, catalog)
        engine = create_engine(url)
        await migrate.upgrade(engine)
        sessions = create_session_factory(engine)
        async with transaction(sessions) as session:
            await create_city(session, services)
        bot = create_bot(config)
        try:
            yield DeliveryEnv(stub, services, engine, sessions, bot, url)
        finally:
            await bot.session.close()
            await engine.dispose()
            await stub.stop()


@pytest.fixture(params=BACKENDS)
async def denv(
    request: pytest.FixtureRequest, tmp_path: Path, catalog: Catalog
) -> AsyncIterator[DeliveryEnv]:
    async with delivery_env(request.param, tmp_path, catalog) as env:
        yield env


class Inbox:
    """A real SMTP server's handler (aiosmtpd on loopback): keeps what it received, parsed."""

    def __init__(self) -> None:
        self.received: list[MimeMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
