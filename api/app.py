"""The web application: health checks now; the inbox, JSON API and Open311 mount here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis

from api.errors import install_error_handlers
from api.metrics import HttpMetricsMiddleware, install_prometheus
from api.metrics import router as metrics_router
from api.routes import health, learned, open311, telegram, v1
from api.routes import public as public_routes
from api.state import AppState
from api.web import admin_routes, auth_routes, digest_routes, inbox_routes, ticket_routes
from core.config import Settings
from core.db import create_engine, create_session_factory
from core.runtime import settle_heap
from core.services import Services

STATIC = Path(__file__).resolve().parent / "static"


def app_from_environment() -> FastAPI:
    """The app as each worker process of `civicdesk api --workers N` builds it."""
    return create_app(Settings())


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    services = services or Services.build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.effective_database_url)
        sessions = create_session_factory(engine)
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        state = AppState(settings, services, engine, sessions, redis)
        if settings.bot_token is not None:
            from bot.webhook import TelegramGateway

            state.telegram = TelegramGateway.create(services, sessions, redis)
        app.state.civicdesk = state
        settle_heap()
        try:
            yield
        finally:
            if state.telegram is not None:
                await state.telegram.close()
            if redis is not None:
                await redis.aclose()
            await engine.dispose()

    app = FastAPI(title="civicdesk", version="0.1.0", lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(HttpMetricsMiddleware, record=install_prometheus().http_request)
    app.include_router(health.router)
    app.include_router(metrics_router)
    app.include_router(learned.router)
    app.include_router(v1.router)
    app.include_router(open311.router)
    app.include_router(telegram.router)
    app.include_router(public_routes.router)
    for web in (auth_routes, inbox_routes, ticket_routes, admin_routes, digest_routes):
        app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
