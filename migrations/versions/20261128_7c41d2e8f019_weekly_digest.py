"""The weekly digest: frozen figures per week and scope, indexes that read one week of history,
and one-time codes that link a staff member's Telegram chat.

Revision ID: 7c41d2e8f019
Revises: 5b0e3c1d9a47
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7c41d2e8f019"
down_revision: str | None = "5b0e3c1d9a47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WEEK_INDEXES = (
    ("ix_tickets_first_response_at", "tickets", ["first_response_at"]),
    ("ix_tickets_resolved_at", "tickets", ["resolved_at"]),
    ("ix_tickets_closed_at", "tickets", ["closed_at"]),
    ("ix_ticket_events_kind_created_at", "ticket_events", ["kind", "created_at"]),
    ("ix_ratings_created_at", "ratings", ["created_at"]),
)


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("partner_id", ID, nullable=True),
        sa.Column("figures", JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_digests_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("week", "scope", name=op.f("uq_digests_week")),
    )
    op.create_index(op.f("ix_digests_partner_id"), "digests", ["partner_id"])
    for name, table, columns in WEEK_INDEXES:
        op.create_index(name, table, columns)
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("telegram_link_code_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("telegram_link_expires_at", TIMESTAMP, nullable=True))
        batch.create_unique_constraint(
            op.f("uq_staff_telegram_link_code_hash"), ["telegram_link_code_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_constraint(op.f("uq_staff_telegram_link_code_hash"), type_="unique")
        batch.drop_column("telegram_link_expires_at")
        batch.drop_column("telegram_link_code_hash")
    for name, table, _columns in reversed(WEEK_INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_index(op.f("ix_digests_partner_id"), table_name="digests")
    op.drop_table("digests")
