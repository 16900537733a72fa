"""The Telegram bot: the Bot client (pointed at CIVICDESK_TELEGRAM_API_URL) and its dispatcher."""

from __future__ import annotations

import datetime as dt

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.methods.base import Response
from aiogram.types import BotCommand, Message, Update
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.deps import BotDeps
from bot.handlers import routers
from bot.middlewares import Database, FloodControl, PrivateChatsOnly, ResidentContext
from core.config import Settings
from core.i18n import SUPPORTED_LOCALES, translations
from core.intents.learning import MatcherStore
from core.services import Services

# aiogram validates every Bot API answer with pydantic's `Response[T]`, and pydantic keeps such
# generic classes only while something else holds them: without these references each call
# rebuilt the class (about 5 ms of CPU per message sent, measured with cProfile).
_RESPONSE_TYPES = (
    Response[Message],
    Response[Message | bool],
    Response[bool],
    Response[list[Update]],
)


def create_bot(settings: Settings) -> Bot:
    if settings.bot_token is None:
        raise ValueError("CIVICDESK_BOT_TOKEN is not set")
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def create_storage(settings: Settings, redis: Redis | None) -> BaseStorage:
    """Conversations survive a restart when Redis is configured; unfinished reports expire."""
    if redis is None:
        return MemoryStorage()
    ttl = dt.timedelta(hours=settings.bot.conversation_ttl_hours)
    return RedisStorage(redis, state_ttl=ttl, data_ttl=ttl)


def create_dispatcher(
    services: Services,
    sessions: async_sessionmaker[AsyncSession],
    redis: Redis | None = None,
    matchers: MatcherStore | None = None,
) -> Dispatcher:
    deps = BotDeps(services, sessions, matchers or MatcherStore(services.context.catalog))
    # One update at a time per resident: a double tap must not file two tickets, and photos
    # sent as an album must not overwrite each other in the conversation state.
    isolation = RedisEventIsolation(redis) if redis is not None else SimpleEventIsolation()
    dispatcher = Dispatcher(
        storage=create_storage(services.settings, redis), events_isolation=isolation
    )
    dispatcher["deps"] = deps
    dispatcher.update.outer_middleware(PrivateChatsOnly())
    dispatcher.update.outer_middleware(FloodControl(deps, redis))
    dispatcher.update.outer_middleware(Database(deps))
    dispatcher.update.outer_middleware(ResidentContext(deps))
    dispatcher.include_routers(*routers())
    return dispatcher


HELP_LINES = {  # the help text's lines double as the command menu's descriptions
    "mytickets": "/mytickets: your requests and their status",
    "language": "/language: change the language",
    "privacy": "/privacy: what I keep about you",
    "mydata": "/mydata: get all your data as a file",
    "forget": "/forget: delete your data",
}


async def publish_commands(bot: Bot) -> None:
    """The command menu Telegram shows next to the text box, in each of our languages."""
    for locale in SUPPORTED_LOCALES:
        catalog = translations(locale)
        commands = []
        for name, line in HELP_LINES.items():
            translated = catalog.gettext(line)
            description = translated.split(":", 1)[1].strip() if ":" in translated else translated
            commands.append(BotCommand(command=name, description=description[:256] or name))
        await bot.set_my_commands(commands, language_code=None if locale == "en" else locale)
