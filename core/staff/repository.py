"""Every SELECT on staff."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.staff.models import Role, Staff


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, staff_id: int) -> Staff | None:
        return await self.session.get(Staff, staff_id)

    async def by_email(self, email: str) -> Staff | None:
        statement = sa.select(Staff).where(Staff.email == email.strip().lower())
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def by_link_code_hash(self, code_hash: str) -> Staff | None:
        statement = sa.select(Staff).where(Staff.telegram_link_code_hash == code_hash)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def by_telegram_chat(self, chat_id: int) -> Staff | None:
        statement = sa.select(Staff).where(Staff.telegram_chat_id == chat_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def all(self, *, partner_id: int | None = None, role: Role | None = None) -> list[Staff]:
        statement = sa.select(Staff).order_by(Staff.email)
        if partner_id is not None:
            statement = statement.where(Staff.partner_id == partner_id)
        if role is not None:
            statement = statement.where(Staff.role == role)
        return list((await self.session.execute(statement)).scalars())
