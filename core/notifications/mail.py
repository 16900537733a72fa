"""Mail to staff (escalations now, the weekly digest later): rendered in the staff member's
language and delivered from the outbox like residents' updates, through the Mailer port."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import DeliverySettings
from core.db import utcnow
from core.i18n import SUPPORTED_LOCALES, format_local_datetime, gettext
from core.notifications.delivery import backoff, record_failure
from core.notifications.models import Outbox, OutboxChannel, OutboxState
from core.notifications.ports import PermanentFailure
from core.notifications.templates import Template
from core.staff.models import Staff

logger = logging.getLogger(__name__)
MAIL_OFF = "mail is off: set CIVICDESK_SMTP__HOST to send it"


def _noop(message: str) -> str:
    """Marks a string for extraction; it is translated per recipient when the mail is built."""
    return message


TEMPLATES = frozenset(template.value for template in Template)
STAFF_TEXTS = {  # (template, escalation level) -> (subject, body)
    (Template.ESCALATION, 1): (
        _noop("Overdue: {reference} ({partner})"),
        _noop(
            "Ticket {reference} of {partner} was due on {due} and is still open.\n\nOpen it: {link}"
        ),
    ),
    (Template.ESCALATION, 2): (
        _noop("Still overdue, for the coordination unit: {reference}"),
        _noop(
            "Ticket {reference} of {partner} was due on {due} and is still open, a working "
            "day after its partner's managers were told.\n\nOpen it: {link}"
        ),
    ),
    (Template.NOT_FIXED, 0): (
        _noop("Not fixed: {reference} is open again"),
        _noop(
            "The resident answered that ticket {reference} is not fixed, so it is open "
            "again.\n\nOpen it: {link}"
        ),
    ),
}


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand the message to the mail server; PermanentFailure if it refuses the recipient,
        TemporaryFailure (or any other error) when trying again later may help."""


def render_staff_mail(
    row: Outbox, member: Staff, sender: str, public_url: str, timezone: ZoneInfo
) -> EmailMessage:
    locale = member.locale if member.locale in SUPPORTED_LOCALES else "en"
    params = row.params or {}
    message = EmailMessage()
    message["From"] = sender
    message["To"] = member.email
    level = min(int(params.get("level", 0)), 2)
    texts = STAFF_TEXTS.get((Template(row.template), level)) if row.template in TEMPLATES else None
    if texts is None:
        raise PermanentFailure(f"no mail for {row.template!r} at level {level}")
    due = params.get("due")
    values = {
        "reference": params.get("reference", ""),
        "partner": params.get("partner", ""),
        "due": format_local_datetime(dt.datetime.fromisoformat(due), locale, timezone)
        if isinstance(due, str)
        else "",
        "link": f"{public_url.rstrip('/')}/tickets/{row.ticket_id}",
    }
    subject, body = (gettext(locale, text) for text in texts)
    message["Subject"] = subject.format(**values)
    message.set_content(body.format(**values) + "\n\n-- \ncivicdesk\n")
    return message


@dataclass
class MailDelivery:
    sessions: async_sessionmaker[AsyncSession]
    mailer: Mailer | None  # None: mail is switched off
    settings: DeliverySettings
    sender: str
    public_url: str
    timezone: ZoneInfo

    async def deliver_next(self) -> bool:
        """Send (or give up on) the next due mail; False when there is none."""
        async with self.sessions() as session, session.begin():
            now = utcnow()
            statement = (
                sa.select(Outbox, Staff)
                .join(Staff, Staff.id == Outbox.staff_id)
                .where(
                    Outbox.state == OutboxState.PENDING,
                    Outbox.channel == OutboxChannel.EMAIL,
                    Outbox.next_attempt_at <= now,
                )
                .order_by(Outbox.id)
                .limit(1)
                .with_for_update(skip_locked=True, of=Outbox)
            )
            found = (await session.execute(statement)).first()
            if found is None:
                return False
            row, member = found
            row.attempts += 1
            if self.mailer is None or not member.active:
                row.state = OutboxState.CANCELLED
                row.last_error = MAIL_OFF if self.mailer is None else "the account is disabled"
                return True
            try:
                mail = render_staff_mail(row, member, self.sender, self.public_url, self.timezone)
                await self.mailer.send(mail)
            except PermanentFailure as exc:
                row.state = OutboxState.FAILED
                record_failure(row, f"refused: {exc}", utcnow())
                logger.warning("mail %d to %s refused: %s", row.id, member.email, exc)
                return True
            except Exception as exc:
                record_failure(row, f"{type(exc).__name__}: {exc}", utcnow())
                if row.attempts >= self.settings.max_attempts:
                    row.state = OutboxState.FAILED
                    logger.error("mail %d: giving up after %d attempts", row.id, row.attempts)
                else:
                    row.next_attempt_at = utcnow() + backoff(self.settings, row.attempts)
                    logger.warning("mail %d: attempt %d failed: %s", row.id, row.attempts, exc)
                return True
            row.state = OutboxState.SENT
            row.sent_at = utcnow()
            return True

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                busy = await self.deliver_next()
            except Exception:
                logger.exception("mail delivery: could not reach the database")
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.poll_seconds * 5)
