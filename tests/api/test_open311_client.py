"""A real Open311 client from PyPI (`georeport`) against the server, over HTTP on loopback.

georeport 0.3.1 reads (services, definitions, requests) but has no method to file a request,
so the test files one with `requests`, the HTTP library the client itself uses, exactly as
the specification describes the POST.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import requests
import uvicorn
from georeport import GeoReport

from api.app import create_app
from core import migrate
from core.db import create_engine, create_session_factory, transaction
from core.intents.catalog import Catalog
from core.open311 import keys
from core.services import Services
from tests.conftest import make_settings
from tests.factories import SYSTEM, create_city


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def server(tmp_path: Path, catalog: Catalog) -> AsyncIterator[tuple[str, str]]:
    """The app under uvicorn on a free loopback port; (root address, API key)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'open311.db'}"
    settings = make_settings(database_url=url, data_dir=tmp_path)
    services = Services.build(settings, catalog)
    engine = create_engine(url)
    await migrate.upgrade(engine)
    async with transaction(create_session_factory(engine)) as session:
        await create_city(session, services)
        _, secret = await keys.create_key(session, SYSTEM, "georeport")
    port = free_port()
    app = create_app(settings, services)
    uvicorn_server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    serving = asyncio.create_task(uvicorn_server.serve())
    for _ in range(200):
        if uvicorn_server.started:
            break
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/open311/v2", secret
    finally:
        uvicorn_server.should_exit = True
        await serving
        await engine.dispose()


@pytest.mark.parametrize("output_format", ["json", "xml"])
async def test_georeport_client_lists_files_and_follows(
    server: tuple[str, str], output_format: str
) -> None:
    root, secret = server
    client = GeoReport(root, api_key=secret, output_format=output_format)
    services = await asyncio.to_thread(client.get_service_list)
    codes = [service["service_code"] for service in services]
    assert "pothole" in codes and "housing_help" not in codes
    definition = await asyncio.to_thread(client.get_service_definition, "pothole")
    assert definition["service_code"] == "pothole"

    def post() -> requests.Response:
        return requests.post(
            f"{root}/requests.{output_format}",
            data={
                "api_key": secret,
                "service_code": "pothole",
                "lat": "50.0312",
                "long": "8.0009",
                "description": "A hole by the bus stop",
                "attribute[size]": "medium",
            },
            timeout=10,
        )

    # Five of a kind in one district: fewer would keep its position private (privacy.py).
    references = []
    for _ in range(5):
        response = await asyncio.to_thread(post)
        assert response.status_code == 200, response.text
        if output_format == "json":
            references.append(response.json()[0]["service_request_id"])
        else:
            import xmltodict

            parsed = xmltodict.parse(response.content)
            references.append(parsed["service_requests"]["request"]["service_request_id"])
    reference = references[-1]
    fetched = await asyncio.to_thread(client.get_service_request, reference)
    assert fetched["service_request_id"] == reference and fetched["status"] == "open"
    assert fetched["description"] == "A hole by the bus stop"
    assert str(fetched["lat"]) == "50.031"
    by_id = await asyncio.to_thread(client.get_service_requests, reference)
    by_filter = await asyncio.to_thread(client.get_service_requests, None, "pothole", status="open")
    for listed, expected in ((by_id, [reference]), (by_filter, sorted(references))):
        items = listed if isinstance(listed, list) else [listed]  # xmltodict: one is a dict
        assert sorted(item["service_request_id"] for item in items) == expected
