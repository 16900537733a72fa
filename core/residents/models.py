from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CreatedAt, IdPk, utcnow


class Resident(Base):
    """A person who writes to the bot. After `forget`, only the anonymous shell remains."""

    __tablename__ = "residents"

    id: Mapped[IdPk]
    telegram_user_id: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    telegram_chat_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
    locale: Mapped[str] = mapped_column(sa.String(8))
    consent_at: Mapped[dt.datetime | None]
    reachable: Mapped[bool] = mapped_column(default=True)
    unreachable_reason: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[CreatedAt]
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    forgotten_at: Mapped[dt.datetime | None]
