"""Every SELECT on partners."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.partners.models import Partner, PartnerDistrict, PartnerIntent


class PartnerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, partner_id: int) -> Partner | None:
        return await self.session.get(Partner, partner_id)

    async def by_code(self, code: str) -> Partner | None:
        result = await self.session.execute(sa.select(Partner).where(Partner.code == code))
        return result.scalar_one_or_none()

    async def all(self, *, active_only: bool = False) -> list[Partner]:
        statement = sa.select(Partner).order_by(Partner.code)
        if active_only:
            statement = statement.where(Partner.active.is_(True))
        return list((await self.session.execute(statement)).scalars())

    async def coordination_unit(self) -> Partner | None:
        statement = sa.select(Partner).where(Partner.is_coordination_unit.is_(True))
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def intent_codes(self, partner_id: int) -> list[str]:
        statement = (
            sa.select(PartnerIntent.intent_code)
            .where(PartnerIntent.partner_id == partner_id)
            .order_by(PartnerIntent.intent_code)
        )
        return list((await self.session.execute(statement)).scalars())

    async def district_codes(self, partner_id: int) -> list[str]:
        statement = (
            sa.select(PartnerDistrict.district_code)
            .where(PartnerDistrict.partner_id == partner_id)
            .order_by(PartnerDistrict.district_code)
        )
        return list((await self.session.execute(statement)).scalars())

    async def candidates_for_intent(self, intent_code: str) -> list[tuple[Partner, list[str]]]:
        """Active partners handling an intent, each with the districts it covers ([] = all)."""
        statement = (
            sa.select(Partner, PartnerDistrict.district_code)
            .join(PartnerIntent, PartnerIntent.partner_id == Partner.id)
            .outerjoin(PartnerDistrict, PartnerDistrict.partner_id == Partner.id)
            .where(PartnerIntent.intent_code == intent_code, Partner.active.is_(True))
            .order_by(Partner.id)
        )
        found: dict[int, tuple[Partner, list[str]]] = {}
        for partner, district_code in (await self.session.execute(statement)).all():
            entry = found.setdefault(partner.id, (partner, []))
            if district_code is not None:
                entry[1].append(district_code)
        return list(found.values())
