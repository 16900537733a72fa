"""Migrations are the only way the schema is made: they go up, down and up again, and they
match the models exactly."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from core import migrate
from core.db import create_engine
from core.models import Base
from tests.databases import BACKENDS, scratch_database


def _user_tables(sync_connection: sa.Connection) -> set[str]:
    return set(sa.inspect(sync_connection).get_table_names()) - {"alembic_version"}


def _differences(sync_connection: sa.Connection) -> list[object]:
    context = MigrationContext.configure(
        sync_connection, opts={"compare_type": True, "include_object": migrate.include_object}
    )
    return list(compare_metadata(context, Base.metadata))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_upgrade_downgrade_upgrade_and_models_match(backend: str, tmp_path: Path) -> None:
    async with scratch_database(backend, tmp_path) as url:
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            assert await migrate.current_revision(engine) == migrate.head_revision()
            async with engine.connect() as connection:
                assert await connection.run_sync(_user_tables) == set(Base.metadata.tables)
                assert await connection.run_sync(_differences) == []

            await migrate.downgrade(engine, "base")
            assert await migrate.current_revision(engine) is None
            async with engine.connect() as connection:
                assert await connection.run_sync(_user_tables) == set()

            await migrate.upgrade(engine)
            async with engine.connect() as connection:
                assert await connection.run_sync(_differences) == []
        finally:
            await engine.dispose()
