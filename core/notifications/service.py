"""Writing notifications to the outbox, inside the caller's transaction.

Nothing here talks to Telegram or SMTP: the worker delivers committed rows, so a rolled-back
change never notifies anybody.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.notifications.models import Outbox, OutboxChannel, OutboxState
from core.notifications.templates import Template
from core.residents.models import Resident
from core.staff.models import Staff


async def notify_residents(
    session: AsyncSession,
    resident_ids: Iterable[int],
    template: Template,
    params: dict[str, Any],
    *,
    ticket_id: int | None = None,
    message_id: int | None = None,
    text: str | None = None,
) -> list[Outbox]:
    """One outbox row per resident who can still be reached on Telegram."""
    ids = sorted(set(resident_ids))
    if not ids:
        return []
    statement = sa.select(Resident).where(
        Resident.id.in_(ids),
        Resident.forgotten_at.is_(None),
        Resident.telegram_chat_id.is_not(None),
    )
    rows = [
        new_pending_row(
            session,
            channel=OutboxChannel.TELEGRAM,
            resident_id=resident.id,
            locale=resident.locale,
            ticket_id=ticket_id,
            message_id=message_id,
            template=template.value,
            params=params,
            text=text,
        )
        for resident in (await session.execute(statement)).scalars()
    ]
    await session.flush()
    return rows


def new_pending_row(session: AsyncSession, **fields: Any) -> Outbox:
    row = Outbox(state=OutboxState.PENDING, next_attempt_at=utcnow(), **fields)
    session.add(row)
    return row


async def cancel_pending_for_resident(session: AsyncSession, resident_id: int, reason: str) -> int:
    result = await session.execute(
        sa.update(Outbox)
        .where(
            Outbox.resident_id == resident_id,
            Outbox.state.in_([OutboxState.PENDING, OutboxState.SENDING]),
        )
        .values(state=OutboxState.CANCELLED, last_error=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def notify_staff(
    session: AsyncSession,
    staff_ids: Iterable[int],
    template: Template,
    params: dict[str, Any],
    *,
    ticket_id: int | None = None,
) -> list[Outbox]:
    """One e-mail outbox row per active staff member, in their language."""
    ids = sorted(set(staff_ids))
    if not ids:
        return []
    statement = sa.select(Staff).where(Staff.id.in_(ids), Staff.active.is_(True))
    rows = [
        new_pending_row(
            session,
            channel=OutboxChannel.EMAIL,
            staff_id=member.id,
            locale=member.locale,
            ticket_id=ticket_id,
            template=template.value,
            params=params,
        )
        for member in (await session.execute(statement)).scalars()
    ]
    await session.flush()
    return rows


async def ticket_of_update(session: AsyncSession, resident_id: int, external_id: int) -> int | None:
    """The ticket an update we sent this resident was about (they replied to that message)."""
    statement = sa.select(Outbox.ticket_id).where(
        Outbox.resident_id == resident_id, Outbox.external_id == external_id
    )
    return await session.scalar(statement)


async def words_of_update(session: AsyncSession, resident_id: int, outbox_id: int) -> str | None:
    """What a caseworker wrote in an update to this resident, as written (not translated)."""
    statement = sa.select(Outbox.text).where(
        Outbox.id == outbox_id, Outbox.resident_id == resident_id
    )
    return await session.scalar(statement)
