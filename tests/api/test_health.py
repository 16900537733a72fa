from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from core.config import Settings
from tests.conftest import make_settings
from tests.services_available import REDIS_URL, need


async def client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://civicdesk") as client:
            yield client


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for(make_settings(data_dir=tmp_path)):
        yield client


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_readyz_reports_an_unreachable_database(tmp_path: Path) -> None:
    settings = make_settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:9/none")
    async for client in client_for(settings):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["database"] == "unreachable"


async def test_readyz_checks_redis_when_configured(tmp_path: Path) -> None:
    need("redis")
    async for client in client_for(make_settings(data_dir=tmp_path, redis_url=REDIS_URL)):
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    async for client in client_for(
        make_settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:9/0")
    ):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["redis"] == "unreachable"
