"""/link CODE: a staff member links this chat to their civicdesk account (for the digest).

Works in any conversation state and leaves it as it was: a resident in the middle of a report
who happens to be staff carries on where they were.
"""

from __future__ import annotations

from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handlers.common import say
from bot.i18n import Texts
from bot.routes import Routes
from core.staff.telegram_link import LinkCodeExpired, LinkCodeInvalid, complete_link

router = Routes("staff_link")


@router.message(Command("link"))
async def link(message: Message, command: CommandObject, t: Texts, session: AsyncSession) -> None:
    _ = t._
    if not (command.args or "").strip():
        await say(
            message,
            t,
            _(
                "To get the civicdesk digest here, open your account page in the civicdesk "
                "inbox, press “Link Telegram” and send me /link followed by the code."
            ),
        )
        return
    try:
        staff = await complete_link(session, command.args or "", message.chat.id)
    except LinkCodeExpired:
        await say(message, t, _("This code has expired. Please make a new one in the inbox."))
        return
    except LinkCodeInvalid:
        await say(
            message,
            t,
            _("I do not know this code. Please check it, or make a new one in the inbox."),
        )
        return
    await say(
        message,
        t,
        _(
            "This chat is now linked to the civicdesk account of {name}; "
            "weekly digests will arrive here."
        ).format(name=t.escape(staff.display_name)),
    )
