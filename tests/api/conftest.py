from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.app import create_app
from api.deps import _unit_of_work
from core.config import Settings
from core.services import Services
from core.staff import tokens
from core.staff.models import Staff
from tests.factories import SYSTEM

TokenFor = Callable[[Staff], Awaitable[dict[str, str]]]


@contextlib.asynccontextmanager
async def asgi_client(
    session: AsyncSession,
    services: Services,
    settings: Settings,
    client: tuple[str, int] = ("127.0.0.1", 123),
) -> AsyncIterator[httpx.AsyncClient]:
    """The real ASGI app, its unit of work bound to the test's transaction."""
    app = create_app(settings, services)

    async def test_unit_of_work() -> AsyncIterator[AsyncSession]:
        yield session
        await session.flush()

    app.dependency_overrides[_unit_of_work] = test_unit_of_work
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://civicdesk") as client:
            yield client


@pytest.fixture
async def api(
    session: AsyncSession, services: Services, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = services.settings.model_copy(update={"data_dir": tmp_path})
    async with asgi_client(session, services, settings) as client:
        yield client


@pytest.fixture
def token_for(session: AsyncSession) -> TokenFor:
    async def make(staff: Staff) -> dict[str, str]:
        _, secret = await tokens.create_token(session, SYSTEM, staff.id, "tests")
        return {"Authorization": f"Bearer {secret}"}

    return make
