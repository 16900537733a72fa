"""End to end: a caseworker acts through the JSON API; the worker's delivery loop sends the
update through the Bot API stand-in in the resident's language; the resident replies in
Telegram; the caseworker reads the reply through the API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from api.app import create_app
from bot.notifier import TelegramNotifier
from core.config import DeliverySettings
from core.db import transaction
from core.i18n import translations
from core.notifications.delivery import OutboxDelivery, Outcome
from core.notifications.pacing import MemoryPacer
from core.residents.models import Resident
from core.staff import tokens
from core.staff.models import Role
from tests.bot.conftest import BotEnv, consent, resident
from tests.factories import SYSTEM, create_staff, open_ticket

RLM = "\u200f"


async def _deliver(env: BotEnv) -> None:
    notifier = TelegramNotifier(
        env.bot, env.services.context.catalog, env.services.settings.tz, "en"
    )
    settings = DeliverySettings(rate_per_second=1000, chat_interval_seconds=0)
    delivery = OutboxDelivery(env.sessions, notifier, MemoryPacer(1000, 0), settings, "e2e")
    while await delivery.deliver_next() != Outcome.IDLE:
        pass


def _before_placeholder(locale: str, message: str) -> str:
    """The translated words of a message up to its first placeholder."""
    translated = translations(locale).gettext(message)
    assert translated != message, f"{message!r} is not translated into {locale}"
    return translated.split("{")[0]


@pytest.mark.parametrize("locale", ["uk", "ar"])
async def test_caseworker_acts_through_the_api_and_the_resident_answers(
    env: BotEnv, locale: str
) -> None:
    user = resident(60, locale)
    await consent(env.stub, user)
    async with transaction(env.sessions) as session:
        person = await session.scalar(
            sa.select(Resident).where(Resident.telegram_user_id == user.id)
        )
        assert person is not None and person.locale == locale
        ticket = await open_ticket(session, env.services, person)
        ticket_id, reference = ticket.id, ticket.reference
        staff = await create_staff(session, env.services, Role.COORDINATOR)
        _, secret = await tokens.create_token(session, SYSTEM, staff.id, "e2e")
    headers = {"Authorization": f"Bearer {secret}"}

    app = create_app(env.services.settings, env.services)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://desk") as api:

            async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
                answer = await api.post(
                    f"/api/v1/tickets/{ticket_id}/{path}", json=body, headers=headers
                )
                assert answer.status_code == 200, answer.text
                return answer.json()  # type: ignore[no-any-return]

            await post("status", {"status": "acknowledged"})
            await post("request-info", {"text": "Which house is it near?"})
            start = len(env.stub.activity)
            await _deliver(env)
            acknowledged, question = await env.stub.wait_activity(user.id, start, 2)
            seen = _before_placeholder(
                locale, "Your request {reference} ({service}) has been seen by staff."
            )
            assert seen.strip() in acknowledged["text"] and reference in acknowledged["text"]
            assert "Which house is it near?" in question["text"]
            if locale == "ar":
                assert acknowledged["text"].startswith(RLM) and question["text"].startswith(RLM)

            [thanks] = await env.stub.say(
                user, "Біля будинку 12 / قرب المنزل 12", reply_to=question
            )
            assert thanks["text"]
            detail = (await api.get(f"/api/v1/tickets/{ticket_id}", headers=headers)).json()
    assert detail["ticket"]["status"] == "in_progress"
    inbound = [
        event["text"]
        for event in detail["timeline"]
        if event["kind"] == "message" and (event["after"] or {}).get("direction") == "inbound"
    ]
    assert inbound == ["Біля будинку 12 / قرب المنزل 12"]
