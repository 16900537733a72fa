"""The baseline for bench/bot.py: a bare aiogram echo bot behind the same webhook harness.

python bench/echo_bot.py PORT TELEGRAM_API_URL TOKEN SECRET
"""

from __future__ import annotations

import sys

import uvicorn
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message
from fastapi import FastAPI, HTTPException, Request, Response


def build(api_url: str, token: str, secret: str) -> FastAPI:
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @router.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()
        if query.message is not None:
            await bot.send_message(query.message.chat.id, query.data or "?")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    app = FastAPI()

    @app.post("/telegram/webhook")
    async def webhook(request: Request) -> Response:
        if request.headers.get("x-telegram-bot-api-secret-token") != secret:
            raise HTTPException(401)
        await dispatcher.feed_webhook_update(bot, await request.json())
        return Response()

    return app


if __name__ == "__main__":
    port, api_url, token, secret = sys.argv[1:5]
    uvicorn.run(
        build(api_url, token, secret), host="127.0.0.1", port=int(port), log_level="warning"
    )
