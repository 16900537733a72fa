"""Run Alembic migrations from code (CLI, tests, the demo) on an async engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import PACKAGE_ROOT

ALEMBIC_INI = PACKAGE_ROOT / "alembic.ini"
# Indexes made by hand in migrations because SQLAlchemy cannot express them on every backend
# (PostgreSQL's GIN full-text indexes); autogenerate must neither add nor drop them.
MANUAL_INDEXES = frozenset({"ix_tickets_description_search", "ix_tickets_partner_words"})


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "index" and name in MANUAL_INDEXES)


MIGRATIONS_DIR = PACKAGE_ROOT / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(ALEMBIC_INI)) if ALEMBIC_INI.exists() else Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["configure_logging"] = False
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def migrations_path() -> Path:
    return MIGRATIONS_DIR
