"""Notifications to staff: escalations by mail, the weekly digest by mail and Telegram. Each is
rendered in the staff member's language and delivered from the outbox like residents' updates,
through the Mailer port and, for those who linked Telegram, the StaffChat port."""

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
from core.notifications.pacing import Pacer
from core.notifications.ports import PermanentFailure, Receipt, RecipientUnreachable, RetryLater
from core.notifications.templates import Template
from core.staff.models import Staff

logger = logging.getLogger(__name__)
MAIL_OFF = "mail is off: set CIVICDESK_SMTP__HOST to send it"
TELEGRAM_OFF = "Telegram is off: set CIVICDESK_BOT_TOKEN to send it"


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


class StaffChat(Protocol):
    async def send_photo(self, chat_id: int, photo: bytes, caption: str) -> Receipt:
        """Send a picture with its caption; raises the ports' DeliveryError subclasses."""


class DigestMessages(Protocol):
    """Renders a queued weekly digest (core.digest.delivery)."""

    async def mail(
        self, session: AsyncSession, row: Outbox, member: Staff, sender: str
    ) -> EmailMessage: ...

    async def telegram(
        self, session: AsyncSession, row: Outbox, member: Staff
    ) -> tuple[bytes, str]: ...


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
class StaffDelivery:
    sessions: async_sessionmaker[AsyncSession]
    mailer: Mailer | None  # None: mail is switched off
    settings: DeliverySettings
    sender: str
    public_url: str
    timezone: ZoneInfo
    digests: DigestMessages | None = None
    chat: StaffChat | None = None  # None: no bot token, Telegram is switched off
    pacer: Pacer | None = None  # Telegram's pace, shared with residents' updates
    # False leaves staff Telegram rows to another process (the one that delivers on SQLite).
    claims_telegram: bool = True

    async def deliver_next(self) -> bool:
        """Send (or give up on) the next due staff notification; False when there is none."""
        async with self.sessions() as session, session.begin():
            now = utcnow()
            statement = (
                sa.select(Outbox, Staff)
                .join(Staff, Staff.id == Outbox.staff_id)
                .where(
                    Outbox.state == OutboxState.PENDING,
                    Outbox.channel.in_(self._channels()),
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
            cancelled = self._why_not(row, member)
            if cancelled is not None:
                row.state = OutboxState.CANCELLED
                row.last_error = cancelled
                return True
            try:
                if row.channel == OutboxChannel.TELEGRAM:
                    await self._send_telegram(session, row, member)
                else:
                    await self._send_mail(session, row, member)
            except RetryLater as exc:
                if self.pacer is not None:
                    await self.pacer.pause(exc.retry_after)
                row.attempts -= 1  # being asked to wait is not a failed attempt
                row.next_attempt_at = utcnow() + dt.timedelta(seconds=exc.retry_after)
                record_failure(row, str(exc), utcnow())
                return True
            except (PermanentFailure, RecipientUnreachable) as exc:
                row.state = OutboxState.FAILED
                record_failure(row, f"refused: {exc}", utcnow())
                logger.warning("outbox %d to %s refused: %s", row.id, member.email, exc)
                return True
            except Exception as exc:
                record_failure(row, f"{type(exc).__name__}: {exc}", utcnow())
                if row.attempts >= self.settings.max_attempts:
                    row.state = OutboxState.FAILED
                    logger.error("outbox %d: giving up after %d attempts", row.id, row.attempts)
                else:
                    row.next_attempt_at = utcnow() + backoff(self.settings, row.attempts)
                    logger.warning("outbox %d: attempt %d failed: %s", row.id, row.attempts, exc)
                return True
            row.state = OutboxState.SENT
            row.sent_at = utcnow()
            return True

    def _channels(self) -> list[OutboxChannel]:
        if self.claims_telegram:
            return [OutboxChannel.EMAIL, OutboxChannel.TELEGRAM]
        return [OutboxChannel.EMAIL]

    def _why_not(self, row: Outbox, member: Staff) -> str | None:
        """Why this row will never go (it is cancelled, not retried), or None."""
        if not member.active:
            return "the account is disabled"
        if row.channel == OutboxChannel.EMAIL:
            return MAIL_OFF if self.mailer is None else None
        if self.chat is None:
            return TELEGRAM_OFF
        if member.telegram_chat_id is None:
            return "the account is no longer linked to Telegram"
        if row.template != Template.DIGEST or self.digests is None:
            return f"no Telegram message for {row.template!r}"
        return None

    async def _send_mail(self, session: AsyncSession, row: Outbox, member: Staff) -> None:
        assert self.mailer is not None
        if row.template == Template.DIGEST:
            if self.digests is None:
                raise PermanentFailure("this worker cannot render digests")
            mail = await self.digests.mail(session, row, member, self.sender)
        else:
            mail = render_staff_mail(row, member, self.sender, self.public_url, self.timezone)
        await self.mailer.send(mail)

    async def _send_telegram(self, session: AsyncSession, row: Outbox, member: Staff) -> None:
        assert self.chat is not None
        assert self.digests is not None
        assert member.telegram_chat_id is not None
        chat_id = member.telegram_chat_id
        photo, caption = await self.digests.telegram(session, row, member)
        if self.pacer is None:
            receipt = await self.chat.send_photo(chat_id, photo, caption)
        else:
            slot = await self.pacer.take_slot()
            try:
                receipt = await self.chat.send_photo(chat_id, photo, caption)
            finally:
                await self.pacer.release_slot(slot, chat_id)
        row.external_id = receipt.external_id

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                busy = await self.deliver_next()
            except Exception:
                logger.exception("staff delivery: could not reach the database")
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.poll_seconds * 5)
