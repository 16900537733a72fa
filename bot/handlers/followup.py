"""What residents do with the updates they receive: answer by replying, and "was it fixed?"."""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import BotDeps
from bot.handlers.common import close_buttons, refuse_if_too_long, say
from bot.handlers.tickets import add_to_ticket
from bot.i18n import Texts
from bot.keyboards import Rate, ShowOriginal, buttons, main_menu
from bot.routes import Routes
from bot.states import Conversation
from core.access import ResidentActor
from core.errors import DomainError, ValidationFailed
from core.notifications.service import ticket_of_update, words_of_update
from core.residents.models import Resident
from core.tickets.models import RatingAnswer
from core.tickets.schemas import MAX_MESSAGE_LENGTH, RatingCreate
from core.tickets.status import TicketStatus

router = Routes("followup")


class RepliesToUpdate(Filter):
    """A text message that replies to one of our updates: it is about that update's ticket."""

    async def __call__(
        self, message: Message, resident: Resident | None = None, session: Any = None
    ) -> bool | dict[str, Any]:
        original = message.reply_to_message
        if original is None or resident is None or not isinstance(session, AsyncSession):
            return False
        ticket_id = await ticket_of_update(session, resident.id, original.message_id)
        return {"replied_ticket_id": ticket_id} if ticket_id is not None else False


def _answer_label(t: Texts, answer: str) -> str:
    return {
        RatingAnswer.YES.value: t._("👍 Yes"),
        RatingAnswer.PARTLY.value: t._("🤏 Partly"),
        RatingAnswer.NO.value: t._("👎 No"),
    }.get(answer, answer)


@router.message(F.text, RepliesToUpdate())
async def reply_to_update(
    message: Message,
    t: Texts,
    resident: Resident,
    session: AsyncSession,
    deps: BotDeps,
    state: FSMContext,
    replied_ticket_id: int,
) -> None:
    if await refuse_if_too_long(message, t, MAX_MESSAGE_LENGTH):
        return
    await state.set_state(None)
    await add_to_ticket(message, t, resident, session, deps, replied_ticket_id)


@router.callback_query(Rate.filter(F.score == -1))
async def fixed_answered(query: CallbackQuery, callback_data: Rate, t: Texts) -> None:
    await close_buttons(query, t, _answer_label(t, callback_data.answer))
    scores = [
        (
            str(score),
            Rate(ticket_id=callback_data.ticket_id, answer=callback_data.answer, score=score),
        )
        for score in range(1, 6)
    ]
    skip = Rate(ticket_id=callback_data.ticket_id, answer=callback_data.answer, score=0)
    await say(
        query,
        t,
        t._("How well did we handle it? 1 is poor, 5 is excellent."),
        buttons([scores, [(t._("Skip"), skip)]]),
    )


@router.callback_query(Rate.filter(F.score >= 0))
async def fixed_scored(
    query: CallbackQuery,
    callback_data: Rate,
    t: Texts,
    resident: Resident | None,
    session: AsyncSession,
    deps: BotDeps,
    state: FSMContext,
) -> None:
    await close_buttons(query, t, str(callback_data.score) if callback_data.score else t._("Skip"))
    if resident is None:
        return
    try:
        answer = RatingAnswer(callback_data.answer)
        rating = await deps.services.conversation.rate(
            session,
            ResidentActor(resident.id),
            callback_data.ticket_id,
            RatingCreate(answer=answer, score=callback_data.score or None),
        )
    except ValidationFailed:
        await say(
            query,
            t,
            t._(
                "This request was finished too long ago to be reopened. "
                "Please send a new request and we will look at it again."
            ),
        )
        return
    except (DomainError, ValueError):
        await say(query, t, t._("This request can no longer be rated."))
        return
    ticket = await deps.services.tickets.load(
        session, ResidentActor(resident.id), callback_data.ticket_id
    )
    await session.commit()
    if ticket.status is TicketStatus.REOPENED:
        thanks = t._("We are sorry it is not fixed. We reopened {reference} and told the team.")
    elif answer is RatingAnswer.YES:
        thanks = t._("Thank you! We are glad it is fixed.")
    else:
        thanks = t._("Thank you, we have passed this on to the team.")
    await state.set_state(Conversation.rating_comment)
    await state.update_data(rating_id=rating.id)
    invite = t._("If you want to add a comment, write it now.")
    await say(
        query,
        t,
        f"{thanks.format(reference=f'<b>{t.isolate(ticket.reference)}</b>')}\n\n{invite}",
        main_menu(t),
    )


@router.message(StateFilter(Conversation.rating_comment), F.text)
async def rating_commented(
    message: Message,
    t: Texts,
    resident: Resident | None,
    session: AsyncSession,
    deps: BotDeps,
    state: FSMContext,
) -> None:
    rating_id = (await state.get_data()).get("rating_id")
    await state.set_state(None)
    if resident is None or rating_id is None:
        return
    try:
        await deps.services.conversation.comment_on_rating(
            session,
            ResidentActor(resident.id),
            int(rating_id),
            (message.text or "")[:MAX_MESSAGE_LENGTH],
        )
    except DomainError:
        await say(message, t, t._("Sorry, I could not add your comment."))
        return
    await session.commit()
    await say(message, t, t._("Thank you for your comment."), main_menu(t))


@router.callback_query(ShowOriginal.filter())
async def show_original(
    query: CallbackQuery,
    callback_data: ShowOriginal,
    t: Texts,
    resident: Resident | None,
    session: AsyncSession,
) -> None:
    await close_buttons(query, t)
    if resident is None:
        return
    text = await words_of_update(session, resident.id, callback_data.outbox_id)
    if not text:
        await say(query, t, t._("I could not find that message."))
        return
    heading = t._("The original message:")
    await say(query, t, f"{t.escape(heading)}\n\n{t.escape(text)}")
