"""Inbox indexes (open tickets by due time, tickets by creation, full-text search on PostgreSQL)
and canned replies.

Revision ID: ad23f1fe61d2
Revises: 8bbf4a551791
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "ad23f1fe61d2"
down_revision: str | None = "8bbf4a551791"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)
OPEN = sa.text(
    "status IN ('new', 'acknowledged', 'in_progress', 'waiting_on_resident', 'reopened')"
)


def upgrade() -> None:
    op.create_table(
        "canned_replies",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("texts", JSON, nullable=False),
        sa.Column("partner_id", ID, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_canned_replies_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_replies")),
    )
    op.create_index(
        op.f("ix_canned_replies_partner_id"), "canned_replies", ["partner_id"], unique=False
    )
    op.create_index(
        "ix_tickets_open_due",
        "tickets",
        ["resolution_due_at", "id"],
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )
    op.create_index(
        "ix_tickets_open_partner_due",
        "tickets",
        ["partner_id", "resolution_due_at", "id"],
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )
    op.create_index("ix_tickets_partner_created", "tickets", ["partner_id", "created_at", "id"])
    if op.get_context().dialect.name == "postgresql":
        # Word search in descriptions; the 'simple' configuration does not stem, which suits a
        # text that may be in any of ten languages.
        op.execute(
            "CREATE INDEX ix_tickets_description_search ON tickets USING gin (to_tsvector('simple', coalesce(description, '')))"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_tickets_description_search")
    op.drop_index("ix_tickets_partner_created", table_name="tickets")
    op.drop_index("ix_tickets_open_partner_due", table_name="tickets")
    op.drop_index("ix_tickets_open_due", table_name="tickets")
    op.drop_table("canned_replies")
