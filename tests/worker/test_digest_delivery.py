"""The weekly digest end to end: queued once per person, mailed through a real SMTP server on
loopback (aiosmtpd) and parsed back, and sent to linked Telegram chats through the Bot API
stand-in; a send that fails is retried and reported without stopping the others."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from bot.notifier import TelegramNotifier
from core.config import SmtpSettings
from core.db import transaction, utcnow
from core.digest.delivery import DigestRenderer
from core.digest.models import CITY_SCOPE, partner_scope
from core.digest.service import queue_week
from core.digest.weeks import Week
from core.intents.catalog import Catalog
from core.notifications.mail import TELEGRAM_OFF, StaffDelivery
from core.notifications.models import Outbox, OutboxChannel, OutboxState
from core.notifications.pacing import MemoryPacer
from core.partners.models import Partner
from core.staff.models import Role
from tests.factories import create_staff, open_ticket
from tests.worker.conftest import FAST, DeliveryEnv, Inbox, delivery_env, free_port
from worker.mailer import SmtpMailer
from worker.runner import run_worker

PUBLIC_URL = "https://desk.riverton.example"
MANAGER_CHAT = 777_001
CID = re.compile(r'src="cid:([^"]+)"')


async def _week_with_people(env: DeliveryEnv) -> dict[str, Any]:
    """Last week: one overdue ticket for roads; a Ukrainian roads manager on Telegram, an
    Arabic-speaking coordinator, and a caseworker (who gets no digest)."""
    tz = env.services.settings.tz
    week = Week.last_complete(utcnow(), tz)
    start, _ = week.bounds(tz)
    async with transaction(env.sessions) as session:
        roads = await session.scalar(sa.select(Partner).where(Partner.code == "roads"))
        assert roads is not None
        manager = await create_staff(session, env.services, Role.MANAGER, roads)
        manager.locale, manager.telegram_chat_id = "uk", MANAGER_CHAT
        coordinator = await create_staff(session, env.services, Role.COORDINATOR)
        coordinator.locale = "ar"
        await create_staff(session, env.services, Role.CASEWORKER, roads)
        ticket = await open_ticket(session, env.services)
        assert ticket.partner_id == roads.id
        ticket.created_at = start + dt.timedelta(days=1)
        ticket.resolution_due_at = start + dt.timedelta(days=2)
        await session.flush()
        return {
            "week": week,
            "roads": roads.id,
            "manager": manager.email,
            "coordinator": coordinator.email,
            "ticket": ticket.id,
        }


async def _queue(env: DeliveryEnv, week: Week, **options: Any) -> list[tuple[int, str, str]]:
    async with transaction(env.sessions) as session:
        rows = await queue_week(session, week, env.services.settings.tz, **options)
        return [(row.staff_id or 0, row.channel.value, row.params["scope"]) for row in rows]


def _staff_delivery(env: DeliveryEnv, port: int) -> StaffDelivery:
    settings = env.services.settings
    notifier = TelegramNotifier(env.bot, env.services.context.catalog, settings.tz, "en")
    return StaffDelivery(
        env.sessions,
        SmtpMailer(SmtpSettings(host="127.0.0.1", port=port)),
        FAST,
        "desk@riverton.example",
        PUBLIC_URL,
        settings.tz,
        digests=DigestRenderer(env.services.context.catalog, "Riverton", PUBLIC_URL, settings.tz),
        chat=notifier,
        pacer=MemoryPacer(FAST.rate_per_second, FAST.chat_interval_seconds),
    )


async def _digest_rows(env: DeliveryEnv) -> list[Outbox]:
    async with env.sessions() as session:
        statement = sa.select(Outbox).where(Outbox.template == "staff.digest").order_by(Outbox.id)
        return list((await session.execute(statement)).scalars())


async def _deliver_all(delivery: StaffDelivery, env: DeliveryEnv) -> None:
    for _ in range(200):
        rows = await _digest_rows(env)
        if all(row.state is not OutboxState.PENDING for row in rows):
            return
        if not await delivery.deliver_next():
            await asyncio.sleep(0.02)
    pytest.fail("digests still pending")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_the_week_is_queued_once_per_person_and_channel(
    backend: str, tmp_path: Path, catalog: Catalog
) -> None:
    async with delivery_env(backend, tmp_path, catalog) as env:
        made = await _week_with_people(env)
        first = await _queue(env, made["week"])
        channels = sorted((channel, scope) for _, channel, scope in first)
        roads = partner_scope(made["roads"])
        assert channels == [("email", CITY_SCOPE), ("email", roads), ("telegram", roads)]
        assert await _queue(env, made["week"]) == []  # the job ran again: nothing twice
        again = await _queue(env, made["week"], only_email=made["manager"], again=True)
        assert sorted(channel for _, channel, _ in again) == ["email", "telegram"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_digests_arrive_by_mail_and_telegram_in_each_managers_language(
    backend: str, tmp_path: Path, catalog: Catalog, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    async with delivery_env(backend, tmp_path, catalog) as env:
        made = await _week_with_people(env)
        async with transaction(env.sessions) as session:  # markup characters in a name
            roads = await session.get(Partner, made["roads"])
            assert roads is not None
            roads.name = "Roads & <b>Bridges</b>"
        await _queue(env, made["week"])
        await _deliver_all(_staff_delivery(env, port), env)
        assert {row.state for row in await _digest_rows(env)} == {OutboxState.SENT}
        photos = [call for call in env.stub.calls if call.method == "sendPhoto"]
        [shown] = [m for m in env.stub.messages(MANAGER_CHAT) if "photo" in m]

    by_recipient = {message["To"]: message for message in inbox.received}
    assert set(by_recipient) == {made["manager"], made["coordinator"]}
    for address, language in ((made["manager"], "uk"), (made["coordinator"], "ar")):
        message = by_recipient[address]
        assert isinstance(message, EmailMessage)
        assert message.get_content_type() == "multipart/alternative"
        assert str(made["week"].monday.day) in message["Subject"]  # the week's local dates
        plain = message.get_body(preferencelist=("plain",))
        html_part = message.get_body(preferencelist=("html",))
        assert plain is not None and html_part is not None
        html = html_part.get_content()
        assert f'lang="{language}"' in html
        assert f"{PUBLIC_URL}/digests/{made['week']}" in html
        assert ('dir="rtl"' in html) is (language == "ar")
        images = {
            part["Content-ID"].strip("<>"): part
            for part in message.walk()
            if part.get_content_type() == "image/png"
        }
        referenced = set(CID.findall(html))
        assert referenced and referenced <= set(images)
        for image in images.values():
            assert image.get_content().startswith(b"\x89PNG")
            assert image.get_content_disposition() == "inline"
    manager_html = by_recipient[made["manager"]].get_body(preferencelist=("html",))
    assert manager_html is not None
    assert f"{PUBLIC_URL}/tickets/{made['ticket']}" in manager_html.get_content()
    assert "Roads &amp; &lt;b&gt;Bridges&lt;/b&gt;" in manager_html.get_content()
    assert "<b>Bridges" not in manager_html.get_content()
    [photo] = photos
    assert int(photo.params["chat_id"]) == MANAGER_CHAT
    assert str(made["week"]) in photo.params["caption"]
    # Sent as plain text: the manager sees the name as written, not bold and not cut at "<".
    assert "Roads & <b>Bridges</b>" in shown["caption"]
    assert env.stub.uploads[-1][2].startswith(b"\x89PNG")


class RefusingInbox(Inbox):
    """Refuses one address for good (550) and greylists the first try for another (451)."""

    def __init__(self, refused: str, greylisted: str) -> None:
        super().__init__()
        self.refused, self.greylisted, self.greylist_done = refused, greylisted, False

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address == self.refused:
            return "550 no such mailbox"
        if address == self.greylisted and not self.greylist_done:
            self.greylist_done = True
            return "451 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_a_failed_send_is_retried_and_reported_and_the_others_go(
    tmp_path: Path, catalog: Catalog
) -> None:
    async with delivery_env("sqlite", tmp_path, catalog) as env:
        made = await _week_with_people(env)
        handler = RefusingInbox(refused=made["coordinator"], greylisted=made["manager"])
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        env.stub.fail("sendPhoto", 500, "Internal Server Error")
        try:
            await _queue(env, made["week"])
            await _deliver_all(_staff_delivery(env, port), env)
        finally:
            controller.stop()
        rows = {(row.staff_id, row.channel): row for row in await _digest_rows(env)}
    states = {key[1].value + ":" + row.state.value for key, row in rows.items()}
    assert states == {"email:failed", "email:sent", "telegram:sent"}
    refused = next(row for row in rows.values() if row.state is OutboxState.FAILED)
    assert refused.channel is OutboxChannel.EMAIL and "550" in (refused.last_error or "")
    greylisted = next(
        row for row in rows.values() if row.channel is OutboxChannel.EMAIL and row.attempts > 1
    )
    assert (
        greylisted.state is OutboxState.SENT
        and "451" in greylisted.params["_failures"][0]["reason"]
    )
    telegram = next(row for row in rows.values() if row.channel is OutboxChannel.TELEGRAM)
    assert telegram.attempts == 2 and "Internal Server Error" in (telegram.last_error or "")
    assert [message["To"] for message in handler.received] == [made["manager"]]


async def test_a_worker_started_after_the_scheduled_time_sends_the_missed_digest_once(
    tmp_path: Path, catalog: Catalog, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    smtp_settings = {"host": "127.0.0.1", "port": port}
    async with delivery_env("postgresql", tmp_path, catalog, smtp=smtp_settings) as env:
        made = await _week_with_people(env)
        for _start in range(2):  # started twice: the week goes once
            stop = asyncio.Event()
            worker = asyncio.create_task(run_worker(env.services, env.sessions, stop))
            for _ in range(300):
                if len(inbox.received) >= 3 and len(env.stub.uploads) >= 1:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
            stop.set()
            await asyncio.wait_for(worker, 10)
    digests = [  # the overdue ticket also brought the roads manager an escalation mail
        message["To"]
        for message in inbox.received
        if message.get_content_type() == "multipart/alternative"
    ]
    assert sorted(digests) == sorted([made["manager"], made["coordinator"]])
    assert len(env.stub.uploads) == 1


async def test_telegram_digests_wait_for_the_process_that_delivers(
    tmp_path: Path, catalog: Catalog, smtp: tuple[Inbox, int]
) -> None:
    _inbox, port = smtp
    async with delivery_env("sqlite", tmp_path, catalog) as env:
        made = await _week_with_people(env)
        await _queue(env, made["week"])
        mail_only = _staff_delivery(env, port)
        mail_only.chat, mail_only.claims_telegram = None, False  # another process delivers
        while await mail_only.deliver_next():
            pass
        states = {row.channel: row.state for row in await _digest_rows(env)}
        assert states[OutboxChannel.TELEGRAM] is OutboxState.PENDING
        no_token = _staff_delivery(env, port)
        no_token.chat = None  # no bot token anywhere: Telegram is off, the row is cancelled
        while await no_token.deliver_next():
            pass
        [telegram] = [
            row for row in await _digest_rows(env) if row.channel is OutboxChannel.TELEGRAM
        ]
        assert telegram.state is OutboxState.CANCELLED and telegram.last_error == TELEGRAM_OFF
