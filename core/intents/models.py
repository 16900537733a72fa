from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BigIntId, CreatedAt, IdPk, str_enum


class ExampleSource(StrEnum):
    REROUTE = "reroute"  # a caseworker moved the ticket to another intent
    RESIDENT_CHOICE = "resident_choice"  # the resident picked a category after an unsure match


class LearnedExample(Base):
    """A message that taught the matcher which intent it meant."""

    __tablename__ = "learned_examples"
    __table_args__ = (
        sa.UniqueConstraint(
            "intent_code",
            "language",
            "normalised_text",
            name="uq_learned_examples_intent_language_text",
        ),
    )

    id: Mapped[IdPk]
    intent_code: Mapped[str] = mapped_column(sa.String(64), index=True)
    language: Mapped[str] = mapped_column(sa.String(8))
    text: Mapped[str] = mapped_column(sa.Text)
    normalised_text: Mapped[str] = mapped_column(sa.String(500))
    source: Mapped[ExampleSource] = mapped_column(str_enum(ExampleSource, 20))
    ticket_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("tickets.id", ondelete="SET NULL")
    )
    # Whose words these are, so that erasing a resident erases what the matcher kept of them.
    resident_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("staff.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]
