"""Updates reach residents once, in order, in their language; failures are handled as Telegram
expects (429 waits, 403 stops, 5xx retries, 400 gives up)."""

from __future__ import annotations

import asyncio
import itertools
import time

import sqlalchemy as sa

from core.access import SystemActor
from core.config import DeliverySettings
from core.db import transaction
from core.i18n import translations
from core.notifications.models import OutboxState
from core.residents.models import Resident
from core.staff.models import Role
from core.tickets.details import ticket_details
from core.tickets.models import DeliveryState, Message
from core.tickets.status import TicketStatus
from tests.factories import actor_of, create_resident, create_staff, open_ticket
from tests.worker.conftest import FAST, DeliveryEnv

RLM = "\u200f"


async def _ticket_with_updates(env: DeliveryEnv, locale: str) -> tuple[int, int, str]:
    """A resident's ticket taken through acknowledged, a reply, and resolved."""
    services = env.services
    async with transaction(env.sessions) as session:
        resident = await create_resident(session, services, locale)
        ticket = await open_ticket(session, services, resident)
        worker = actor_of(await create_staff(session, services, Role.COORDINATOR))
        await services.tickets.change_status(session, worker, ticket.id, TicketStatus.ACKNOWLEDGED)
        await services.conversation.reply(session, worker, ticket.id, "We <b>will</b> fix it")
        await services.tickets.change_status(session, worker, ticket.id, TicketStatus.RESOLVED)
        assert resident.telegram_chat_id is not None
        return resident.telegram_chat_id, ticket.id, ticket.reference


async def test_updates_arrive_once_in_order_in_the_residents_language(denv: DeliveryEnv) -> None:
    chat_uk, _, reference_uk = await _ticket_with_updates(denv, "uk")
    chat_ar, _, _ = await _ticket_with_updates(denv, "ar")
    await denv.drain()
    await denv.drain()  # a second pass finds nothing to send again

    ukrainian = [message["text"] for message in denv.stub.messages(chat_uk)]
    assert len(ukrainian) == 3 and all(reference_uk in text for text in ukrainian)
    uk = translations("uk")
    assert uk.gettext("Was it fixed?") != "Was it fixed?"
    assert uk.gettext("Was it fixed?") in ukrainian[2]
    assert "We <b>will</b> fix it" in ukrainian[1]  # the caseworker's words, escaped, not markup
    resolved = denv.stub.messages(chat_uk)[2]
    answers = [
        b["callback_data"] for row in resolved["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert {data.split(":")[2] for data in answers if data.startswith("rate:")} == {
        "yes",
        "no",
        "partly",
    }
    arabic = denv.stub.messages(chat_ar)
    assert len(arabic) == 3 and all(message["text"].startswith(RLM) for message in arabic)

    rows = await denv.outbox()
    assert [row.state for row in rows] == [OutboxState.SENT] * 6
    sent_ids = {message["message_id"] for message in denv.stub.messages(chat_uk)}
    assert {row.external_id for row in rows if row.resident_id == rows[0].resident_id} == sent_ids
    async with denv.sessions() as session:
        replies = (await session.execute(sa.select(Message.delivery_state))).scalars().all()
    assert list(replies) == [DeliveryState.SENT, DeliveryState.SENT]


async def test_429_is_waited_out_and_keeps_the_residents_order(denv: DeliveryEnv) -> None:
    chat, _, _ = await _ticket_with_updates(denv, "en")
    denv.stub.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    started = time.monotonic()
    await denv.drain()
    sends = denv.sends(chat)
    assert len(sends) == 4  # the refused attempt, then the three updates
    assert sends[1].at - sends[0].at >= 0.95, "sent again before retry_after had passed"
    texts = [message["text"] for message in denv.stub.messages(chat)]
    assert "seen by staff" in texts[0] and "will" in texts[1] and "resolved" in texts[2]
    assert time.monotonic() - started >= 0.95
    [first, *_] = await denv.outbox()
    assert first.state is OutboxState.SENT and "retry after" in (first.last_error or "")


async def test_a_blocked_bot_marks_the_resident_unreachable_for_caseworkers(
    denv: DeliveryEnv,
) -> None:
    chat, ticket_id, _ = await _ticket_with_updates(denv, "de")
    denv.stub.block(chat)
    await denv.drain()
    assert len(denv.sends(chat)) == 1  # the first 403 stops the rest
    rows = await denv.outbox()
    assert [row.state for row in rows] == [OutboxState.FAILED] * 3
    assert "blocked" in (rows[0].last_error or "")
    async with denv.sessions() as session:
        resident = await session.scalar(
            sa.select(Resident).where(Resident.telegram_chat_id == chat)
        )
        assert resident is not None and not resident.reachable
        reply_state = await session.scalar(sa.select(Message.delivery_state))
        assert reply_state is DeliveryState.FAILED
        details = await ticket_details(session, SystemActor("test"), ticket_id)
        assert details.resident_reachable is False


async def test_server_errors_are_retried_with_backoff_then_given_up(denv: DeliveryEnv) -> None:
    chat, _, _ = await _ticket_with_updates(denv, "en")
    denv.stub.fail("sendMessage", 502, "Bad Gateway", times=2)
    await denv.drain()
    rows = await denv.outbox()
    assert [row.state for row in rows] == [OutboxState.SENT] * 3
    assert rows[0].attempts == 3 and len(rows[0].params["_failures"]) == 2
    assert len(denv.stub.messages(chat)) == 3

    chat2, _, _ = await _ticket_with_updates(denv, "en")
    denv.stub.fail("sendMessage", 500, "Internal Server Error", chat_id=chat2, times=50)
    give_up = DeliverySettings(**{**FAST.model_dump(), "max_attempts": 3})
    await denv.drain(denv.delivery(give_up))
    failed = [row for row in await denv.outbox() if row.state is OutboxState.FAILED]
    assert len(failed) == 3 and all(row.attempts == 3 for row in failed)
    assert all("Internal Server Error" in (row.last_error or "") for row in failed)


async def test_a_refused_message_fails_at_once_and_the_next_one_goes(denv: DeliveryEnv) -> None:
    chat, _, _ = await _ticket_with_updates(denv, "en")
    denv.stub.fail("sendMessage", 400, "Bad Request: can't parse entities")
    await denv.drain()
    states = [row.state for row in await denv.outbox()]
    assert states == [OutboxState.FAILED, OutboxState.SENT, OutboxState.SENT]
    assert len(denv.stub.messages(chat)) == 2


async def test_pace_stays_under_the_global_rate_and_one_message_per_chat(
    denv: DeliveryEnv,
) -> None:
    chats = [(await _ticket_with_updates(denv, "en"))[0] for _ in range(12)]  # 36 updates
    paced = DeliverySettings(
        rate_per_second=15, chat_interval_seconds=1.0, backoff_seconds=0.05, poll_seconds=0.02
    )
    await denv.drain(denv.delivery(paced), timeout=60)
    moments = sorted(call.at for call in denv.sends())
    assert len(moments) == 36
    for index, moment in enumerate(moments):
        in_window = [m for m in moments[index:] if m - moment < 1.0]
        assert len(in_window) <= 15, f"{len(in_window)} sends within one second"
    for chat in chats:
        sends = [call.at for call in denv.sends(chat)]
        assert all(b - a >= 0.95 for a, b in itertools.pairwise(sends))


async def test_idle_delivery_sends_a_new_update_promptly(denv: DeliveryEnv) -> None:
    delivery = denv.delivery()
    stop = asyncio.Event()
    running = asyncio.create_task(delivery.run(stop))
    try:
        await asyncio.sleep(0.2)
        committed = time.monotonic()
        chat, _, _ = await _ticket_with_updates(denv, "en")
        await denv.stub.wait_activity(chat, 0, 3, timeout=10)
        assert denv.sends(chat)[0].at - committed < 1.0
    finally:
        stop.set()
        await asyncio.wait_for(running, 10)
