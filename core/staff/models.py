from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BigIntId, CreatedAt, IdPk, str_enum


class Role(StrEnum):
    CASEWORKER = "caseworker"
    MANAGER = "manager"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def needs_partner(self) -> bool:
        return self in (Role.CASEWORKER, Role.MANAGER)

    @property
    def sees_all_partners(self) -> bool:
        return self in (Role.COORDINATOR, Role.ADMIN)


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (
        sa.CheckConstraint(
            "role NOT IN ('caseworker', 'manager') OR partner_id IS NOT NULL",
            name="partner_required_for_role",
        ),
    )

    id: Mapped[IdPk]
    # Stored lower-cased: e-mail addresses are unique regardless of case.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, 16))
    partner_id: Mapped[int | None] = mapped_column(
        BigIntId, sa.ForeignKey("partners.id", ondelete="RESTRICT"), index=True
    )
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    must_change_password: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(sa.String(8), default="en")
    telegram_chat_id: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    # A one-time code (its SHA-256) that links a Telegram chat when sent to the bot.
    telegram_link_code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    telegram_link_expires_at: Mapped[dt.datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]
    last_login_at: Mapped[dt.datetime | None]


class ApiToken(Base):
    """A personal token for the JSON API. Only its SHA-256 is stored; it is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[IdPk]
    staff_id: Mapped[int] = mapped_column(
        BigIntId, sa.ForeignKey("staff.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))  # shown in lists to tell tokens apart
    created_at: Mapped[CreatedAt]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
