"""Telegram's webhook, served by the web app: check the secret, handle each update once."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_bot, create_dispatcher
from core.services import Services

logger = logging.getLogger(__name__)


@dataclass
class TelegramGateway:
    bot: Bot
    dispatcher: Dispatcher
    secret: str | None

    @classmethod
    def create(
        cls, services: Services, sessions: async_sessionmaker[AsyncSession], redis: Redis | None
    ) -> TelegramGateway:
        settings = services.settings
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        return cls(create_bot(settings), create_dispatcher(services, sessions, redis), secret)

    def authentic(self, header: str | None) -> bool:
        """Telegram sends the secret we registered; anything else is not Telegram."""
        if not self.secret or not header:
            return False
        return hmac.compare_digest(header.encode(), self.secret.encode())

    async def handle(self, update: dict[str, Any]) -> None:
        # Duplicates are dropped by the session middleware (update_id claimed in the same
        # transaction as the work), so Telegram's re-sends are harmless.
        await self.dispatcher.feed_webhook_update(self.bot, update)

    async def close(self) -> None:
        await self.dispatcher.storage.close()
        await self.bot.session.close()
