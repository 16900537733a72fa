"""Building the delivery loop for a worker process: the Telegram notifier and the shared pace."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.notifications.delivery import OutboxDelivery
from core.notifications.pacing import MemoryPacer, Pacer
from core.services import Services
from worker.pacing import RedisPacer

logger = logging.getLogger(__name__)


def _sqlite_delivery_lock(data_dir: Path) -> int | None:
    """SQLite cannot lock rows, so only one process may deliver from a SQLite database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(data_dir / "delivery.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


@contextlib.asynccontextmanager
async def delivery_for(
    services: Services, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[OutboxDelivery | None]:
    """The delivery loop for this process, or None when it cannot deliver (no bot token, or
    another process already delivers from the same SQLite file)."""
    settings = services.settings
    if settings.bot_token is None:
        logger.info("delivery is off: no CIVICDESK_BOT_TOKEN; updates wait in the outbox")
        yield None
        return
    lock = None
    if sessions.kw["bind"].dialect.name == "sqlite":
        lock = _sqlite_delivery_lock(settings.data_dir)
        if lock is None:
            logger.warning("another process delivers from this SQLite database; this one won't")
            yield None
            return
    from bot.app import create_bot
    from bot.notifier import TelegramNotifier

    bot = create_bot(settings)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    pace = settings.delivery
    pacer: Pacer = (
        RedisPacer(redis, pace.rate_per_second, pace.chat_interval_seconds)
        if redis is not None
        else MemoryPacer(pace.rate_per_second, pace.chat_interval_seconds)
    )
    notifier = TelegramNotifier(bot, services.context.catalog, settings.tz, settings.default_locale)
    try:
        yield OutboxDelivery(
            sessions, notifier, pacer, pace, f"{socket.gethostname()}:{os.getpid()}"
        )
    finally:
        await bot.session.close()
        if redis is not None:
            await redis.aclose()
        if lock is not None:
            os.close(lock)
