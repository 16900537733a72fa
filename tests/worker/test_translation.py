"""Optional machine translation through a LibreTranslate-compatible server (a stand-in here)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from core.access import ResidentActor, SystemActor
from core.db import transaction
from core.i18n import translations
from core.staff.models import Role
from core.tickets.details import ticket_details
from core.tickets.models import Message
from core.tickets.translation import translate_inbound
from tests.factories import actor_of, create_resident, create_staff, open_ticket
from tests.translate import TranslateStub
from tests.worker.conftest import FAST, DeliveryEnv
from worker.translator import LibreTranslate


@pytest.fixture
async def translator() -> AsyncIterator[tuple[TranslateStub, LibreTranslate]]:
    stub = TranslateStub()
    client = LibreTranslate(await stub.start())
    try:
        yield stub, client
    finally:
        await client.close()
        await stub.stop()


async def _reply_to(env: DeliveryEnv, locale: str, text: str) -> tuple[int, int]:
    async with transaction(env.sessions) as session:
        resident = await create_resident(session, env.services, locale)
        ticket = await open_ticket(session, env.services, resident)
        worker = actor_of(await create_staff(session, env.services, Role.COORDINATOR))
        await env.services.conversation.reply(session, worker, ticket.id, text)
        assert resident.telegram_chat_id is not None
        return resident.telegram_chat_id, ticket.id


async def test_a_reply_reaches_the_resident_translated_and_marked(
    denv: DeliveryEnv, translator: tuple[TranslateStub, LibreTranslate]
) -> None:
    server, client = translator
    chat, _ = await _reply_to(denv, "uk", "We will fix the hole on Monday")
    delivery = denv.delivery(FAST)
    delivery.translator = client
    await denv.drain(delivery)
    [message] = denv.stub.messages(chat)
    assert "[uk] We will fix the hole on Monday" in message["text"]
    assert translations("uk").gettext("(translated automatically)") in message["text"]
    labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert any(label.startswith("🔤") for label in labels)  # the original, on request
    assert server.requests[0]["source"] == "auto" and server.requests[0]["target"] == "uk"
    [row] = await denv.outbox()
    assert row.text == "We will fix the hole on Monday"  # the original is kept
    assert row.params["_translation"] == "[uk] We will fix the hole on Monday"


async def test_when_translation_fails_the_words_go_as_written(
    denv: DeliveryEnv, translator: tuple[TranslateStub, LibreTranslate]
) -> None:
    server, client = translator
    server.failing = True
    chat, _ = await _reply_to(denv, "ar", "We will fix the hole on Monday")
    delivery = denv.delivery(FAST)
    delivery.translator = client
    await denv.drain(delivery)
    [message] = denv.stub.messages(chat)
    assert "We will fix the hole on Monday" in message["text"] and "[ar]" not in message["text"]
    assert translations("ar").gettext("(translated automatically)") not in message["text"]


async def test_residents_messages_are_translated_for_staff(
    denv: DeliveryEnv, translator: tuple[TranslateStub, LibreTranslate]
) -> None:
    server, client = translator
    async with transaction(denv.sessions) as session:
        resident = await create_resident(session, denv.services, "uk")
        ticket = await open_ticket(session, denv.services, resident)
        await denv.services.conversation.resident_message(
            session, ResidentActor(resident.id), ticket.id, "Яма досі там"
        )
        ticket_id = ticket.id
    server.failing = True
    async with transaction(denv.sessions) as session:
        assert await translate_inbound(session, client, "en") == 0  # tried again next run
    server.failing = False
    async with transaction(denv.sessions) as session:
        assert await translate_inbound(session, client, "en") == 1
    async with transaction(denv.sessions) as session:
        assert await translate_inbound(session, client, "en") == 0
        [message] = (await session.execute(sa.select(Message))).scalars().all()
        assert (message.translation, message.translation_language) == ("[en] Яма досі там", "en")
        details = await ticket_details(session, SystemActor("test"), ticket_id)
        assert details.translations == {message.id: "[en] Яма досі там"}
