"""Only one worker runs a scheduled job at a time, however many workers there are.

On PostgreSQL a transaction-level advisory lock, taken in the job's own transaction: released
when it commits or rolls back, and by the server if the worker dies. On SQLite (one machine) a
file lock in the data folder, released by the kernel if the process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import is_postgres

LOCK_NAMESPACE = "civicdesk:job:"


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for a job name (PostgreSQL's advisory locks take a bigint)."""
    digest = hashlib.sha256((LOCK_NAMESPACE + name).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.asynccontextmanager
async def job_lock(session: AsyncSession, name: str, data_dir: Path) -> AsyncIterator[bool]:
    """Yields whether this worker may run the job now (False: another one is running it)."""
    if is_postgres(session):
        statement = sa.text("SELECT pg_try_advisory_xact_lock(:key)")
        yield bool(await session.scalar(statement, {"key": advisory_key(name)}))
        return
    os.makedirs(data_dir, exist_ok=True)
    descriptor = os.open(os.path.join(data_dir, f"job-{name}.lock"), os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)  # closing the file releases its lock
