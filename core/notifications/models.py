from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BigIntId, CreatedAt, IdPk, JSONType, str_enum, utcnow


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker; recovered if that worker dies
    SENT = "sent"
    FAILED = "failed"  # gave up: the reason is in last_error
    CANCELLED = "cancelled"  # e.g. the resident asked to be forgotten


class OutboxChannel(StrEnum):
    TELEGRAM = "telegram"
    EMAIL = "email"


class Outbox(Base):
    """A notification waiting to be delivered, written in the transaction that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_resident_id_id", "resident_id", "id"),
        sa.Index("ix_outbox_resident_id_external_id", "resident_id", "external_id"),
        # What the delivery loop walks, oldest first, stopping at the first row it may send: only
        # the rows still to send, however long the history (see delivery.WALK_IN_ORDER).
        sa.Index(
            "ix_outbox_pending_id",
            "id",
            postgresql_where=sa.text("state = 'pending'"),
            sqlite_where=sa.text("state = 'pending'"),
        ),
        # "Is an earlier update of this resident still waiting?", asked for every row claimed:
        # without it each claim read every pending row (110 ms a claim with 10,000 pending).
        sa.Index(
            "ix_outbox_pending_resident_id",
            "resident_id",
            "id",
            postgresql_where=sa.text("state = 'pending'"),
            sqlite_where=sa.text("state = 'pending'"),
        ),
        sa.CheckConstraint("resident_id IS NOT NULL OR staff_id IS NOT NULL", name="has_recipient"),
    )

    id: Mapped[IdPk]
    channel: Mapped[OutboxChannel] = mapped_column(str_enum(OutboxChannel, 16))
    resident_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("residents.id", ondelete="CASCADE")
    )
    staff_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("staff.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("messages.id", ondelete="SET NULL")
    )
    template: Mapped[str] = mapped_column(sa.String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    text: Mapped[str | None] = mapped_column(sa.Text)
    locale: Mapped[str] = mapped_column(sa.String(8))
    state: Mapped[OutboxState] = mapped_column(
        str_enum(OutboxState, 16), default=OutboxState.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(sa.String(100))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[CreatedAt]
    sent_at: Mapped[dt.datetime | None]
    # The delivered message's id in the channel (Telegram's message_id): a resident who
    # replies to an update is answering about that update's ticket.
    external_id: Mapped[int | None] = mapped_column(sa.BigInteger)
