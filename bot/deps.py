"""What handlers need besides the update: built once per process, handed over by aiogram."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Settings
from core.intents.learning import MatcherStore
from core.intents.matcher import EMERGENCY_INTENT, MatchResult
from core.metrics import metrics
from core.services import Services

MATCHER_REFRESH_SECONDS = 5.0  # new learned examples reach this process within this time


@dataclass
class BotDeps:
    services: Services
    sessions: async_sessionmaker[AsyncSession]
    matchers: MatcherStore
    _refreshed_at: float = field(default=0.0)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    async def match(self, session: AsyncSession, text: str) -> MatchResult:
        """Match with the learned examples, refreshed every few seconds at most."""
        if time.monotonic() - self._refreshed_at > MATCHER_REFRESH_SECONDS:
            await self.matchers.refresh(session)
            self._refreshed_at = time.monotonic()
        result = self.matchers.match(text)
        emergency = result.intent == EMERGENCY_INTENT
        metrics().matcher_decision("emergency" if emergency else result.decision.value)
        return result
