"""Residents: meeting them, their language and consent, whether we can reach them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import NotFound, ValidationFailed
from core.i18n import SUPPORTED_LOCALES, negotiate_locale
from core.residents.models import Resident
from core.residents.repository import ResidentRepository

MAX_DISPLAY_NAME = 200
LAST_SEEN_PRECISION = dt.timedelta(minutes=10)


class ResidentService:
    def __init__(self, default_locale: str) -> None:
        self.default_locale = default_locale

    async def get(self, session: AsyncSession, resident_id: int) -> Resident:
        resident = await ResidentRepository(session).get(resident_id)
        if resident is None or resident.forgotten_at is not None:
            raise NotFound("resident not found", resident_id=resident_id)
        return resident

    async def meet_on_telegram(
        self,
        session: AsyncSession,
        *,
        telegram_user_id: int,
        chat_id: int,
        display_name: str | None,
        language_code: str | None,
    ) -> tuple[Resident, bool]:
        """The resident behind a Telegram user, created on first contact; True if new.

        The locale is guessed from Telegram only once; afterwards it is the resident's choice.
        """
        repository = ResidentRepository(session)
        resident = await repository.by_telegram_user(telegram_user_id)
        now = utcnow()
        name = (display_name or "").strip()[:MAX_DISPLAY_NAME] or None
        if resident is None:
            resident = Resident(
                telegram_user_id=telegram_user_id,
                telegram_chat_id=chat_id,
                display_name=name,
                locale=negotiate_locale(language_code, self.default_locale),
                reachable=True,
                created_at=now,
                last_seen_at=now,
            )
            session.add(resident)
            await session.flush()
            return resident, True
        changed = resident.telegram_chat_id != chat_id or (name and name != resident.display_name)
        if changed or now - resident.last_seen_at > LAST_SEEN_PRECISION or not resident.reachable:
            # Written only when something changed or a while has passed: not on every update.
            resident.telegram_chat_id = chat_id
            resident.display_name = name or resident.display_name
            resident.last_seen_at = now
        if not resident.reachable:
            # They wrote to us, so they have unblocked the bot.
            resident.reachable = True
            resident.unreachable_reason = None
        await session.flush()
        return resident, False

    async def set_locale(self, session: AsyncSession, resident_id: int, locale: str) -> Resident:
        if locale not in SUPPORTED_LOCALES:
            raise ValidationFailed(f"unsupported language {locale!r}", field="locale")
        resident = await self.get(session, resident_id)
        resident.locale = locale
        await session.flush()
        return resident

    async def give_consent(self, session: AsyncSession, resident_id: int) -> Resident:
        resident = await self.get(session, resident_id)
        resident.consent_at = resident.consent_at or utcnow()
        await session.flush()
        return resident

    async def mark_unreachable(self, session: AsyncSession, resident_id: int, reason: str) -> None:
        resident = await ResidentRepository(session).get(resident_id)
        if resident is not None:
            resident.reachable = False
            resident.unreachable_reason = reason[:200]
            await session.flush()
