"""The stand-in answers aiogram's real client the way api.telegram.org does."""

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from tests.botapi import BotApiStub, FakeUser


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    server = BotApiStub()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(stub: BotApiStub) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(stub.url))
    client = Bot(stub.token, session=session)
    yield client
    await client.session.close()


async def test_get_me_and_send_message_with_keyboard(stub: BotApiStub, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "city_desk_test_bot"
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Yes", callback_data="y")]]
    )
    sent = await bot.send_message(
        42, "<b>Hi</b> &amp; welcome", parse_mode="HTML", reply_markup=keyboard
    )
    assert sent.chat.id == 42 and sent.text == "Hi & welcome"
    assert stub.last(42)["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "y"
    edited = await bot.edit_message_text("changed", chat_id=42, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.text == "changed"


async def test_get_updates_long_polls_and_confirms_offsets(stub: BotApiStub, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert time.monotonic() - started >= 0.9  # it really waited
    user = FakeUser(7, "Olena", "uk")
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    await stub.push("message", stub._message_from(user, text="hello"))
    [update] = await waiting
    assert update.message is not None and update.message.text == "hello"
    assert update.message.from_user is not None and update.message.from_user.language_code == "uk"
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == []


async def test_callback_queries_files_and_documents(stub: BotApiStub, bot: Bot) -> None:
    user = FakeUser(8)
    sent = await bot.send_message(8, "pick")
    await stub.push(
        "callback_query",
        {
            "id": "1",
            "from": user.as_user(),
            "chat_instance": "c",
            "message": stub.last(8),
            "data": "x",
        },
    )
    await stub.send_photo(user, b"JPEGDATA", expect=0)
    updates = await bot.get_updates(timeout=1)
    assert updates[0].callback_query is not None and updates[0].callback_query.data == "x"
    assert updates[0].callback_query.message is not None
    assert updates[0].callback_query.message.message_id == sent.message_id
    photo = updates[1].message.photo  # type: ignore[union-attr]
    assert photo is not None
    downloaded = await bot.download(photo[-1].file_id)
    assert downloaded is not None and downloaded.read() == b"JPEGDATA"
    await bot.send_document(8, BufferedInputFile(b'{"a": 1}', filename="mydata.json"))
    assert stub.uploads[-1] == ("document", "mydata.json", b'{"a": 1}')
    assert await bot.answer_callback_query("1")


async def test_injected_errors(stub: BotApiStub, bot: Bot) -> None:
    stub.fail("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(9, "x")
    assert caught.value.retry_after == 3
    stub.block(9)
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(9, "x")
    assert (await bot.send_message(10, "fine")).text == "fine"


async def test_webhook_mode_posts_updates_with_the_secret(stub: BotApiStub, bot: Bot) -> None:
    from aiohttp import web

    received: list[tuple[str | None, dict]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        await stub.push("message", stub._message_from(FakeUser(5), text="via webhook"))
        for _ in range(50):
            if received:
                break
            await asyncio.sleep(0.05)
        assert received[0][0] == "s3cret" and received[0][1]["message"]["text"] == "via webhook"
        with pytest.raises(Exception, match="Conflict"):
            await bot.get_updates()
        assert await bot.delete_webhook()
    finally:
        await runner.cleanup()
