"""The worker: scheduled jobs, each in its own transaction, never overlapping itself."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import transaction
from core.services import Services
from core.tickets.jobs import close_resolved_tickets

logger = logging.getLogger(__name__)
Job = Callable[[AsyncSession], Awaitable[object]]
CLOSE_RESOLVED_EVERY = dt.timedelta(minutes=15)


def _in_transaction(
    name: str, sessions: async_sessionmaker[AsyncSession], job: Job
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            async with transaction(sessions) as session:
                await job(session)
        except Exception:
            # One failed run must not stop the scheduler; the next run tries again.
            logger.exception("job %s failed", name)

    return run


def build_scheduler(
    services: Services, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIOScheduler:
    settings = services.settings
    scheduler = AsyncIOScheduler(timezone=settings.tz)
    auto_close_after = dt.timedelta(days=settings.auto_close_days)

    async def close_resolved(session: AsyncSession) -> None:
        await close_resolved_tickets(session, services.tickets, after=auto_close_after)

    scheduler.add_job(
        _in_transaction("close_resolved", sessions, close_resolved),
        "interval",
        seconds=CLOSE_RESOLVED_EVERY.total_seconds(),
        id="close_resolved",
        coalesce=True,
        max_instances=1,
        next_run_time=dt.datetime.now(settings.tz),
    )
    return scheduler


async def run_worker(
    services: Services, sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event
) -> None:
    """Run the scheduled jobs until `stop` is set."""
    scheduler = build_scheduler(services, sessions)
    scheduler.start()
    logger.info("worker started with jobs: %s", ", ".join(job.id for job in scheduler.get_jobs()))
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        logger.info("worker stopped")
