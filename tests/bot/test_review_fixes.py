"""Privacy and robustness: followers, group chats, double taps, stale buttons, big inputs."""

import asyncio
import json
from pathlib import Path

import sqlalchemy as sa

from core.access import SystemActor
from core.db import transaction
from core.intents.catalog import Catalog
from core.residents.models import Resident
from core.tickets.models import Ticket
from tests.bot.conftest import BotEnv, button, buttons_of, consent, resident, running_bot
from tests.factories import NORTH


async def _file_pothole(env: BotEnv, user, text: str = "huge pothole on the road") -> Ticket:  # type: ignore[no-untyped-def]
    [question] = await env.stub.say(user, text)
    await env.stub.press(user, question, button(question, "✅"), expect=3)
    replies = await env.stub.send_location(user, *NORTH, expect=2)
    while "✅" not in "".join(buttons_of(replies[-1])) or "⏭" in "".join(buttons_of(replies[-1])):
        label = "⏭" if "⏭" in "".join(buttons_of(replies[-1])) else "📝"
        replies = await env.stub.press(user, replies[-1], button(replies[-1], label), expect=2)
    await env.stub.press(user, replies[-1], button(replies[-1], "✅"), expect=2)
    return (await env.rows(sa.select(Ticket).order_by(Ticket.id.desc())))[0]


async def test_a_follower_sees_the_status_but_not_the_reporters_words(env: BotEnv) -> None:
    owner, neighbour = resident(60, "en"), resident(61, "en")
    await consent(env.stub, owner)
    ticket = await _file_pothole(env, owner, "huge pothole, I am Jane Doe, call 0170 5555")
    async with transaction(env.sessions) as session:
        await env.services.conversation.reply(
            session, SystemActor(), ticket.id, "Dear Jane, we call you"
        )
    await consent(env.stub, neighbour)
    [question] = await env.stub.say(neighbour, "there is a pothole here")
    await env.stub.press(neighbour, question, button(question, "✅"), expect=3)
    [offer] = (await env.stub.send_location(neighbour, *NORTH, expect=2))[-1:]
    await env.stub.press(neighbour, offer, button(offer, "👍"), expect=2)
    [listing] = await env.stub.say(neighbour, "/mytickets")
    [details] = (
        await env.stub.press(neighbour, listing, button(listing, ticket.reference), expect=2)
    )[-1:]
    assert ticket.reference in details["text"]
    assert "Jane" not in details["text"] and "0170" not in details["text"]
    assert buttons_of(details) == {}  # no writing into someone else's conversation


async def test_group_chats_are_ignored(env: BotEnv) -> None:
    user = resident(62, "en")
    await consent(env.stub, user)
    group = {"id": -100123, "type": "supergroup", "title": "Neighbours"}
    start = len(env.stub.activity)
    await env.stub.push("message", {**env.stub._message_from(user, text="/mydata"), "chat": group})
    await asyncio.sleep(1.0)
    assert env.stub.messages(-100123) == [] and len(env.stub.activity) == start
    stored = (await env.rows(sa.select(Resident)))[0]
    assert stored.telegram_chat_id == user.id


async def test_a_double_tap_on_send_files_one_ticket(tmp_path: Path, catalog: Catalog) -> None:
    async with running_bot("postgresql", tmp_path, catalog) as env:
        user = resident(63, "en")
        await consent(env.stub, user)
        [question] = await env.stub.say(user, "blorp zanzibar quux")
        data = button(question, "📨")
        visible = {
            k: v for k, v in question.items() if k not in ("raw", "upload", "edits", "keyboard")
        }
        start = len(env.stub.activity)
        for number in range(2):
            await env.stub.push(
                "callback_query",
                {
                    "id": f"tap{number}",
                    "from": user.as_user(),
                    "chat_instance": "c",
                    "message": visible,
                    "data": data,
                },
            )
        await env.stub.wait_activity(user.id, start, 2)
        assert await env.scalar(sa.select(sa.func.count(Ticket.id))) == 1


async def test_an_old_button_does_not_act_on_a_new_report(env: BotEnv) -> None:
    user = resident(64, "en")
    await consent(env.stub, user)
    [old] = await env.stub.say(user, "blorp zanzibar quux")  # offers "send to city staff"
    [question] = await env.stub.say(user, "huge pothole on the road")
    await env.stub.press(user, question, button(question, "✅"), expect=3)
    start = len(env.stub.callback_answers)
    await env.stub.push(
        "callback_query",
        {
            "id": "old",
            "from": user.as_user(),
            "chat_instance": "c",
            "message": {k: v for k, v in old.items() if k != "raw"},
            "data": button(old, "📨"),
        },
    )
    for _ in range(50):
        if len(env.stub.callback_answers) > start:
            break
        await asyncio.sleep(0.05)
    assert "no longer active" in env.stub.callback_answers[-1].get("text", "")
    assert await env.scalar(sa.select(sa.func.count(Ticket.id))) == 0


async def test_eleven_photos_are_politely_refused(tmp_path: Path, catalog: Catalog) -> None:
    async with running_bot("sqlite", tmp_path, catalog, bot={"flood_messages": 100}) as env:
        user = resident(65, "en")
        await consent(env.stub, user)
        for _ in range(10):
            await env.stub.send_photo(user)
        [reply] = await env.stub.send_photo(user)
        assert "up to 10" in reply["text"]


async def test_declining_after_agreeing_changes_nothing(env: BotEnv) -> None:
    user = resident(66, "en")
    [first] = await env.stub.say(user, "/start")
    [second] = await env.stub.say(user, "hello there")  # another consent prompt
    await env.stub.press(user, first, button(first, "✅"), expect=2)
    replies = await env.stub.press(user, second, button(second, "❌"), expect=2)
    assert "/forget" in replies[-1]["text"]
    assert (await env.rows(sa.select(Resident)))[0].consent_at is not None


async def test_a_ticket_with_long_messages_still_opens(env: BotEnv) -> None:
    user = resident(67, "en")
    await consent(env.stub, user)
    [question] = await env.stub.say(user, "blorp zanzibar quux")
    await env.stub.press(user, question, button(question, "📨"), expect=2)
    ticket = (await env.rows(sa.select(Ticket)))[0]
    async with transaction(env.sessions) as session:
        for size in (3900, 3500, 2000):
            await env.services.conversation.reply(session, SystemActor(), ticket.id, "x" * size)
    [listing] = await env.stub.say(user, "/mytickets")
    [details] = (await env.stub.press(user, listing, button(listing, ticket.reference), expect=2))[
        -1:
    ]
    assert "Sorry" not in details["text"] and len(details["text"]) < 4096


async def test_exports_hold_only_the_residents_own_words(env: BotEnv) -> None:
    user = resident(68, "en")
    await consent(env.stub, user)
    [question] = await env.stub.say(user, "blorp zanzibar quux")
    await env.stub.press(user, question, button(question, "📨"), expect=2)
    [document] = await env.stub.say(user, "/mydata")
    export = json.loads(document["upload"])
    assert [t["description"] for t in export["tickets"]] == ["blorp zanzibar quux"]
