"""A resident reports a problem from first contact to reference number, in several languages."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from core.intents.catalog import Catalog
from core.residents.models import Resident
from core.tickets.models import Ticket
from tests.bot.conftest import BotEnv, button, buttons_of, consent, resident, running_bot
from tests.factories import NORTH

REPORTS = {
    "en": "The street light in front of my house has been broken for three days",
    "uk": "Біля мого будинку вже три дні не світить ліхтар",
    "ar": "عمود الإنارة أمام بيتي لا يعمل منذ ثلاثة أيام",
    "zh": "我家门口的路灯坏了三天了",
}


@pytest.mark.parametrize("language", list(REPORTS))
async def test_full_report_flow(env: BotEnv, language: str) -> None:
    stub = env.stub
    user = resident(1, language)
    [welcome] = await stub.say(user, "/start")
    assert welcome["text"]
    replies = await stub.press(user, welcome, button(welcome, "✅"), expect=2)
    assert any("keyboard" in m.get("keyboard", {}) for m in replies)  # the main menu

    [question] = await stub.say(user, REPORTS[language])
    assert "<b>" in question["raw"]
    confirm = button(question, "✅")
    replies = await stub.press(
        user, question, confirm, expect=3
    )  # edited question, ask location, districts
    ask = [m for m in replies if m.get("keyboard", {}).get("keyboard")]
    assert ask and ask[0]["keyboard"]["keyboard"][0][0]["request_location"] is True
    replies = await stub.send_location(user, *NORTH, expect=2)  # "got it" + photo question
    photo_question = replies[-1]
    replies = await stub.send_photo(
        user, b"\xff\xd8lamp", expect=2
    )  # photo added + first attribute
    attribute = replies[-1]
    options = buttons_of(attribute)
    assert len(options) >= 4  # problem: out / flickering / day / pole, and Skip
    replies = await stub.press(user, attribute, next(iter(options.values())), expect=2)
    pole_question = replies[-1]
    replies = await stub.say(user, "L-1234", expect=1)
    summary = replies[-1]
    assert "L-1234" in summary["text"] and "📍" in summary["text"] and "📷" in summary["text"]
    replies = await stub.press(user, summary, button(summary, "✅"), expect=2)
    confirmation = replies[-1]["text"]

    async with env.sessions() as session:
        ticket = (await session.execute(sa.select(Ticket))).scalar_one()
        person = (await session.execute(sa.select(Resident))).scalar_one()
    assert ticket.reference in confirmation
    assert ticket.intent_code == "streetlight" and ticket.district == "north"
    assert ticket.answers["pole_number"] == "L-1234" and ticket.attachments[0]["kind"] == "photo"
    assert ticket.language == language and person.locale == language and person.consent_at
    assert ticket.description == REPORTS[language]
    if language == "ar":
        assert confirmation.startswith("\u200f")
        assert f"\u2066{ticket.reference}\u2069" in confirmation
    del photo_question, pole_question


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_full_flow_on_postgres(backend: str, tmp_path: Path, catalog: Catalog) -> None:
    async with running_bot(backend, tmp_path, catalog) as env:
        user = resident(2, "en")
        await consent(env.stub, user)
        [question] = await env.stub.say(user, "graffiti all over the bus stop on Park Road")
        await env.stub.press(user, question, button(question, "✅"), expect=3)
        replies = await env.stub.say(user, "Park Road bus stop", expect=2)  # address, then photo
        replies = await env.stub.press(user, replies[-1], button(replies[-1], "⏭"), expect=2)
        while "✅" not in "".join(buttons_of(replies[-1])) or "⏭" in "".join(
            buttons_of(replies[-1])
        ):
            replies = await env.stub.press(user, replies[-1], button(replies[-1], "⏭"), expect=2)
        await env.stub.press(user, replies[-1], button(replies[-1], "✅"), expect=2)
        ticket = (await env.rows(sa.select(Ticket)))[0]
        assert ticket.intent_code == "graffiti" and ticket.address == "Park Road bus stop"
