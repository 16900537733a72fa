"""The worker: scheduled jobs, each in its own transaction, never overlapping itself."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import transaction
from core.digest.delivery import DigestRenderer
from core.digest.jobs import queue_last_week
from core.notifications.mail import StaffDelivery
from core.services import Services
from core.tickets.jobs import close_resolved_tickets, remind_to_rate
from core.tickets.targets import end_ping_pong, escalate_overdue
from core.tickets.translation import translate_inbound
from worker.delivery import delivery_for
from worker.joblock import job_lock
from worker.mailer import SmtpMailer
from worker.translator import LibreTranslate

logger = logging.getLogger(__name__)
Job = Callable[[AsyncSession], Awaitable[object]]
CLOSE_RESOLVED_EVERY = dt.timedelta(minutes=15)
TARGETS_EVERY = dt.timedelta(minutes=5)
REMIND_EVERY = dt.timedelta(hours=1)
TRANSLATE_EVERY = dt.timedelta(seconds=10)
DIGEST_JOB = "weekly_digest"
CATCH_UP_LOOKBACK = dt.timedelta(days=8)
STOP_JOBS_WITHIN = 10.0  # seconds for cancelled jobs to roll back before the engine closes
RunningJobs = set[asyncio.Task[object]]


def _in_transaction(
    name: str,
    sessions: async_sessionmaker[AsyncSession],
    job: Job,
    data_dir: Path,
    running: RunningJobs,
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        task = asyncio.current_task()
        if task is not None:
            running.add(task)
        try:
            async with transaction(sessions) as session, job_lock(session, name, data_dir) as mine:
                if not mine:
                    logger.info("job %s: another worker is running it", name)
                    return
                await job(session)
        except asyncio.CancelledError:
            # Shutting down mid-run: the transaction was rolled back and the next start runs
            # the job again, so this is not an error worth a traceback.
            logger.info("job %s interrupted by shutdown; it will run again", name)
        except Exception:
            # One failed run must not stop the scheduler; the next run tries again.
            logger.exception("job %s failed", name)
        finally:
            if task is not None:
                running.discard(task)

    return run


def build_scheduler(
    services: Services,
    sessions: async_sessionmaker[AsyncSession],
    running: RunningJobs | None = None,
) -> AsyncIOScheduler:
    """The scheduled jobs; `running` collects the tasks of jobs in progress, for shutdown."""
    running = set() if running is None else running
    settings = services.settings
    scheduler = AsyncIOScheduler(timezone=settings.tz)
    auto_close_after = dt.timedelta(days=settings.auto_close_days)
    remind_after = dt.timedelta(days=settings.rating_reminder_days)

    async def close_resolved(session: AsyncSession) -> None:
        await close_resolved_tickets(session, services.tickets, after=auto_close_after)

    async def escalate(session: AsyncSession) -> None:
        await escalate_overdue(session, services.tickets)

    async def ping_pong(session: AsyncSession) -> None:
        await end_ping_pong(session, services.tickets)

    async def remind(session: AsyncSession) -> None:
        await remind_to_rate(session, after=remind_after)

    translator = LibreTranslate.from_settings(settings)

    async def translate(session: AsyncSession) -> None:
        assert translator is not None
        await translate_inbound(session, translator, settings.default_locale)

    async def digest(session: AsyncSession) -> None:
        await queue_last_week(session, settings.tz)

    jobs: list[tuple[str, Job, dt.timedelta]] = [
        ("close_resolved", close_resolved, CLOSE_RESOLVED_EVERY),
        ("escalate_overdue", escalate, TARGETS_EVERY),
        ("end_ping_pong", ping_pong, TARGETS_EVERY),
        ("remind_to_rate", remind, REMIND_EVERY),
    ]
    if translator is not None:
        jobs.append(("translate_inbound", translate, TRANSLATE_EVERY))
    for name, job, every in jobs:
        scheduler.add_job(
            _in_transaction(name, sessions, job, settings.data_dir, running),
            "interval",
            seconds=every.total_seconds(),
            id=name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,  # late (a slow start, a busy loop) is better than skipped
            next_run_time=dt.datetime.now(settings.tz),
        )
    if settings.digest.enabled:
        trigger = CronTrigger.from_crontab(settings.digest.schedule, timezone=settings.tz)
        run_digest = _in_transaction(DIGEST_JOB, sessions, digest, settings.data_dir, running)
        scheduler.add_job(
            run_digest, trigger, id=DIGEST_JOB, coalesce=True, max_instances=1,
            misfire_grace_time=None,
        )  # fmt: skip
        # APScheduler forgets what was due while no worker ran: if the last scheduled time has
        # passed, run once now (the week is queued once per person, so this never sends twice).
        if last_fire_time(trigger, dt.datetime.now(settings.tz)) is not None:
            scheduler.add_job(
                run_digest, id=f"{DIGEST_JOB}_catch_up", max_instances=1, misfire_grace_time=None
            )
    return scheduler


def last_fire_time(trigger: CronTrigger, now: dt.datetime) -> dt.datetime | None:
    """The latest time the trigger fired at or before `now`, within the last week and a day."""
    fire: dt.datetime | None = trigger.get_next_fire_time(None, now - CATCH_UP_LOOKBACK)
    latest = None
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + dt.timedelta(seconds=1))
    return latest


async def run_worker(
    services: Services, sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event
) -> None:
    """Run the scheduled jobs and deliver the outbox until `stop` is set."""
    settings = services.settings
    running: RunningJobs = set()
    scheduler = build_scheduler(services, sessions, running)
    scheduler.start()
    logger.info("worker started with jobs: %s", ", ".join(job.id for job in scheduler.get_jobs()))
    try:
        async with delivery_for(services, sessions) as delivery:
            staff = StaffDelivery(
                sessions,
                SmtpMailer(settings.smtp) if settings.smtp.host else None,
                settings.delivery,
                settings.smtp.from_address,
                settings.public_url,
                settings.tz,
                digests=DigestRenderer(
                    services.context.catalog, settings.city_name, settings.public_url, settings.tz
                ),
                chat=delivery.notifier if delivery is not None else None,
                pacer=delivery.pacer if delivery is not None else None,
                # With a bot token, a process that does not deliver (another one holds the
                # SQLite delivery lock) must not cancel staff Telegram messages as "off".
                claims_telegram=delivery is not None or settings.bot_token is None,
            )
            loops = [staff.run(stop)]
            if delivery is not None:
                logger.info("delivering updates as %s", delivery.worker_name)
                loops.append(delivery.run(stop))
            await asyncio.gather(*loops)
    finally:
        scheduler.shutdown(wait=False)  # cancels the jobs in progress
        # ...which must finish rolling back and hand their connections back before the caller
        # disposes of the engine; a connection returned afterwards is closed outside its loop.
        if running:
            await asyncio.wait(set(running), timeout=STOP_JOBS_WITHIN)
        logger.info("worker stopped")
