from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core import migrate
from core.config import Settings
from core.db import create_engine
from core.demo.seed import DEMO_DISTRICTS
from core.intents.catalog import Catalog
from core.intents.loader import load_catalog
from core.services import Services
from tests.databases import BACKENDS, scratch_database

REPO_ROOT = Path(__file__).resolve().parent.parent


def make_settings(**overrides: object) -> Settings:
    """Settings for tests: never read from the developer's environment or .env file."""
    values: dict[str, object] = {"districts_file": DEMO_DISTRICTS, "timezone": "Europe/Berlin"}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(REPO_ROOT / "intents")


@pytest.fixture(scope="session")
def settings() -> Settings:
    return make_settings()


@pytest.fixture(scope="session")
def services(settings: Settings, catalog: Catalog) -> Services:
    return Services.build(settings, catalog)


@pytest.fixture(scope="session", params=BACKENDS)
async def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    """One migrated database per backend for the whole run."""
    async with scratch_database(request.param, tmp_path_factory.mktemp("db")) as url:
        engine = create_engine(url)
        await migrate.upgrade(engine)
        try:
            yield engine
        finally:
            await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test.

    Savepoint mode lets the code under test commit (and roll back) as it would in production.
    """
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            autoflush=False,
        )
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()
