"""Browser tests: the real app served by uvicorn on loopback, driven in headless Chromium.

Chromium comes from Debian (`/usr/bin/chromium`, installed by .ci/run); Playwright's own
browser download does not work here and is not used. A failing test leaves a screenshot in
test-artifacts/.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from core import migrate
from core.db import create_engine, create_session_factory, transaction
from core.intents.catalog import Catalog
from core.services import Services
from core.staff.models import Role
from tests.conftest import make_settings
from tests.factories import create_city, create_staff
from tests.services_available import services_required

CHROMIUM = os.environ.get("CIVICDESK_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "a long staff password"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.failed_in_call = report.failed  # type: ignore[attr-defined]


@dataclass
class Site:
    url: str
    services: Services
    sessions: async_sessionmaker[AsyncSession]
    city: dict[str, Any]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def site(tmp_path: Path, catalog: Catalog) -> AsyncIterator[Site]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'site.db'}"
    settings = make_settings(database_url=url, data_dir=tmp_path)
    services = Services.build(settings, catalog)
    engine = create_engine(url)
    await migrate.upgrade(engine)
    sessions = create_session_factory(engine)
    async with transaction(sessions) as session:
        city = await create_city(session, services)
        for email, role, partner in (
            ("rosa@city.example", Role.CASEWORKER, city["roads"]),
            ("fatima@city.example", Role.CASEWORKER, city["food-south"]),
            ("cora@city.example", Role.COORDINATOR, None),
        ):
            await create_staff(session, services, role, partner, email=email, password=PASSWORD)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, services), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    serving = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", services, sessions, city)
    finally:
        server.should_exit = True
        await serving
        await engine.dispose()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - one stat, before anything runs
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if services_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    context = await browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    tab = await context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    if getattr(request.node, "failed_in_call", False):
        ARTIFACTS.mkdir(exist_ok=True)
        await tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    await context.close()


async def sign_in(page: Page, site: Site, email: str) -> None:
    await page.goto(f"{site.url}/login")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{site.url}/inbox")
