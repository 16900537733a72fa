"""The resident's rights: /mydata (everything we keep, as a file) and /forget (erasure)."""

from __future__ import annotations

import json

from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message, ReplyKeyboardRemove
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handlers.common import close_buttons, has_consented, say
from bot.i18n import Texts
from bot.keyboards import Forget, buttons
from bot.routes import Routes
from core.residents.data_rights import export_resident, forget_resident
from core.residents.models import Resident

router = Routes("data")


@router.message(Command("mydata"))
async def my_data(
    message: Message, t: Texts, resident: Resident | None, session: AsyncSession
) -> None:
    if not has_consented(resident):
        await say(message, t, t._("I do not keep anything about you."))
        return
    assert resident is not None
    export = await export_resident(session, resident.id)
    content = json.dumps(export, ensure_ascii=False, indent=2).encode("utf-8")
    await message.answer_document(
        BufferedInputFile(content, filename="mydata.json"),
        caption=t.finish(t._("Here is everything I keep about you.")),
    )


@router.message(Command("forget"))
async def ask_forget(message: Message, t: Texts, resident: Resident | None) -> None:
    if not has_consented(resident):
        await say(message, t, t._("I do not keep anything about you."))
        return
    markup = buttons(
        [
            [(t._("Yes, delete everything"), Forget(confirmed=True))],
            [(t._("No, keep it"), Forget(confirmed=False))],
        ]
    )
    await say(
        message,
        t,
        t._(
            "This deletes your name, your Telegram ID, your messages, photos and "
            "locations. The city keeps only anonymous figures, such as the type "
            "of problem and the district. Staff will no longer be able to reach "
            "you about your requests. Are you sure?"
        ),
        markup,
    )


@router.callback_query(Forget.filter())
async def forget(
    query: CallbackQuery,
    callback_data: Forget,
    t: Texts,
    resident: Resident | None,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    await close_buttons(
        query, t, t._("Yes, delete everything") if callback_data.confirmed else t._("No, keep it")
    )
    if not callback_data.confirmed or resident is None:
        await say(query, t, t._("Nothing was deleted."))
        return
    await forget_resident(session, resident.id)
    await session.commit()
    await state.clear()
    await say(
        query,
        t,
        t._(
            "Done: everything about you has been deleted. Goodbye! You can "
            "start again any time with /start."
        ),
        ReplyKeyboardRemove(),
    )
