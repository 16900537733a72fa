"""End-to-end bot tests: the real dispatcher, long polling the Bot API stand-in over HTTP,
against a real database (committed, so each test gets its own), playing residents."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiogram import Bot, Dispatcher
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import create_bot, create_dispatcher
from core import migrate
from core.db import create_engine, create_session_factory, transaction
from core.intents.catalog import Catalog
from core.services import Services
from tests.botapi import BotApiStub, FakeUser
from tests.conftest import make_settings
from tests.databases import scratch_database
from tests.factories import create_city

BOT_TOKEN = "123456:TEST-token"


@dataclass
class BotEnv:
    stub: BotApiStub
    services: Services
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bot: Bot
    dispatcher: Dispatcher
    polling: asyncio.Task[Any]
    redis: Redis | None = None

    async def scalar(self, statement: Any) -> Any:
        async with self.sessions() as session:
            return (await session.execute(statement)).scalar()

    async def rows(self, statement: Any) -> list[Any]:
        async with self.sessions() as session:
            return list((await session.execute(statement)).scalars())

    async def stop_bot(self) -> None:
        with contextlib.suppress(RuntimeError):
            await self.dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.polling, 10)
        await self.bot.session.close()

    async def start_bot(self) -> None:
        """A fresh bot and dispatcher on the same database and storage, as after a restart."""
        self.bot = create_bot(self.services.settings)
        self.dispatcher = create_dispatcher(self.services, self.sessions, self.redis)
        self.polling = asyncio.create_task(
            self.dispatcher.start_polling(self.bot, handle_signals=False, polling_timeout=1)
        )
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running_bot(
    backend: str, tmp_path: Path, catalog: Catalog, *, redis: Redis | None = None, **settings: Any
) -> AsyncIterator[BotEnv]:
    stub = BotApiStub(BOT_TOKEN)
    await stub.start()
    async with scratch_database(backend, tmp_path) as url:
        config = make_settings(
            database_url=url,
            bot_token=BOT_TOKEN,
            telegram_api_url=stub.url,
            emergency_number="112",
            **settings,
        )
        services = Services.build(config, catalog)
        engine = create_engine(url)
        await migrate.upgrade(engine)
        sessions = create_session_factory(engine)
        async with transaction(sessions) as session:
            await create_city(session, services)
        env = BotEnv(stub, services, engine, sessions, None, None, None, redis)  # type: ignore[arg-type]
        await env.start_bot()
        try:
            yield env
        finally:
            await env.stop_bot()
            await engine.dispose()
            await stub.stop()


@pytest.fixture
async def env(tmp_path: Path, catalog: Catalog) -> AsyncIterator[BotEnv]:
    async with running_bot("sqlite", tmp_path, catalog) as bot_env:
        yield bot_env


def resident(number: int, language: str = "en", name: str = "Olena") -> FakeUser:
    return FakeUser(700_000 + number, name, language)


def buttons_of(message: dict[str, Any]) -> dict[str, str]:
    """Inline button label -> callback data."""
    keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {button["text"]: button["callback_data"] for row in keyboard for button in row}


def button(message: dict[str, Any], label_part: str) -> str:
    matches = [data for text, data in buttons_of(message).items() if label_part in text]
    assert matches, f"no button with {label_part!r} in {list(buttons_of(message))}"
    return matches[0]


async def consent(stub: BotApiStub, user: FakeUser) -> list[dict[str, Any]]:
    """/start and agree."""
    [welcome] = await stub.say(user, "/start")
    return await stub.press(user, welcome, button(welcome, "✅"), expect=2)


__all__ = ["BotEnv", "button", "buttons_of", "consent", "resident", "running_bot", "sa"]
