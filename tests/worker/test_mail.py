"""Staff mail goes through a real SMTP server on loopback (aiosmtpd), in the staff member's
language; a server that is down is retried, and mail that is switched off is not queued forever."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.config import DeliverySettings, SmtpSettings
from core.db import transaction, utcnow
from core.i18n import gettext
from core.intents.catalog import Catalog
from core.notifications.mail import MAIL_OFF, StaffDelivery
from core.notifications.models import Outbox, OutboxChannel, OutboxState
from core.partners.models import Partner
from core.staff.models import Role
from core.tickets.targets import escalate_overdue
from tests.factories import create_staff, open_ticket
from tests.worker.conftest import DeliveryEnv, Inbox, delivery_env, free_port
from worker.mailer import SmtpMailer

PUBLIC_URL = "https://desk.riverton.example"
QUICK = DeliverySettings(backoff_seconds=0.01, max_attempts=3, poll_seconds=0.02)


async def _overdue_ticket_for_a_german_manager(env: DeliveryEnv) -> tuple[str, int, str]:
    async with transaction(env.sessions) as session:
        partner = await session.scalar(sa.select(Partner).where(Partner.code == "roads"))
        manager = await create_staff(session, env.services, Role.MANAGER, partner)
        manager.locale = "de"
        ticket = await open_ticket(session, env.services)
        ticket.resolution_due_at = utcnow() - dt.timedelta(hours=1)
        await session.flush()
        assert await escalate_overdue(session, env.services.tickets) == 1
        return manager.email, ticket.id, ticket.reference


def _mail(env: DeliveryEnv, mailer: SmtpMailer | None) -> StaffDelivery:
    return StaffDelivery(env.sessions, mailer, QUICK, "desk@riverton.example", PUBLIC_URL, dt.UTC)


async def _states(env: DeliveryEnv) -> list[tuple[OutboxState, str | None]]:
    async with env.sessions() as session:
        statement = sa.select(Outbox.state, Outbox.last_error).where(
            Outbox.channel == OutboxChannel.EMAIL
        )
        return [tuple(row) for row in (await session.execute(statement)).all()]  # type: ignore[misc]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_an_escalation_arrives_by_mail_in_the_managers_language(
    backend: str, tmp_path: Path, catalog: Catalog, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    async with delivery_env(backend, tmp_path, catalog) as env:
        address, ticket_id, reference = await _overdue_ticket_for_a_german_manager(env)
        delivery = _mail(env, SmtpMailer(SmtpSettings(host="127.0.0.1", port=port)))
        while await delivery.deliver_next():
            pass
        assert await _states(env) == [(OutboxState.SENT, None)]
    [message] = inbox.received
    assert message["To"] == address and message["From"] == "desk@riverton.example"
    subject = gettext("de", "Overdue: {reference} ({partner})").split("{")[0]
    assert subject != "Overdue: " and message["Subject"].startswith(subject)
    assert reference in message["Subject"]
    body = message.get_content()
    assert f"{PUBLIC_URL}/tickets/{ticket_id}" in body


async def test_a_mail_server_that_is_down_is_retried_then_reported(
    tmp_path: Path, catalog: Catalog
) -> None:
    async with delivery_env("sqlite", tmp_path, catalog) as env:
        await _overdue_ticket_for_a_german_manager(env)
        delivery = _mail(env, SmtpMailer(SmtpSettings(host="127.0.0.1", port=free_port())))
        await delivery.deliver_next()
        [(state, error)] = await _states(env)
        assert state is OutboxState.PENDING and error and "Connect" in error
        for _ in range(50):
            if (await _states(env))[0][0] is OutboxState.FAILED:
                break
            await delivery.deliver_next()
            await asyncio.sleep(0.02)
        assert (await _states(env))[0][0] is OutboxState.FAILED


async def test_with_mail_switched_off_staff_notices_are_cancelled(
    tmp_path: Path, catalog: Catalog
) -> None:
    async with delivery_env("sqlite", tmp_path, catalog) as env:
        await _overdue_ticket_for_a_german_manager(env)
        assert await _mail(env, None).deliver_next()
        assert await _states(env) == [(OutboxState.CANCELLED, MAIL_OFF)]
