"""Record which resident acted on an audit event, so erasure finds every word they wrote.

Revision ID: 8bbf4a551791
Revises: 58ff80f2ace1
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8bbf4a551791"
down_revision: str | None = "58ff80f2ace1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("ticket_events") as batch_op:
        batch_op.add_column(sa.Column("actor_resident_id", ID, nullable=True))
        batch_op.create_index(
            batch_op.f("ix_ticket_events_actor_resident_id"), ["actor_resident_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_ticket_events_actor_resident_id_residents"),
            "residents",
            ["actor_resident_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Until now only a ticket's reporter wrote on it as a resident: attribute their events.
    op.execute(
        "UPDATE ticket_events SET actor_resident_id = "
        "(SELECT tickets.resident_id FROM tickets WHERE tickets.id = ticket_events.ticket_id) "
        "WHERE actor_type = 'resident'"
    )


def downgrade() -> None:
    with op.batch_alter_table("ticket_events") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_ticket_events_actor_resident_id_residents"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_ticket_events_actor_resident_id"))
        batch_op.drop_column("actor_resident_id")
