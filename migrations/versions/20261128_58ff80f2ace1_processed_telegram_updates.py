"""Telegram updates already processed, so a re-sent update is handled only once.

Revision ID: 58ff80f2ace1
Revises: d3087eed4e2a
Create Date: 2026-11-28 16:49:48.072691
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "58ff80f2ace1"
down_revision: str | None = "d3087eed4e2a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    op.create_index(
        op.f("ix_processed_updates_processed_at"),
        "processed_updates",
        ["processed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("processed_updates")
