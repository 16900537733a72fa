"""Webhook mode: the web app serves /telegram/webhook over real HTTP, Telegram (the stand-in)
POSTs updates with the secret header; wrong secrets are refused, repeats handled once."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from api.app import create_app
from core import migrate
from core.db import create_engine, create_session_factory, transaction
from core.intents.catalog import Catalog
from core.services import Services
from core.tickets.models import Ticket
from tests.bot.conftest import BOT_TOKEN, button, resident
from tests.botapi import BotApiStub
from tests.conftest import make_settings
from tests.factories import create_city

SECRET = "webhook-secret-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def webhook_app(
    tmp_path: Path, catalog: Catalog
) -> AsyncIterator[tuple[BotApiStub, str, Services]]:
    stub = BotApiStub(BOT_TOKEN)
    await stub.start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'hook.db'}"
    settings = make_settings(
        database_url=url, bot_token=BOT_TOKEN, telegram_api_url=stub.url, webhook_secret=SECRET
    )
    services = Services.build(settings, catalog)
    engine = create_engine(url)
    await migrate.upgrade(engine)
    async with transaction(create_session_factory(engine)) as session:
        await create_city(session, services)
    await engine.dispose()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, services),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
        )
    )
    serving = asyncio.create_task(server.serve())
    for _ in range(200):  # up to 10 s
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started
    hook = f"http://127.0.0.1:{port}/telegram/webhook"
    await stub.api_setwebhook({"url": hook, "secret_token": SECRET})
    try:
        yield stub, hook, services
    finally:
        server.should_exit = True
        await serving
        await stub.stop()


async def test_a_report_through_the_webhook(
    webhook_app: tuple[BotApiStub, str, Services], tmp_path: Path
) -> None:
    stub, _hook, _services = webhook_app
    user = resident(40, "en")
    [welcome] = await stub.say(user, "/start")
    await stub.press(user, welcome, button(welcome, "✅"), expect=2)
    [question] = await stub.say(user, "blorp zanzibar quux")
    replies = await stub.press(user, question, button(question, "📨"), expect=2)
    assert "reference" in replies[-1]["text"].lower()
    assert all(status == 200 for status in stub.webhook_responses)


async def test_wrong_or_missing_secret_is_refused(
    webhook_app: tuple[BotApiStub, str, Services],
) -> None:
    stub, hook, _ = webhook_app
    update = {"update_id": 1, "message": stub._message_from(resident(41), text="/start")}
    async with httpx.AsyncClient() as client:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
            response = await client.post(hook, json=update, headers=headers)
            assert response.status_code == 401
        bad = await client.post(
            hook, content=b"not json", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert bad.status_code == 400
    assert stub.messages(41) == []


async def test_a_repeated_update_is_processed_once(
    webhook_app: tuple[BotApiStub, str, Services], tmp_path: Path
) -> None:
    stub, hook, services = webhook_app
    user = resident(42, "en")
    [welcome] = await stub.say(user, "/start")
    await stub.press(user, welcome, button(welcome, "✅"), expect=2)
    [question] = await stub.say(user, "blorp zanzibar quux")
    press = {
        "update_id": 999_001,
        "callback_query": {
            "id": "77",
            "from": user.as_user(),
            "chat_instance": "c",
            "message": {
                k: v for k, v in question.items() if k not in ("raw", "upload", "edits", "keyboard")
            },
            "data": button(question, "📨"),
        },
    }
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with httpx.AsyncClient(timeout=30) as client:
        first, second = await asyncio.gather(
            client.post(hook, json=press, headers=headers),
            client.post(hook, json=press, headers=headers),
        )
        third = await client.post(hook, json=press, headers=headers)
    assert first.status_code == second.status_code == third.status_code == 200
    engine = create_engine(services.settings.effective_database_url)
    async with engine.connect() as connection:
        count = (await connection.execute(sa.select(sa.func.count(Ticket.id)))).scalar_one()
    await engine.dispose()
    assert count == 1
