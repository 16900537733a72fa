"""The Telegram bot: the Bot client (pointed at CIVICDESK_TELEGRAM_API_URL) and its dispatcher."""

from __future__ import annotations

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Settings
from core.db import transaction
from core.i18n import gettext
from core.services import Services


def create_bot(settings: Settings) -> Bot:
    if settings.bot_token is None:
        raise ValueError("CIVICDESK_BOT_TOKEN is not set")
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(settings.bot_token.get_secret_value(), session=session)


def create_dispatcher(services: Services, sessions: async_sessionmaker[AsyncSession]) -> Dispatcher:
    router = Router(name="start")

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        if message.from_user is None:
            return
        async with transaction(sessions) as session:
            resident, _ = await services.residents.meet_on_telegram(
                session,
                telegram_user_id=message.from_user.id,
                chat_id=message.chat.id,
                display_name=message.from_user.full_name,
                language_code=message.from_user.language_code,
            )
            locale = resident.locale
        await message.answer(gettext(locale, "Hello! I am the city's service desk."))

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher
