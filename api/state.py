from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.config import Settings
from core.services import Services


@dataclass
class AppState:
    settings: Settings
    services: Services
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis | None = None
    telegram: Any = None  # bot.webhook.TelegramGateway when a bot token is configured


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.civicdesk
    return state


async def app_state(request: Request) -> AppState:
    """The dependency; async because FastAPI runs plain functions in a thread pool, and a
    thread hop per dependency costs more than the work itself."""
    return state_of(request)
