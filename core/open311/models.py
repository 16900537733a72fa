from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CreatedAt, IdPk


class Open311Key(Base):
    """An API key for an Open311 client (an app filing requests). Only its SHA-256 is stored;
    it is shown once, when created."""

    __tablename__ = "open311_keys"

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(sa.String(100))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))  # shown in lists to tell keys apart
    created_at: Mapped[CreatedAt]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
