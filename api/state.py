from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.config import Settings
from core.services import Services


@dataclass(frozen=True)
class AppState:
    settings: Settings
    services: Services
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.civicdesk
    return state
