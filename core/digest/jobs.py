"""The weekly digest job, as a plain function the scheduler (or a test) calls."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.digest.service import queue_week
from core.digest.weeks import Week
from core.notifications.models import Outbox


async def queue_last_week(
    session: AsyncSession, timezone: ZoneInfo, now: dt.datetime | None = None
) -> list[Outbox]:
    """Queue the digest of the last week that has ended (once per person, however often)."""
    return await queue_week(session, Week.last_complete(now or utcnow(), timezone), timezone)
