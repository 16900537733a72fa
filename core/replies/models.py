from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BigIntId, CreatedAt, IdPk, JSONType, utcnow


class CannedReply(Base):
    """A prepared reply in all ten languages: the resident gets it in theirs."""

    __tablename__ = "canned_replies"

    id: Mapped[IdPk]
    title: Mapped[str] = mapped_column(sa.String(120))
    texts: Mapped[dict[str, str]] = mapped_column(JSONType)  # language -> text
    # None: for every partner; otherwise only that partner's staff see it.
    partner_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
