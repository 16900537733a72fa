"""Residents' messages machine-translated for staff, when a translation server is set up."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.notifications.ports import Translator
from core.tickets.models import Direction, Message

logger = logging.getLogger(__name__)
BATCH_SIZE = 50
GIVE_UP_AFTER = dt.timedelta(days=7)  # older messages are no longer worth a translation


async def translate_inbound(
    session: AsyncSession, translator: Translator, target: str, *, now: dt.datetime | None = None
) -> int:
    """Translate residents' messages into the staff's working language; returns how many.

    If the server fails, the batch stops and the next run tries again.
    """
    now = now or utcnow()
    statement = (
        sa.select(Message)
        .where(
            Message.direction == Direction.INBOUND,
            Message.translation.is_(None),
            Message.text.is_not(None),
            Message.language != target,
            Message.created_at > now - GIVE_UP_AFTER,
        )
        .order_by(Message.id)
        .limit(BATCH_SIZE)
        .with_for_update(skip_locked=True)
    )
    done = 0
    for message in (await session.execute(statement)).scalars():
        assert message.text is not None
        try:
            translated = await translator.translate(message.text, "auto", target)
        except Exception as exc:
            logger.warning("message %d not translated yet: %s", message.id, exc)
            break
        same = translated.strip() == message.text.strip()
        message.translation = "" if same else translated
        message.translation_language = target
        done += 1
    return done
