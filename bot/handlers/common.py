"""Small helpers shared by the handlers."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.i18n import Texts
from core.residents.models import Resident

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


async def say(
    target: Message | CallbackQuery, t: Texts, text: str, markup: Markup = None
) -> Message:
    """Send a message to the chat the update came from, in the resident's layout."""
    message = target.message if isinstance(target, CallbackQuery) else target
    assert isinstance(message, Message)
    return await message.answer(t.finish(text), reply_markup=markup)


async def close_buttons(query: CallbackQuery, t: Texts, chosen: str | None = None) -> None:
    """Acknowledge a button press and take the buttons away, so they cannot be pressed twice.

    With `chosen`, the question is shown with the choice appended ("→ Yes").
    """
    with contextlib.suppress(TelegramBadRequest):
        await query.answer()
    message = query.message
    if not isinstance(message, Message):
        return
    with contextlib.suppress(TelegramBadRequest):  # already edited, or too old to edit
        if chosen and message.text:
            await message.edit_text(
                t.finish(f"{t.escape(message.text)}\n\n→ {t.escape(chosen)}"), reply_markup=None
            )
        else:
            await message.edit_reply_markup(reply_markup=None)


def has_consented(resident: Resident | None) -> bool:
    return (
        resident is not None and resident.consent_at is not None and resident.forgotten_at is None
    )


async def refuse_if_too_long(message: Message, t: Texts, limit: int) -> bool:
    """True (and the resident told why) when a message is over what we accept."""
    if len(message.text or "") <= limit:
        return False
    await say(
        message,
        t,
        t._(
            "Your message is very long. Please keep it under 4,000 "
            "characters, or send it in several parts."
        ),
    )
    return True
