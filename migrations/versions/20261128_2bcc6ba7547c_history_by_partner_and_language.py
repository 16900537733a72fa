"""The resolved history by partner and language, newest first: an inbox search or filter with a
language walks only that language's closed tickets (and sees at once that a partner has none),
instead of reading the partner's whole history.

Revision ID: 2bcc6ba7547c
Revises: 7c41d2e8f019
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2bcc6ba7547c"
down_revision: str | None = "7c41d2e8f019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLOSED = sa.text("status IN ('closed', 'duplicate', 'rejected', 'resolved')")


def upgrade() -> None:
    op.create_index(
        "ix_tickets_closed_partner_language_created",
        "tickets",
        ["partner_id", "language", "created_at", "id"],
        postgresql_where=CLOSED,
        sqlite_where=CLOSED,
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_closed_partner_language_created", table_name="tickets")
