"""The account page's Telegram section: a one-time code shown once, CSRF on both forms, unlink."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from core.services import Services
from core.staff.models import Role, Staff
from core.staff.telegram_link import complete_link
from tests.api.conftest import asgi_client
from tests.api.test_web import PASSWORD, sign_in
from tests.factories import create_city, create_staff

LINK_COMMAND = re.compile(r"<code>/link ([A-Z0-9]+)</code>")


async def _manager(session: AsyncSession, services: Services) -> Staff:
    city = await create_city(session, services)
    return await create_staff(
        session, services, Role.MANAGER, city["roads"], email="mira@city.example", password=PASSWORD
    )


async def test_the_code_is_shown_once_and_links_the_chat(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    manager = await _manager(session, services)
    token = await sign_in(api, manager.email)
    page = await api.get("/account")
    assert "Link Telegram" in page.text and "/link" not in page.text

    made = await api.post("/account/telegram", data={"csrf_token": token})
    assert made.status_code == 200
    code = LINK_COMMAND.search(made.text).group(1)  # type: ignore[union-attr]
    assert "our Telegram bot" in made.text
    assert manager.telegram_link_code_hash == hashlib.sha256(code.encode()).hexdigest()
    # Shown only in that answer: the page does not show it again.
    again = await api.get("/account")
    assert code not in again.text and "Link Telegram" in again.text

    await complete_link(session, code, 4242)
    linked = await api.get("/account")
    assert "Your Telegram account is linked" in linked.text and "Unlink Telegram" in linked.text
    assert "Link Telegram</button>" not in linked.text


async def test_both_forms_need_their_csrf_token(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    manager = await _manager(session, services)
    token = await sign_in(api, manager.email)
    for data in ({}, {"csrf_token": "forged"}):
        assert (await api.post("/account/telegram", data=data)).status_code == 403
    assert manager.telegram_link_code_hash is None

    code = LINK_COMMAND.search(  # type: ignore[union-attr]
        (await api.post("/account/telegram", data={"csrf_token": token})).text
    ).group(1)
    await complete_link(session, code, 4243)
    for data in ({}, {"csrf_token": "forged"}):
        assert (await api.post("/account/telegram/unlink", data=data)).status_code == 403
    assert manager.telegram_chat_id == 4243


async def test_unlink_removes_the_chat(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    manager = await _manager(session, services)
    token = await sign_in(api, manager.email)
    code = LINK_COMMAND.search(  # type: ignore[union-attr]
        (await api.post("/account/telegram", data={"csrf_token": token})).text
    ).group(1)
    await complete_link(session, code, 4244)
    response = await api.post("/account/telegram/unlink", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/account"
    assert manager.telegram_chat_id is None
    assert "Link Telegram" in (await api.get("/account")).text


async def test_anyone_signed_in_may_link_but_nobody_anonymous(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    caseworker = await create_staff(
        session,
        services,
        Role.CASEWORKER,
        city["roads"],
        email="cw@city.example",
        password=PASSWORD,
    )
    anonymous = await api.post("/account/telegram", data={"csrf_token": "x"})
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    token = await sign_in(api, caseworker.email)
    made = await api.post("/account/telegram", data={"csrf_token": token})
    assert made.status_code == 200 and LINK_COMMAND.search(made.text)


@pytest.fixture
async def api_with_bot_name(
    session: AsyncSession, services: Services, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = services.settings.model_copy(
        update={"data_dir": tmp_path, "bot_username": "riverton_desk_bot"}
    )
    async with asgi_client(session, services, settings) as client:
        yield client


async def test_the_bots_name_is_given_when_known(
    api_with_bot_name: AsyncClient, session: AsyncSession, services: Services
) -> None:
    manager = await _manager(session, services)
    token = await sign_in(api_with_bot_name, manager.email)
    made = await api_with_bot_name.post("/account/telegram", data={"csrf_token": token})
    assert "@riverton_desk_bot" in made.text and "our Telegram bot" not in made.text
