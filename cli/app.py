"""What every command needs: settings, the database, the domain services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.config import Settings
from core.db import create_engine, create_session_factory
from core.services import Services


@dataclass(frozen=True)
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    services: Services


def prepare_data_dir(settings: Settings) -> None:
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)


@asynccontextmanager
async def open_app(settings: Settings) -> AsyncIterator[App]:
    services = Services.build(settings)
    prepare_data_dir(settings)
    engine = create_engine(settings.effective_database_url)
    try:
        yield App(settings, engine, create_session_factory(engine), services)
    finally:
        await engine.dispose()
