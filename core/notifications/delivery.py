"""Delivering outbox rows: claim one, send it through the Notifier, record what happened.

Each row is claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL and its lock held until the
outcome is committed, so several workers never send the same row, and a worker that dies mid-send
releases its row with its transaction: it is sent again, and at most that one message repeats.
There is no "sending" state to be stuck in. SQLite has no row locks; one worker runs there.

A resident's messages go out in the order they were written: a row waits while an earlier row of
the same resident is still pending (for instance waiting out a 429), so a retry never lets a
later update overtake an earlier one.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from core import metrics
from core.config import DeliverySettings
from core.db import is_postgres, utcnow
from core.notifications.models import Outbox, OutboxChannel, OutboxState
from core.notifications.pacing import Pacer
from core.notifications.ports import (
    DeliveryError,
    Notice,
    Notifier,
    PermanentFailure,
    RecipientUnreachable,
    RetryLater,
    Translator,
)
from core.residents.models import Resident
from core.tickets.models import DeliveryState, Message, Ticket

logger = logging.getLogger(__name__)
MAX_RECORDED_FAILURES = 20  # a row's failure history; older entries are dropped
DB_TROUBLE_PAUSE_SECONDS = 1.0
# Claim by walking the pending rows in order and stopping at the first one that may go. Left to
# itself, the planner reads and sorts every pending row whenever its statistics are stale (a
# fresh batch of 10,000 updates: 40 ms a claim instead of well under one).
WALK_IN_ORDER = sa.text(
    "SELECT set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true)"
)


class Outcome:
    SENT = "sent"
    RESCHEDULED = "rescheduled"
    FAILED = "failed"
    IDLE = "idle"


def _claim_statement(now: dt.datetime) -> sa.Select[Outbox, Resident, int | None]:
    earlier = aliased(Outbox)
    # The resident's oldest pending row: a correlated lookup in the pending-by-resident index,
    # whatever the planner's statistics say (a fresh batch of 10,000 rows has none yet, and an
    # anti-join planned on a guess read every pending row for every claim).
    first_pending = (
        sa.select(sa.func.min(earlier.id))
        .where(earlier.resident_id == Outbox.resident_id, earlier.state == OutboxState.PENDING)
        .correlate(Outbox)
        .scalar_subquery()
    )
    return (
        sa.select(Outbox, Resident, Ticket.resident_id)
        .join(Resident, Resident.id == Outbox.resident_id)
        .outerjoin(Ticket, Ticket.id == Outbox.ticket_id)
        .where(
            Outbox.state == OutboxState.PENDING,
            Outbox.channel == OutboxChannel.TELEGRAM,
            Outbox.next_attempt_at <= now,
            Outbox.id == first_pending,
        )
        .order_by(Outbox.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=Outbox)
    )


def backoff(settings: DeliverySettings, attempts: int) -> dt.timedelta:
    seconds = settings.backoff_seconds * 2 ** max(0, attempts - 1)
    return dt.timedelta(seconds=min(seconds, settings.backoff_max_seconds))


def record_failure(row: Outbox, reason: str, now: dt.datetime) -> None:
    row.last_error = reason[:1000]
    history = list((row.params or {}).get("_failures", []))
    history.append({"at": now.isoformat(), "reason": reason[:300]})
    row.params = {**(row.params or {}), "_failures": history[-MAX_RECORDED_FAILURES:]}


@dataclass
class OutboxDelivery:
    sessions: async_sessionmaker[AsyncSession]
    notifier: Notifier
    pacer: Pacer
    settings: DeliverySettings
    worker_name: str
    translator: Translator | None = None

    async def deliver_next(self) -> str:
        """Deliver (or reschedule, or give up on) the next due row; IDLE when there is none."""
        outcome = await self._deliver_next()
        if outcome != Outcome.IDLE:  # counted once the outcome is committed
            metrics.metrics().update_delivered(outcome)
        return outcome

    async def _deliver_next(self) -> str:
        async with self.sessions() as session, session.begin():
            now = utcnow()
            if is_postgres(session):
                await session.execute(WALK_IN_ORDER)
            found = (await session.execute(_claim_statement(now))).first()
            if found is None:
                return Outcome.IDLE
            row, resident, reporter_id = found
            row.claimed_at, row.claimed_by = now, self.worker_name
            if resident.telegram_chat_id is None or resident.forgotten_at is not None:
                return await self._give_up(session, row, "the resident has no Telegram chat")
            if not resident.reachable:
                reason = f"the resident is unreachable: {resident.unreachable_reason or '?'}"
                return await self._give_up(session, row, reason)
            slot = await self.pacer.take_slot()
            chat_wait = await self.pacer.chat_wait(resident.telegram_chat_id)
            if chat_wait > 0:
                await self.pacer.release_slot(slot)
                row.next_attempt_at = utcnow() + dt.timedelta(seconds=chat_wait)
                return Outcome.RESCHEDULED
            notice = Notice(
                outbox_id=row.id,
                chat_id=resident.telegram_chat_id,
                locale=row.locale,
                template=row.template,
                params={k: v for k, v in (row.params or {}).items() if not k.startswith("_")},
                text=row.text,
                ticket_id=row.ticket_id,
                to_reporter=reporter_id is not None and reporter_id == resident.id,
                translated_text=await self._translation(row),
            )
            try:
                return await self._send(session, row, resident, notice)
            finally:
                await self.pacer.release_slot(slot, resident.telegram_chat_id)

    async def _translation(self, row: Outbox) -> str | None:
        """The caseworker's words in the resident's language, when a translator is set up and
        the words are in another language; None sends them as written."""
        if self.translator is None or not row.text:
            return None
        try:
            # The source is detected: a caseworker's interface language says little about the
            # language they write in.
            translated = await self.translator.translate(row.text, "auto", row.locale)
        except Exception as exc:  # a translation is a courtesy; the update must still go
            logger.warning("outbox %d: not translated (%s); sending as written", row.id, exc)
            return None
        if not translated.strip() or translated.strip() == row.text.strip():
            return None
        row.params = {**(row.params or {}), "_translation": translated}
        return translated

    async def _send(
        self, session: AsyncSession, row: Outbox, resident: Resident, notice: Notice
    ) -> str:
        try:
            receipt = await self.notifier.send(notice)
        except RetryLater as exc:
            await self.pacer.pause(exc.retry_after)
            row.next_attempt_at = utcnow() + dt.timedelta(seconds=exc.retry_after)
            record_failure(row, str(exc), utcnow())
            logger.warning("outbox %d: %s", row.id, exc)
            return Outcome.RESCHEDULED
        except RecipientUnreachable as exc:
            await self._mark_unreachable(session, resident, str(exc))
            return await self._give_up(session, row, f"unreachable: {exc}")
        except PermanentFailure as exc:
            return await self._give_up(session, row, f"refused: {exc}")
        except Exception as exc:  # transient, or a bug in rendering this one row
            if not isinstance(exc, DeliveryError):
                logger.exception("outbox %d: unexpected error while sending", row.id)
            return self._retry_or_give_up(session, row, f"{type(exc).__name__}: {exc}")
        row.state = OutboxState.SENT
        row.sent_at = utcnow()
        lag = max(0.0, (row.sent_at - row.created_at).total_seconds())
        metrics.after_commit(session, lambda counter: counter.delivery_lag(lag))
        row.external_id = receipt.external_id
        row.attempts += 1
        await self._set_message_state(session, row, DeliveryState.SENT)
        return Outcome.SENT

    def _retry_or_give_up(self, session: AsyncSession, row: Outbox, reason: str) -> str:
        row.attempts += 1
        now = utcnow()
        record_failure(row, reason, now)
        if row.attempts >= self.settings.max_attempts:
            row.state = OutboxState.FAILED
            logger.error("outbox %d: giving up after %d attempts: %s", row.id, row.attempts, reason)
            return Outcome.FAILED
        row.next_attempt_at = now + backoff(self.settings, row.attempts)
        logger.warning("outbox %d: attempt %d failed: %s", row.id, row.attempts, reason)
        return Outcome.RESCHEDULED

    async def _give_up(self, session: AsyncSession, row: Outbox, reason: str) -> str:
        row.attempts += 1
        row.state = OutboxState.FAILED
        record_failure(row, reason, utcnow())
        await self._set_message_state(session, row, DeliveryState.FAILED)
        logger.warning("outbox %d: not delivered: %s", row.id, reason)
        return Outcome.FAILED

    async def _mark_unreachable(
        self, session: AsyncSession, resident: Resident, reason: str
    ) -> None:
        resident.reachable = False
        resident.unreachable_reason = reason[:200]
        # The resident's other updates would fail the same way; they stay visible as failed.
        pending = sa.and_(Outbox.resident_id == resident.id, Outbox.state == OutboxState.PENDING)
        await session.execute(
            sa.update(Message)
            .where(Message.id.in_(sa.select(Outbox.message_id).where(pending)))
            .values(delivery_state=DeliveryState.FAILED)
        )
        await session.execute(
            sa.update(Outbox)
            .where(pending)
            .values(state=OutboxState.FAILED, last_error="the resident blocked the bot")
            .execution_options(synchronize_session=False)
        )

    async def _set_message_state(
        self, session: AsyncSession, row: Outbox, state: DeliveryState
    ) -> None:
        if row.message_id is not None:
            await session.execute(
                sa.update(Message).where(Message.id == row.message_id).values(delivery_state=state)
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; an idle worker looks again every `poll_seconds`."""
        while not stop.is_set():
            try:
                outcome = await self.deliver_next()
            except Exception:
                # The database went away, most likely. Nothing was recorded as sent that was
                # not, so just try again shortly.
                logger.exception("delivery: could not reach the database")
                outcome, pause = Outcome.IDLE, DB_TROUBLE_PAUSE_SECONDS
            else:
                pause = self.settings.poll_seconds
            if outcome == Outcome.IDLE:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)
