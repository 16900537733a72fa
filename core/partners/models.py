from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, BigIntId, CreatedAt, IdPk, JSONType, str_enum, utcnow


class PartnerKind(StrEnum):
    MUNICIPAL = "municipal"
    NONPROFIT = "nonprofit"


class Partner(Base):
    """A municipal department or nonprofit that answers residents."""

    __tablename__ = "partners"
    __table_args__ = (
        # At most one coordination unit: everything no one else owns goes there.
        sa.Index(
            "uq_partners_single_coordination_unit",
            "is_coordination_unit",
            unique=True,
            postgresql_where=sa.text("is_coordination_unit"),
            sqlite_where=sa.text("is_coordination_unit"),
        ),
    )

    id: Mapped[IdPk]
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[PartnerKind] = mapped_column(str_enum(PartnerKind, 16))
    service_type: Mapped[str | None] = mapped_column(sa.String(40))
    is_coordination_unit: Mapped[bool] = mapped_column(default=False)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    address: Mapped[str | None] = mapped_column(sa.Text)
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    intents: Mapped[list[PartnerIntent]] = relationship(
        lazy="raise", cascade="all, delete-orphan", back_populates="partner"
    )
    districts: Mapped[list[PartnerDistrict]] = relationship(
        lazy="raise", cascade="all, delete-orphan", back_populates="partner"
    )


class PartnerIntent(Base):
    """An intent this partner handles (defaults from the catalog's routing, overridable)."""

    __tablename__ = "partner_intents"

    partner_id: Mapped[int] = mapped_column(
        BigIntId, sa.ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    intent_code: Mapped[str] = mapped_column(sa.String(64), primary_key=True, index=True)
    partner: Mapped[Partner] = relationship(lazy="raise", back_populates="intents")


class PartnerDistrict(Base):
    """A district this partner covers; a partner with none covers the whole city."""

    __tablename__ = "partner_districts"

    partner_id: Mapped[int] = mapped_column(
        BigIntId, sa.ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    district_code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    partner: Mapped[Partner] = relationship(lazy="raise", back_populates="districts")
