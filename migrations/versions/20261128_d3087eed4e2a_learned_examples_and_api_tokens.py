"""Learned examples for the intent matcher, and personal API tokens for staff.

Revision ID: d3087eed4e2a
Revises: e4cc2edffbc4
Create Date: 2026-11-28 16:15:41.624934
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d3087eed4e2a"
down_revision: str | None = "e4cc2edffbc4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("staff_id", ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_used_at", TIMESTAMP, nullable=True),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_api_tokens_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_staff_id"), "api_tokens", ["staff_id"], unique=False)
    op.create_table(
        "learned_examples",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("intent_code", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalised_text", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("ticket_id", ID, nullable=True),
        sa.Column("resident_id", ID, nullable=True),
        sa.Column("staff_id", ID, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_learned_examples_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_learned_examples_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_learned_examples_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_examples")),
        sa.UniqueConstraint(
            "intent_code",
            "language",
            "normalised_text",
            name="uq_learned_examples_intent_language_text",
        ),
    )
    op.create_index(
        op.f("ix_learned_examples_intent_code"), "learned_examples", ["intent_code"], unique=False
    )
    op.create_index(
        op.f("ix_learned_examples_resident_id"), "learned_examples", ["resident_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("learned_examples")
    op.drop_table("api_tokens")
