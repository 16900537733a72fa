"""/link CODE through the real dispatcher and the Bot API stand-in: staff link their chat."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from aiogram.fsm.storage.base import StorageKey

from core.db import transaction, utcnow
from core.i18n import gettext
from core.intents.catalog import Catalog
from core.residents.models import Resident
from core.staff.models import Role, Staff
from core.staff.telegram_link import LINK_CODE_TTL, start_link
from tests.bot.conftest import BotEnv, FakeUser, button, consent, resident, running_bot
from tests.databases import BACKENDS
from tests.factories import create_staff

LINKED_TEMPLATE = (
    "This chat is now linked to the civicdesk account of {name}; weekly digests will arrive here."
)
LINKED = "This chat is now linked to the civicdesk account of Test Staff"
UNKNOWN = "I do not know this code"
EXPIRED = "This code has expired"
HOW_TO = "send me /link followed by the code"


async def _code_for(env: BotEnv, *, made_ago: float = 0) -> tuple[int, str]:
    """A manager and a fresh link code, committed as the inbox would."""
    async with transaction(env.sessions) as session:
        staff = await create_staff(session, env.services, Role.COORDINATOR)
        made = utcnow() - LINK_CODE_TTL * made_ago
        return staff.id, await start_link(session, staff, now=made)


async def _staff(env: BotEnv, staff_id: int) -> Staff:
    return await env.scalar(sa.select(Staff).where(Staff.id == staff_id))  # type: ignore[no-any-return]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_manager_links_their_chat(backend: str, tmp_path: Path, catalog: Catalog) -> None:
    async with running_bot(backend, tmp_path, catalog) as env:
        staff_id, code = await _code_for(env)
        manager = FakeUser(8_800_001, "Mira", "en")
        [reply] = await env.stub.say(manager, f"/link {code[:4].lower()} {code[4:]}")
        assert LINKED in reply["text"] and "weekly digests will arrive here" in reply["text"]
        staff = await _staff(env, staff_id)
        assert staff.telegram_chat_id == manager.id and staff.telegram_link_code_hash is None
        # A manager is not a resident: nothing about them is stored as one.
        assert await env.scalar(sa.select(sa.func.count()).select_from(Resident)) == 0

        [again] = await env.stub.say(manager, f"/link {code}")
        assert UNKNOWN in again["text"]
        assert (await _staff(env, staff_id)).telegram_chat_id == manager.id


async def test_wrong_missing_and_expired_codes_get_a_clear_answer(env: BotEnv) -> None:
    expired_id, expired = await _code_for(env, made_ago=1.5)
    manager = FakeUser(8_800_002, "Mira", "en")
    [how_to] = await env.stub.say(manager, "/link")
    assert HOW_TO in how_to["text"]
    for typed in ("/link nonsense", "/link ABCDEFGH", "/link " + "x" * 3000, "/link ⚠️<b>"):
        [reply] = await env.stub.say(manager, typed)
        assert UNKNOWN in reply["text"], typed
    [reply] = await env.stub.say(manager, f"/link {expired}")
    assert EXPIRED in reply["text"]
    assert (await _staff(env, expired_id)).telegram_chat_id is None


async def test_a_resident_mid_report_is_not_disturbed(env: BotEnv) -> None:
    """Staff who also report problems keep their conversation, in their own language."""
    user = resident(60, "ar")
    await consent(env.stub, user)
    [question] = await env.stub.say(user, "graffiti all over the bus stop on Park Road")
    key = StorageKey(bot_id=env.bot.id, chat_id=user.id, user_id=user.id)
    before = (
        await env.dispatcher.storage.get_state(key),
        await env.dispatcher.storage.get_data(key),
    )
    assert before[0] is not None

    staff_id, code = await _code_for(env)
    # Telegram now says English; the reply follows the resident's stored choice (Arabic: RTL).
    [reply] = await env.stub.say(FakeUser(user.id, user.first_name, "en"), f"/link {code}")
    linked_ar = gettext("ar", LINKED_TEMPLATE).format(name="Test Staff")
    assert linked_ar != LINKED_TEMPLATE.format(name="Test Staff")  # really in Arabic
    assert reply["text"].startswith("\u200f") and linked_ar in reply["text"]
    assert (await _staff(env, staff_id)).telegram_chat_id == user.id
    after = (
        await env.dispatcher.storage.get_state(key),
        await env.dispatcher.storage.get_data(key),
    )
    assert after == before
    # The report carries on from the question it was at.
    replies = await env.stub.press(user, question, button(question, "✅"), expect=3)
    assert len(replies) == 3 and replies[0]["text"].startswith("\u200f")
    assert await env.dispatcher.storage.get_state(key) not in (None, before[0])
