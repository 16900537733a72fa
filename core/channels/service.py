"""Deduplication of inbound updates, inside the transaction that handles them.

The claim row is written in the same transaction as whatever the update causes: if handling
fails, both roll back and a re-sent update is handled again; if it succeeded, a re-sent update
finds the row and is skipped.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.channels.models import ProcessedUpdate
from core.db import utcnow

KEEP_PROCESSED_FOR = dt.timedelta(days=2)  # Telegram stops re-sending after about a day


async def claim_update(session: AsyncSession, update_id: int) -> bool:
    """True the first time an update id is seen (in committed or in-flight transactions)."""
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ProcessedUpdate)
    statement = insert.values(update_id=update_id, processed_at=utcnow()).on_conflict_do_nothing(
        index_elements=[ProcessedUpdate.update_id]
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


async def purge_processed(session: AsyncSession, now: dt.datetime | None = None) -> int:
    cutoff = (now or utcnow()) - KEEP_PROCESSED_FOR
    result = await session.execute(
        sa.delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)
