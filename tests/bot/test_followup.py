"""Residents act on the updates they receive: answer by replying, and "was it fixed?"."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from bot.notifier import TelegramNotifier
from core.access import StaffActor
from core.config import DeliverySettings
from core.db import transaction, utcnow
from core.notifications.delivery import OutboxDelivery, Outcome
from core.notifications.pacing import MemoryPacer
from core.residents.models import Resident
from core.staff.models import Role
from core.tickets.inbox import InboxFilters, Queue, list_inbox
from core.tickets.jobs import remind_to_rate
from core.tickets.models import Direction, Message, Rating, RatingAnswer, Ticket
from core.tickets.status import TicketStatus
from tests.bot.conftest import BotEnv, FakeUser, button, consent, resident
from tests.factories import actor_of, create_staff, open_ticket

FAST = DeliverySettings(rate_per_second=1000, chat_interval_seconds=0, poll_seconds=0.02)


async def _deliver(env: BotEnv) -> None:
    notifier = TelegramNotifier(
        env.bot, env.services.context.catalog, env.services.settings.tz, "en"
    )
    delivery = OutboxDelivery(env.sessions, notifier, MemoryPacer(1000, 0), FAST, "test")
    while await delivery.deliver_next() != Outcome.IDLE:
        pass


async def _ticket_of(env: BotEnv, user: FakeUser) -> tuple[int, StaffActor]:
    """A ticket filed for a resident who consented in the bot, and a caseworker for it."""
    async with transaction(env.sessions) as session:
        person = await session.scalar(
            sa.select(Resident).where(Resident.telegram_user_id == user.id)
        )
        assert person is not None
        ticket = await open_ticket(session, env.services, person)
        staff = await create_staff(session, env.services, Role.COORDINATOR)
        return ticket.id, actor_of(staff)


async def test_a_resident_answers_a_question_by_replying_to_it(env: BotEnv) -> None:
    user = resident(40, "en")
    await consent(env.stub, user)
    ticket_id, caseworker = await _ticket_of(env, user)
    async with transaction(env.sessions) as session:
        await env.services.conversation.request_info(
            session, caseworker, ticket_id, "Which house number is it near?"
        )
    start = len(env.stub.activity)
    await _deliver(env)
    [question] = await env.stub.wait_activity(user.id, start, 1)
    assert "Which house number is it near?" in question["text"]

    [thanks] = await env.stub.say(user, "Near number 12", reply_to=question)
    assert "added to your request" in thanks["text"]
    ticket = (await env.rows(sa.select(Ticket)))[0]
    assert ticket.status is TicketStatus.IN_PROGRESS and ticket.waiting_since is None
    inbound = await env.rows(sa.select(Message).where(Message.direction == Direction.INBOUND))
    assert [message.text for message in inbound] == ["Near number 12"]
    async with env.sessions() as session:
        page = await list_inbox(session, caseworker, InboxFilters(queue=Queue.OPEN), now=utcnow())
    assert [row.unread for row in page.rows] == [True]


async def test_not_fixed_reopens_the_ticket_and_a_comment_follows(env: BotEnv) -> None:
    user = resident(41, "en")
    await consent(env.stub, user)
    ticket_id, caseworker = await _ticket_of(env, user)
    async with transaction(env.sessions) as session:
        await env.services.tickets.change_status(
            session, caseworker, ticket_id, TicketStatus.RESOLVED
        )
    start = len(env.stub.activity)
    await _deliver(env)
    [resolved] = await env.stub.wait_activity(user.id, start, 1)
    assert "Was it fixed?" in resolved["text"]

    [scores] = (await env.stub.press(user, resolved, button(resolved, "👎"), expect=2))[-1:]
    replies = await env.stub.press(user, scores, button(scores, "2"), expect=2)
    assert "reopened" in replies[-1]["text"]
    ticket = (await env.rows(sa.select(Ticket)))[0]
    assert ticket.status is TicketStatus.REOPENED and ticket.resolved_at is None
    [thanks] = await env.stub.say(user, "The hole is still there")
    assert "comment" in thanks["text"]
    [rating] = await env.rows(sa.select(Rating))
    assert (rating.answer, rating.score, rating.comment) == (
        RatingAnswer.NO,
        2,
        "The hole is still there",
    )


async def test_fixed_keeps_it_resolved_and_the_reminder_asks_only_once(env: BotEnv) -> None:
    user = resident(42, "en")
    await consent(env.stub, user)
    ticket_id, caseworker = await _ticket_of(env, user)
    async with transaction(env.sessions) as session:
        await env.services.tickets.change_status(
            session, caseworker, ticket_id, TicketStatus.RESOLVED
        )
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.resolved_at = utcnow() - dt.timedelta(days=4)
    async with transaction(env.sessions) as session:
        assert await remind_to_rate(session, after=dt.timedelta(days=3)) == 1
    async with transaction(env.sessions) as session:
        assert await remind_to_rate(session, after=dt.timedelta(days=3)) == 0
    start = len(env.stub.activity)
    await _deliver(env)
    _, reminder = await env.stub.wait_activity(user.id, start, 2)
    assert "fixed? One tap tells us" in reminder["text"]

    [scores] = (await env.stub.press(user, reminder, button(reminder, "👍"), expect=2))[-1:]
    replies = await env.stub.press(user, scores, button(scores, "Skip"), expect=2)
    assert "glad" in replies[-1]["text"]
    ticket = (await env.rows(sa.select(Ticket)))[0]
    assert ticket.status is TicketStatus.RESOLVED
    [rating] = await env.rows(sa.select(Rating))
    assert (rating.answer, rating.score) == (RatingAnswer.YES, None)


async def test_a_translated_reply_shows_its_original_on_request(env: BotEnv) -> None:
    from tests.translate import TranslateStub
    from worker.translator import LibreTranslate

    server = TranslateStub()
    client = LibreTranslate(await server.start())
    user = resident(43, "uk")
    await consent(env.stub, user)
    ticket_id, caseworker = await _ticket_of(env, user)
    async with transaction(env.sessions) as session:
        await env.services.conversation.reply(session, caseworker, ticket_id, "Fixed by Friday")
    notifier = TelegramNotifier(
        env.bot, env.services.context.catalog, env.services.settings.tz, "en"
    )
    delivery = OutboxDelivery(
        env.sessions, notifier, MemoryPacer(1000, 0), FAST, "test", translator=client
    )
    start = len(env.stub.activity)
    try:
        while await delivery.deliver_next() != Outcome.IDLE:
            pass
    finally:
        await client.close()
        await server.stop()
    [reply] = await env.stub.wait_activity(user.id, start, 1)
    assert "[uk] Fixed by Friday" in reply["text"]
    [original] = (await env.stub.press(user, reply, button(reply, "🔤"), expect=1))[-1:]
    assert "Fixed by Friday" in original["text"] and "[uk]" not in original["text"]
