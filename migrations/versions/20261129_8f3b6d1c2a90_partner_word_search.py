"""Words and partner in one full-text index: a caseworker's word search learns from the index
alone whether their partner has any match (and which), instead of walking the partner's whole
history when the word is only in other partners' tickets.

Revision ID: 8f3b6d1c2a90
Revises: 5e7a0c311d42
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8f3b6d1c2a90"
down_revision: str | None = "5e7a0c311d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Must stay the same expression as core.tickets.inbox.partner_words_document, or it is not used.
DOCUMENT = (
    "(to_tsvector('simple', coalesce(description, ''))"
    " || to_tsvector('simple', 'partner' || partner_id::text))"
)


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_tickets_partner_words ON tickets USING gin ({DOCUMENT})")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_tickets_partner_words")
