from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BigIntId, CreatedAt, IdPk, JSONType

CITY_SCOPE = "city"


def partner_scope(partner_id: int) -> str:
    return f"partner:{partner_id}"


class Digest(Base):
    """One week's figures for one scope (the whole city, or one partner), frozen when the
    week's digest was first built: what managers were sent is what the inbox shows later."""

    __tablename__ = "digests"
    __table_args__ = (sa.UniqueConstraint("week", "scope"),)

    id: Mapped[IdPk]
    week: Mapped[str] = mapped_column(sa.String(8))  # ISO week, "2026-W47"
    scope: Mapped[str] = mapped_column(sa.String(40))  # CITY_SCOPE or partner_scope(id)
    partner_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    figures: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[CreatedAt]
