"""Everything that is not a text we understand gets a kind answer, never silence."""

from __future__ import annotations

import logging

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import BotDeps
from bot.handlers.common import say
from bot.i18n import Texts
from bot.report_flow import add_attachment, report_data, save
from bot.routes import Routes
from core.i18n import negotiate_locale
from core.residents.models import Resident

router = Routes("media")
logger = logging.getLogger(__name__)


@router.edited_message()
async def edited(message: Message, t: Texts) -> None:
    await say(
        message,
        t,
        t._("I saw that you edited a message. I only read new messages, so please send it again."),
    )


@router.message(F.sticker | F.animation)
async def sticker(message: Message, t: Texts) -> None:
    await say(
        message, t, t._("I cannot read stickers or GIFs. Please tell me in words what you need 🙂")
    )


@router.message(F.document)
async def document(message: Message, t: Texts) -> None:
    await say(
        message,
        t,
        t._("I cannot open files here. Please send a photo, or tell me in words what you need."),
    )


@router.message(F.contact)
async def contact(message: Message, t: Texts) -> None:
    await say(
        message,
        t,
        t._("Thank you, but I do not need contacts. Please tell me in words what you need."),
    )


@router.message(F.voice)
async def voice(message: Message, t: Texts) -> None:
    await say(
        message,
        t,
        t._(
            "I cannot listen to voice messages on their own yet. Please write "
            "what you need, or choose a topic first: then you can add a voice "
            "message to your report."
        ),
    )


@router.message(F.photo)
async def photo(
    message: Message,
    t: Texts,
    state: FSMContext,
    resident: Resident | None,
    session: AsyncSession,
    deps: BotDeps,
) -> None:
    """A photo before any report: kept for the report; its caption is read like a message."""
    from bot.handlers.text import understand

    assert message.photo
    report = await report_data(state)
    if not add_attachment(report, {"kind": "photo", "telegram_file_id": message.photo[-1].file_id}):
        await say(
            message,
            t,
            t._(
                "One report can hold up to 10 photos and voice messages. "
                "Please continue with the next step."
            ),
        )
        return
    report["photo_done"] = True
    await save(state, report)
    if message.caption:
        await understand(
            message,
            message.caption[:4000],
            t=t,
            resident=resident,
            session=session,
            state=state,
            deps=deps,
        )
        return
    await say(
        message,
        t,
        t._(
            "Thank you for the photo. What is the problem? Write a few words "
            "and I will add the photo to your report."
        ),
    )


@router.message(F.location)
async def location(message: Message, t: Texts, state: FSMContext) -> None:
    assert message.location is not None
    report = await report_data(state)
    report.update(latitude=message.location.latitude, longitude=message.location.longitude)
    await save(state, report)
    await say(
        message, t, t._("Thank you for the location. What is the problem there? Write a few words.")
    )


@router.message()
async def anything_else(message: Message, t: Texts) -> None:
    await say(
        message,
        t,
        t._("Sorry, I cannot read this kind of message. Please write in words what you need."),
    )


@router.callback_query()
async def stale_button(query: CallbackQuery, t: Texts) -> None:
    """A button from an earlier conversation: say so instead of leaving the spinner turning."""
    await query.answer(t._("This button is no longer active."), show_alert=False)


@router.errors()
async def unexpected(
    event: ErrorEvent, deps: BotDeps, state: FSMContext | None = None, t: Texts | None = None
) -> bool:
    """Log with the update id; apologise; start the conversation afresh. The update's database
    work has already been rolled back by the session middleware."""
    update = event.update
    logger.error("unexpected error handling update %s", update.update_id, exc_info=event.exception)
    message = update.message or (update.callback_query.message if update.callback_query else None)
    if message is None:
        return True
    settings = deps.settings
    if t is None:
        user = event.update.event.from_user if hasattr(event.update.event, "from_user") else None
        t = Texts(
            negotiate_locale(user.language_code if user else None, settings.default_locale),
            settings.tz,
            deps.services.context.catalog,
        )
    if state is not None:
        await state.clear()
    text = t._(
        "Sorry, something went wrong on our side. Please try again. If it is urgent, call {number}."
    ).format(number=t.isolate(t.escape(settings.emergency_number)))
    await message.bot.send_message(message.chat.id, t.finish(text))  # type: ignore[union-attr]
    return True
