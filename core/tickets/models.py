from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BigIntId, CreatedAt, IdPk, JSONType, str_enum, utcnow
from core.tickets.status import TicketStatus


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Channel(StrEnum):
    TELEGRAM = "telegram"
    OPEN311 = "open311"
    WEB = "web"
    STAFF = "staff"


class ActorType(StrEnum):
    STAFF = "staff"
    RESIDENT = "resident"
    SYSTEM = "system"


class EventKind(StrEnum):
    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    ASSIGNED = "assigned"
    REROUTED = "rerouted"
    MESSAGE = "message"
    INFO_REQUESTED = "info_requested"
    NOTE = "note"
    RATING = "rating"
    DUPLICATE_MARKED = "duplicate_marked"
    WITHDRAWN = "withdrawn"
    FOLLOWED = "followed"
    ERASED = "erased"
    ESCALATED = "escalated"


class Visibility(StrEnum):
    PUBLIC = "public"  # shown to the resident
    INTERNAL = "internal"


class Direction(StrEnum):
    INBOUND = "inbound"  # from the resident
    OUTBOUND = "outbound"  # to the resident


class DeliveryState(StrEnum):
    RECEIVED = "received"
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class RatingAnswer(StrEnum):
    YES = "yes"
    NO = "no"
    PARTLY = "partly"


OPEN_STATUS_SQL = sa.text(
    "status IN ('new', 'acknowledged', 'in_progress', 'waiting_on_resident', 'reopened')"
)
# The resolved queue's statuses (core.tickets.inbox.CLOSED_STATUSES), in the order the inbox
# writes them, so that SQLite, which only matches the same term, can use the index too.
CLOSED_STATUS_SQL = sa.text("status IN ('closed', 'duplicate', 'rejected', 'resolved')")


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        sa.Index("ix_tickets_partner_status_due", "partner_id", "status", "resolution_due_at"),
        sa.Index("ix_tickets_created_at", "created_at"),
        sa.Index("ix_tickets_intent_code", "intent_code"),
        # The inbox: open tickets by due time, per partner and across partners (partial, so the
        # history of closed tickets never weighs on them), and all tickets by creation.
        sa.Index(
            "ix_tickets_open_partner_due",
            "partner_id",
            "resolution_due_at",
            "id",
            postgresql_where=OPEN_STATUS_SQL,
            sqlite_where=OPEN_STATUS_SQL,
        ),
        sa.Index(
            "ix_tickets_open_due",
            "resolution_due_at",
            "id",
            postgresql_where=OPEN_STATUS_SQL,
            sqlite_where=OPEN_STATUS_SQL,
        ),
        sa.Index("ix_tickets_partner_created", "partner_id", "created_at", "id"),
        # The resolved history by partner and language, newest first: a language filter (with or
        # without words) walks only that language's tickets, and finds at once that a partner
        # has none in it, instead of reading the partner's whole history to prove it.
        sa.Index(
            "ix_tickets_closed_partner_language_created",
            "partner_id",
            "language",
            "created_at",
            "id",
            postgresql_where=CLOSED_STATUS_SQL,
            sqlite_where=CLOSED_STATUS_SQL,
        ),
        # The weekly digest reads one week of each of these moments, however long the history.
        sa.Index("ix_tickets_first_response_at", "first_response_at"),
        sa.Index("ix_tickets_resolved_at", "resolved_at"),
        sa.Index("ix_tickets_closed_at", "closed_at"),
    )

    id: Mapped[IdPk]
    reference: Mapped[str] = mapped_column(sa.String(12), unique=True)
    intent_code: Mapped[str] = mapped_column(sa.String(64))
    partner_id: Mapped[int] = mapped_column(
        BigIntId, sa.ForeignKey("partners.id", ondelete="RESTRICT")
    )
    assignee_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )
    resident_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus), default=TicketStatus.NEW)
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 16), default=Priority.NORMAL)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 16))
    language: Mapped[str] = mapped_column(sa.String(8))
    description: Mapped[str | None] = mapped_column(sa.Text)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    address: Mapped[str | None] = mapped_column(sa.Text)
    district: Mapped[str | None] = mapped_column(sa.String(64))
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    is_private: Mapped[bool] = mapped_column(default=False)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("tickets.id", ondelete="SET NULL")
    )
    reroute_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    first_response_due_at: Mapped[dt.datetime | None]
    resolution_due_at: Mapped[dt.datetime | None]
    # Due times stop while the ticket waits on the resident; this is when the wait began.
    waiting_since: Mapped[dt.datetime | None]
    escalation_level: Mapped[int] = mapped_column(default=0)  # see core.tickets.targets
    rating_reminded_at: Mapped[dt.datetime | None]


class TicketEvent(Base):
    """The append-only audit trail: nothing updates or deletes a row of this table."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        sa.Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),
        sa.Index("ix_ticket_events_kind_created_at", "kind", "created_at"),  # reopenings per week
    )

    id: Mapped[IdPk]
    ticket_id: Mapped[int] = mapped_column(
        BigIntId, sa.ForeignKey("tickets.id", ondelete="CASCADE")
    )
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    actor_type: Mapped[ActorType] = mapped_column(str_enum(ActorType, 16))
    actor_staff_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("staff.id", ondelete="SET NULL")
    )
    # Which resident acted, so that erasing a resident finds every word they wrote.
    actor_resident_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    text: Mapped[str | None] = mapped_column(sa.Text)
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility, 16))
    created_at: Mapped[CreatedAt]


class Message(Base):
    """The conversation on a ticket between the resident and caseworkers."""

    __tablename__ = "messages"
    __table_args__ = (sa.Index("ix_messages_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[IdPk]
    ticket_id: Mapped[int] = mapped_column(
        BigIntId, sa.ForeignKey("tickets.id", ondelete="CASCADE")
    )
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, 16))
    text: Mapped[str | None] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(8))
    author_staff_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("staff.id", ondelete="SET NULL")
    )
    resident_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("residents.id", ondelete="SET NULL")
    )
    delivery_state: Mapped[DeliveryState] = mapped_column(str_enum(DeliveryState, 16))
    # A resident's words machine-translated for staff ("" when none was needed or possible).
    translation: Mapped[str | None] = mapped_column(sa.Text)
    translation_language: Mapped[str | None] = mapped_column(sa.String(8))
    read_at: Mapped[dt.datetime | None]
    created_at: Mapped[CreatedAt]


class Rating(Base):
    """The resident's answer to "was it fixed?"."""

    __tablename__ = "ratings"
    __table_args__ = (
        sa.Index("ix_ratings_created_at", "created_at"),
        sa.CheckConstraint("score IS NULL OR (score BETWEEN 1 AND 5)", name="score_range"),
    )

    id: Mapped[IdPk]
    ticket_id: Mapped[int] = mapped_column(
        BigIntId, sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    resident_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("residents.id", ondelete="SET NULL")
    )
    answer: Mapped[RatingAnswer] = mapped_column(str_enum(RatingAnswer, 16))
    score: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[CreatedAt]


class TicketFollower(Base):
    """A resident who reported the same problem and follows this ticket's updates."""

    __tablename__ = "ticket_followers"

    ticket_id: Mapped[int] = mapped_column(
        BigIntId, sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    resident_id: Mapped[int] = mapped_column(
        BigIntId, sa.ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[CreatedAt]


def status_in(statuses: Iterable[TicketStatus]) -> sa.ColumnElement[bool]:
    """Statuses written into the SQL, not bound: with bound values PostgreSQL's cached
    (generic) plans cannot prove that the partial indexes on open tickets apply."""
    values = sa.bindparam(
        None, sorted(statuses), type_=Ticket.status.type, expanding=True, literal_execute=True
    )
    return Ticket.status.in_(values)
