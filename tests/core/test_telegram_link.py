"""Staff link a Telegram chat with a one-time code from the inbox."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import Forbidden
from core.services import Services
from core.staff import telegram_link
from core.staff.models import Role
from core.staff.telegram_link import (
    LINK_CODE_ALPHABET,
    LINK_CODE_LENGTH,
    LINK_CODE_TTL,
    LinkCodeExpired,
    LinkCodeInvalid,
    complete_link,
    start_link,
    unlink,
)
from tests.factories import create_city, create_staff

CHAT = 9_100_000


async def test_a_code_links_the_chat_once(session: AsyncSession, services: Services) -> None:
    city = await create_city(session, services)
    manager = await create_staff(session, services, Role.MANAGER, city["roads"])
    code = await start_link(session, manager)
    assert len(code) == LINK_CODE_LENGTH and set(code) <= set(LINK_CODE_ALPHABET)
    # Only the hash is kept, with an expiry.
    assert manager.telegram_link_code_hash == hashlib.sha256(code.encode()).hexdigest()
    assert manager.telegram_link_expires_at is not None
    assert manager.telegram_link_expires_at - utcnow() <= LINK_CODE_TTL

    typed = f" {code[:4].lower()}-{code[4:]} "  # how people type it
    linked = await complete_link(session, typed, CHAT)
    assert linked.id == manager.id and manager.telegram_chat_id == CHAT
    assert manager.telegram_link_code_hash is None and manager.telegram_link_expires_at is None
    with pytest.raises(LinkCodeInvalid):
        await complete_link(session, code, CHAT + 1)
    assert manager.telegram_chat_id == CHAT


async def test_a_new_code_replaces_the_earlier_one(
    session: AsyncSession, services: Services
) -> None:
    staff = await create_staff(session, services, Role.COORDINATOR)
    first = await start_link(session, staff)
    second = await start_link(session, staff)
    with pytest.raises(LinkCodeInvalid):
        await complete_link(session, first, CHAT)
    assert (await complete_link(session, second, CHAT)).id == staff.id


async def test_an_expired_code_is_refused(session: AsyncSession, services: Services) -> None:
    staff = await create_staff(session, services, Role.COORDINATOR)
    made = utcnow() - LINK_CODE_TTL
    code = await start_link(session, staff, now=made)
    with pytest.raises(LinkCodeExpired):
        await complete_link(session, code, CHAT)
    assert staff.telegram_chat_id is None
    # Just before the end it still works.
    code = await start_link(session, staff)
    await complete_link(session, code, CHAT, now=utcnow() + LINK_CODE_TTL / 2)
    assert staff.telegram_chat_id == CHAT


@pytest.mark.parametrize("typed", ["", "   ", "ABCD", "ABCDEFGH", "0O1IL0O1", "/link", "ü" * 5000])
async def test_wrong_codes_are_refused(
    session: AsyncSession, services: Services, typed: str
) -> None:
    staff = await create_staff(session, services, Role.COORDINATOR)
    await start_link(session, staff)
    with pytest.raises(LinkCodeInvalid) as refused:
        await complete_link(session, typed, CHAT)
    assert not isinstance(refused.value, LinkCodeExpired)
    assert staff.telegram_chat_id is None and staff.telegram_link_code_hash is not None


async def test_disabled_staff_cannot_link(session: AsyncSession, services: Services) -> None:
    staff = await create_staff(session, services, Role.COORDINATOR)
    code = await start_link(session, staff)
    staff.active = False
    with pytest.raises(LinkCodeInvalid):
        await complete_link(session, code, CHAT)
    assert staff.telegram_chat_id is None
    with pytest.raises(Forbidden):
        await start_link(session, staff)


async def test_linking_a_chat_moves_it_from_another_account(
    session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    first = await create_staff(session, services, Role.MANAGER, city["roads"])
    second = await create_staff(session, services, Role.MANAGER, city["food-north"])
    await complete_link(session, await start_link(session, first), CHAT)
    await complete_link(session, await start_link(session, second), CHAT)
    await session.refresh(first)
    assert first.telegram_chat_id is None and second.telegram_chat_id == CHAT
    # And an account moves to a new chat when it links again.
    await complete_link(session, await start_link(session, second), CHAT + 1)
    assert second.telegram_chat_id == CHAT + 1


async def test_unlink_forgets_the_chat_and_any_pending_code(
    session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    staff = await create_staff(session, services, Role.CASEWORKER, city["roads"])
    await complete_link(session, await start_link(session, staff), CHAT)
    pending = await start_link(session, staff)
    await unlink(session, staff)
    assert staff.telegram_chat_id is None and staff.telegram_link_code_hash is None
    with pytest.raises(LinkCodeInvalid):
        await complete_link(session, pending, CHAT)


def test_typed_codes_are_normalised() -> None:
    assert telegram_link.normalise_code(" abcd – efgh\n") == "ABCDEFGH"
    assert telegram_link.normalise_code("ab_cd-ef gh") == "ABCDEFGH"
