"""Every SELECT on residents."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.residents.models import Resident


class ResidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, resident_id: int) -> Resident | None:
        return await self.session.get(Resident, resident_id)

    async def by_telegram_user(self, telegram_user_id: int) -> Resident | None:
        statement = sa.select(Resident).where(Resident.telegram_user_id == telegram_user_id)
        return (await self.session.execute(statement)).scalar_one_or_none()
