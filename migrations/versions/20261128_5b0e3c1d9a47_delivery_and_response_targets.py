"""Delivery (the sent message's id, pending rows indexed), response targets (waiting pauses
the clock, escalation level, rating reminder) and machine translations of residents' messages.

Revision ID: 5b0e3c1d9a47
Revises: ad23f1fe61d2
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b0e3c1d9a47"
down_revision: str | None = "ad23f1fe61d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    op.drop_index("ix_outbox_state_next_attempt_at", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("external_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_outbox_resident_id_external_id", "outbox", ["resident_id", "external_id"])
    op.create_index(
        "ix_outbox_pending_id",
        "outbox",
        ["id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index(
        "ix_outbox_pending_resident_id",
        "outbox",
        ["resident_id", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("waiting_since", TIMESTAMP, nullable=True))
        batch.add_column(
            sa.Column("escalation_level", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("rating_reminded_at", TIMESTAMP, nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("translation", sa.Text(), nullable=True))
        batch.add_column(sa.Column("translation_language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("translation_language")
        batch.drop_column("translation")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("rating_reminded_at")
        batch.drop_column("escalation_level")
        batch.drop_column("waiting_since")
    op.drop_index("ix_outbox_pending_resident_id", table_name="outbox")
    op.drop_index("ix_outbox_pending_id", table_name="outbox")
    op.drop_index("ix_outbox_resident_id_external_id", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("external_id")
    op.create_index("ix_outbox_state_next_attempt_at", "outbox", ["state", "next_attempt_at"])
