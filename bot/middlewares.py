"""Outer middlewares, in order: flood control, one database transaction per update (with
deduplication of re-sent updates), and the resident with their language."""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, Update, User
from redis.asyncio import Redis

from bot.deps import BotDeps
from bot.i18n import Texts
from core.channels.service import claim_update
from core.i18n import negotiate_locale
from core.residents.repository import ResidentRepository

logger = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
PRE_CONSENT_LOCALE = "locale"  # FSM key: a language chosen before consent


class PrivateChatsOnly(BaseMiddleware):
    """The desk talks to residents one to one. In a group, anything it said (a data export, a
    list of requests) would be read by strangers, and the group would become the resident's
    address for updates; so updates from anything but a private chat are ignored."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat = data.get("event_chat")
        if chat is not None and chat.type != "private":
            logger.info("ignored an update from a %s chat", chat.type)
            return None
        return await handler(event, data)


class FloodControl(BaseMiddleware):
    """A resident sending faster than the limit gets one polite message, then is slowed down
    (further updates are dropped until the window has room again). Shared through Redis when
    several bot processes run."""

    def __init__(self, deps: BotDeps, redis: Redis | None) -> None:
        self.limit = deps.settings.bot.flood_messages
        self.window = deps.settings.bot.flood_seconds
        self.deps = deps
        self.redis = redis
        self._recent: dict[int, deque[float]] = defaultdict(deque)
        self._warned: dict[int, float] = {}

    async def _count(self, user_id: int) -> int:
        """Updates from this user in the current window, including this one."""
        if self.redis is not None:
            key = f"civicdesk:flood:{user_id}:{int(time.time() // self.window)}"
            count = int(await self.redis.incr(key))
            if count == 1:
                await self.redis.expire(key, int(self.window) + 1)
            return count
        recent = self._recent[user_id]
        now = time.monotonic()
        while recent and now - recent[0] > self.window:
            recent.popleft()
        recent.append(now)
        return len(recent)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        # Button presses answer our own questions; only messages can flood.
        if user is None or not isinstance(event, Update) or event.message is None:
            return await handler(event, data)
        count = await self._count(user.id)
        if count <= self.limit:
            return await handler(event, data)
        if count == self.limit + 1:
            t = Texts(
                negotiate_locale(user.language_code, self.deps.settings.default_locale),
                self.deps.settings.tz,
                self.deps.services.context.catalog,
            )
            chat = data.get("event_chat")
            if chat is not None:
                await data["bot"].send_message(
                    chat.id,
                    t.finish(
                        t._(
                            "You are sending messages very fast. Please wait a moment, "
                            "I will read them in order."
                        )
                    ),
                )
        logger.info("flood control: dropped update from user %s (%d in window)", user.id, count)
        return None


class Database(BaseMiddleware):
    """One session per update; commit after the handler, roll back on any error. A re-sent
    update (same update_id, e.g. a webhook retry) is skipped."""

    def __init__(self, deps: BotDeps) -> None:
        self.deps = deps

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        async with self.deps.sessions() as session:
            if not await claim_update(session, event.update_id):
                logger.info("update %s was already processed; skipped", event.update_id)
                return None
            data["session"] = session
            try:
                result = await handler(event, data)
                await session.commit()
                return result
            except BaseException:
                await session.rollback()
                raise


class ResidentContext(BaseMiddleware):
    """The resident (if they have consented before) and the `Texts` in their language.

    Nobody is stored before consent: until then the language comes from Telegram, or from a
    choice kept in the conversation state.
    """

    def __init__(self, deps: BotDeps) -> None:
        self.deps = deps

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        session = data["session"]
        resident = None
        settings = self.deps.settings
        locale = settings.default_locale
        if user is not None:
            resident = await ResidentRepository(session).by_telegram_user(user.id)
            if resident is not None:
                chat = data.get("event_chat")
                resident, _ = await self.deps.services.residents.meet_on_telegram(
                    session,
                    telegram_user_id=user.id,
                    chat_id=chat.id if chat else user.id,
                    display_name=user.full_name,
                    language_code=user.language_code,
                )
                locale = resident.locale
            else:
                state: FSMContext | None = data.get("state")
                chosen = (await state.get_data()).get(PRE_CONSENT_LOCALE) if state else None
                locale = chosen or negotiate_locale(user.language_code, settings.default_locale)
        data["resident"] = resident
        data["t"] = Texts(locale, settings.tz, self.deps.services.context.catalog)
        return await handler(event, data)
