"""The scheduler: the digest on its cron line, a missed run caught up once on start, and only one
worker running a job at a time (PostgreSQL advisory lock, or a file lock on SQLite)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import create_engine, create_session_factory
from core.intents.catalog import Catalog
from core.services import Services
from tests.conftest import make_settings
from tests.databases import scratch_database
from tests.worker.conftest import delivery_env
from worker import runner
from worker.joblock import job_lock
from worker.runner import DIGEST_JOB, build_scheduler, last_fire_time, run_worker

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_last_fire_time_is_found_across_a_clock_change() -> None:
    trigger = CronTrigger.from_crontab("0 8 * * mon", timezone=BERLIN)
    # Monday 26 October 2026, the day after clocks went back: 08:00 CET is 07:00 UTC.
    after = dt.datetime(2026, 10, 26, 7, 30, tzinfo=dt.UTC)
    assert last_fire_time(trigger, after) == dt.datetime(2026, 10, 26, 8, tzinfo=BERLIN)
    before = dt.datetime(2026, 10, 26, 6, 59, tzinfo=dt.UTC)
    assert last_fire_time(trigger, before) == dt.datetime(2026, 10, 19, 8, tzinfo=BERLIN)


def test_the_digest_job_is_scheduled_and_a_missed_run_caught_up(services: Services) -> None:
    settings = make_settings(digest={"schedule": "30 7 * * tue"})
    built = Services.build(settings, services.context.catalog)
    engine = create_engine("sqlite+aiosqlite://")
    scheduler = build_scheduler(built, create_session_factory(engine))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    digest = jobs[DIGEST_JOB]
    assert isinstance(digest.trigger, CronTrigger)
    assert str(digest.trigger.timezone) == "Europe/Berlin"
    assert digest.coalesce is True and digest.max_instances == 1
    # A weekly schedule has always fired within the last eight days: catch up once on start.
    assert f"{DIGEST_JOB}_catch_up" in jobs
    off = build_scheduler(
        Services.build(make_settings(digest={"enabled": False}), services.context.catalog),
        create_session_factory(engine),
    )
    assert DIGEST_JOB not in {job.id for job in off.get_jobs()}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_only_one_worker_runs_a_job_at_a_time(backend: str, tmp_path: Path) -> None:
    async with scratch_database(backend, tmp_path) as url:
        engine = create_engine(url)
        sessions = create_session_factory(engine)
        try:
            async with (
                sessions() as first,
                first.begin(),
                job_lock(first, DIGEST_JOB, tmp_path) as mine,
            ):
                assert mine
                async with sessions() as second, second.begin():
                    async with job_lock(second, DIGEST_JOB, tmp_path) as theirs:
                        assert not theirs
                    async with job_lock(second, "another_job", tmp_path) as other:
                        assert other
            # The first transaction ended (and with it the lock): the next run may go.
            async with (
                sessions() as third,
                third.begin(),
                job_lock(third, DIGEST_JOB, tmp_path) as later,
            ):
                assert later
        finally:
            await engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_stopping_waits_for_a_running_job_to_roll_back(
    backend: str, tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job still running at shutdown is cancelled and has rolled back and returned its
    connection when the worker returns, before the caller disposes of the engine (a connection
    handed back later is closed outside its event loop, with a traceback)."""
    started, rolled_back = asyncio.Event(), asyncio.Event()

    async def slow_job(session: AsyncSession, *args: object, **kwargs: object) -> None:
        await session.execute(sa.text("SELECT 1"))
        started.set()
        try:
            await asyncio.sleep(60)
        finally:
            rolled_back.set()

    monkeypatch.setattr(runner, "close_resolved_tickets", slow_job)
    async with delivery_env(backend, tmp_path, catalog) as env:
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(env.services, env.sessions, stop))
        await asyncio.wait_for(started.wait(), 10)
        stop.set()
        await asyncio.wait_for(worker, 15)
        assert rolled_back.is_set()
        assert env.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
