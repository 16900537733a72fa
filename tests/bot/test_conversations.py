"""The other conversations: emergencies, answers, unsure matches, duplicates, media, requests."""

import json

import pytest
import sqlalchemy as sa

from core.intents.models import LearnedExample
from core.residents.models import Resident
from core.tickets.models import Message, Ticket, TicketFollower
from core.tickets.status import TicketStatus
from tests.bot.conftest import BotEnv, button, buttons_of, consent, resident
from tests.factories import NORTH


async def test_emergency_number_comes_first_even_before_consent(env: BotEnv) -> None:
    user = resident(10, "uk")
    [reply] = await env.stub.say(user, "Пожежа в під'їзді, дим, люди на п'ятому поверсі!")
    assert "112" in reply["text"]
    assert await env.scalar(sa.select(sa.func.count(Resident.id))) == 0  # nothing kept
    replies = await env.stub.press(user, reply, button(reply, "📝"), expect=2)
    assert any(button(m, "✅") for m in replies if buttons_of(m))  # consent is asked first


async def test_emergency_after_consent_can_be_filed(env: BotEnv) -> None:
    user = resident(11, "en")
    await consent(env.stub, user)
    [reply] = await env.stub.say(user, "my neighbour collapsed and is not breathing")
    assert "112" in reply["text"]
    replies = await env.stub.press(user, reply, button(reply, "📝"), expect=3)  # location question
    await env.stub.say(user, "⏭ Skip", expect=2)  # summary after the location step
    summary = env.stub.last(user.id)
    await env.stub.press(user, summary, button(summary, "✅"), expect=2)
    ticket = (await env.rows(sa.select(Ticket)))[0]
    assert ticket.intent_code == "emergency" and ticket.priority.value == "urgent"
    del replies


async def test_information_is_answered_directly(env: BotEnv) -> None:
    user = resident(12, "de")
    await consent(env.stub, user)
    [answer] = await env.stub.say(user, "Wann hat das Rathaus geöffnet?")
    assert "0800 123 456" in answer["text"] and len(buttons_of(answer)) == 2
    [thanks] = (await env.stub.press(user, answer, button(answer, "👍"), expect=2))[-1:]
    assert thanks["text"]
    assert await env.scalar(sa.select(sa.func.count(Ticket.id))) == 0


async def test_unknown_goes_to_triage(env: BotEnv) -> None:
    user = resident(13, "en")
    await consent(env.stub, user)
    [reply] = await env.stub.say(user, "blorp zanzibar quux")
    replies = await env.stub.press(user, reply, button(reply, "📨"), expect=2)
    ticket = (await env.rows(sa.select(Ticket)))[0]
    assert ticket.intent_code == "unknown" and ticket.description == "blorp zanzibar quux"
    assert ticket.reference in replies[-1]["text"]


async def test_a_choice_after_an_unsure_match_teaches_the_matcher(env: BotEnv) -> None:
    user = resident(14, "en")
    await consent(env.stub, user)
    text = "the zebra crossing paint has vanished near the school"
    [reply] = await env.stub.say(user, text)
    topic = button(reply, "📂") if "📂" in "".join(buttons_of(reply)) else button(reply, "🔄")
    [groups] = (await env.stub.press(user, reply, topic, expect=2))[-1:]
    [intents] = (await env.stub.press(user, groups, button(groups, "Streets"), expect=2))[-1:]
    replies = await env.stub.press(user, intents, button(intents, "Sidewalk"), expect=3)
    await env.stub.send_location(user, *NORTH, expect=2)
    replies = await env.stub.press(
        user, env.stub.last(user.id), button(env.stub.last(user.id), "⏭"), expect=2
    )
    while "✅" not in "".join(buttons_of(replies[-1])):
        replies = await env.stub.press(user, replies[-1], button(replies[-1], "⏭"), expect=2)
    await env.stub.press(user, replies[-1], button(replies[-1], "✅"), expect=2)
    example = (await env.rows(sa.select(LearnedExample)))[0]
    assert example.intent_code == "sidewalk_accessibility" and example.text == text
    assert example.source.value == "resident_choice"


async def test_a_nearby_open_report_is_offered_to_follow(env: BotEnv) -> None:
    first, second = resident(15, "en"), resident(16, "es")
    for user, text in (
        (first, "huge pothole on the road"),
        (second, "hay un bache enorme en la calle"),
    ):
        await consent(env.stub, user)
        [question] = await env.stub.say(user, text)
        await env.stub.press(user, question, button(question, "✅"), expect=3)
        replies = await env.stub.send_location(user, *NORTH, expect=2)
        if user is second:
            offer = replies[-1]
            assert "m" in offer["text"] and len(buttons_of(offer)) == 2
            await env.stub.press(user, offer, button(offer, "👍"), expect=2)
            break
        replies = await env.stub.press(user, replies[-1], button(replies[-1], "⏭"), expect=2)
        while "✅" not in "".join(buttons_of(replies[-1])):
            replies = await env.stub.press(user, replies[-1], button(replies[-1], "⏭"), expect=2)
        await env.stub.press(user, replies[-1], button(replies[-1], "✅"), expect=2)
    assert await env.scalar(sa.select(sa.func.count(Ticket.id))) == 1
    assert await env.scalar(sa.select(sa.func.count()).select_from(TicketFollower)) == 1


async def test_photos_and_voice_notes_become_attachments(env: BotEnv) -> None:
    user = resident(17, "en")
    await consent(env.stub, user)
    await env.stub.send_photo(user, b"\xff\xd8dump")  # before saying what it is
    [question] = await env.stub.say(user, "someone dumped a mattress and old sofa here")
    await env.stub.press(user, question, button(question, "✅"), expect=3)
    replies = await env.stub.send_location(user, *NORTH, expect=2)
    while "✅" not in "".join(buttons_of(replies[-1])) or "⏭" in "".join(buttons_of(replies[-1])):
        replies = await env.stub.press(user, replies[-1], button(replies[-1], "⏭"), expect=2)
    await env.stub.press(user, replies[-1], button(replies[-1], "✅"), expect=2)
    ticket = (await env.rows(sa.select(Ticket)))[0]
    assert [a["kind"] for a in ticket.attachments] == ["photo"]

    [groups] = (await env.stub.say(user, "📝 Report a problem", expect=2))[-1:]
    [intents] = (await env.stub.press(user, groups, button(groups, "Home"), expect=2))[-1:]
    replies = await env.stub.press(user, intents, button(intents, "Noise"), expect=2)
    replies = await env.stub.send_voice(user, expect=2)  # the voice note is the description
    assert any("🎤" in m["text"] for m in replies)


async def test_my_tickets_and_a_message_about_one(env: BotEnv) -> None:
    user = resident(18, "en")
    await consent(env.stub, user)
    [question] = await env.stub.say(user, "blorp zanzibar quux")
    await env.stub.press(user, question, button(question, "📨"), expect=2)
    [listing] = await env.stub.say(user, "/mytickets")
    ticket = (await env.rows(sa.select(Ticket)))[0]
    assert ticket.reference in listing["text"] and "received" in listing["text"]
    [details] = (await env.stub.press(user, listing, button(listing, ticket.reference), expect=2))[
        -1:
    ]
    [prompt] = (await env.stub.press(user, details, button(details, "✍️"), expect=2))[-1:]
    await env.stub.say(user, "It is at the corner of Elm and 5th")
    messages = await env.rows(sa.select(Message))
    assert [m.text for m in messages] == ["It is at the corner of Elm and 5th"]
    [details] = (
        await env.stub.press(
            user,
            (await env.stub.say(user, "/mytickets"))[0],
            button(env.stub.last(user.id), ticket.reference),
            expect=2,
        )
    )[-1:]
    [confirm] = (await env.stub.press(user, details, button(details, "🗑"), expect=2))[-1:]
    await env.stub.press(user, confirm, button(confirm, "Yes"), expect=2)
    assert (await env.rows(sa.select(Ticket)))[0].status is TicketStatus.CLOSED
    del prompt


async def test_mydata_and_forget(env: BotEnv) -> None:
    user = resident(19, "fr")
    await consent(env.stub, user)
    [question] = await env.stub.say(user, "blorp zanzibar quux")
    await env.stub.press(user, question, button(question, "📨"), expect=2)
    [document] = await env.stub.say(user, "/mydata")
    export = json.loads(document["upload"])
    assert export["resident"]["telegram_user_id"] == user.id
    assert export["tickets"][0]["description"] == "blorp zanzibar quux"
    [confirm] = await env.stub.say(user, "/forget")
    await env.stub.press(
        user,
        confirm,
        button(confirm, "✅")
        if "✅" in "".join(buttons_of(confirm))
        else next(iter(buttons_of(confirm).values())),
        expect=2,
    )
    person = (await env.rows(sa.select(Resident)))[0]
    assert person.telegram_user_id is None and person.forgotten_at is not None
    assert (await env.rows(sa.select(Ticket)))[0].description is None


async def test_every_odd_message_gets_a_kind_answer(env: BotEnv) -> None:
    user = resident(20, "en")
    await consent(env.stub, user)
    for kind in ("sticker", "animation", "document", "contact"):
        [reply] = await env.stub.send_other(user, kind)
        assert reply["text"]
    [reply] = await env.stub.say(user, "x" * 4050)
    assert "4,000" in reply["text"] or "4000" in reply["text"]
    [reply] = await env.stub.edit(user, 1, "edited text")
    assert reply["text"]
    [reply] = await env.stub.say(user, "🙂🙂🙂")
    assert reply["text"]
    [reply] = await env.stub.send_voice(user)
    assert reply["text"]


async def test_language_is_chosen_and_kept(env: BotEnv) -> None:
    user = resident(21, "en")
    await consent(env.stub, user)
    [menu] = await env.stub.say(user, "/language")
    assert "Українська" in buttons_of(menu) and "العربية" in buttons_of(menu)
    await env.stub.press(user, menu, buttons_of(menu)["Українська"], expect=2)
    assert (await env.rows(sa.select(Resident)))[0].locale == "uk"


async def test_flooding_is_slowed_down_politely(env: BotEnv) -> None:
    user = resident(22, "en")
    await consent(env.stub, user)
    start = len(env.stub.activity)
    for _ in range(14):
        await env.stub.push("message", env.stub._message_from(user, text="hello?"))
    replies = await env.stub.wait_activity(user.id, start, 10)
    warnings = [m for m in replies if "very fast" in m.get("text", "")]
    assert len(warnings) == 1
    assert len(replies) <= 11  # the limit, plus the one warning


async def test_ambiguous_messages_offer_the_close_choices(env: BotEnv) -> None:
    user = resident(23, "en")
    await consent(env.stub, user)
    [choices] = await env.stub.say(user, "help with rent and food")
    options = buttons_of(choices)
    assert len(options) >= 3 and any("Something else" in label for label in options)
    food = next(label for label in options if "ood" in label)
    replies = await env.stub.press(user, choices, options[food], expect=2)
    assert any("Where is it?" in message["text"] for message in replies)  # the report goes on


async def test_an_unexpected_error_apologises_and_leaves_nothing_half_written(
    env: BotEnv,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = resident(24, "en")
    await consent(env.stub, user)
    [question] = await env.stub.say(user, "blorp zanzibar quux")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(env.services.tickets, "open", broken)
    replies = await env.stub.press(user, question, button(question, "📨"), expect=2)
    assert "Sorry, something went wrong" in replies[-1]["text"] and "112" in replies[-1]["text"]
    assert await env.scalar(sa.select(sa.func.count(Ticket.id))) == 0
    monkeypatch.undo()
    [again] = await env.stub.say(user, "blorp zanzibar quux")  # the conversation starts afresh
    assert buttons_of(again)
