"""/mytickets: the resident's requests, one request's details, a message about it, withdrawal."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import BotDeps
from bot.handlers.common import close_buttons, has_consented, refuse_if_too_long, say
from bot.handlers.start import MenuButton, offer_consent
from bot.i18n import Texts
from bot.keyboards import TicketView, buttons, main_menu
from bot.routes import Routes
from bot.states import Conversation
from core.access import ResidentActor
from core.errors import DomainError
from core.residents.models import Resident
from core.tickets.repository import TicketRepository
from core.tickets.schemas import MAX_MESSAGE_LENGTH
from core.tickets.status import WITHDRAWABLE

router = Routes("tickets")
LIST_LIMIT = 10
HISTORY_LIMIT = 5
DESCRIPTION_PREVIEW = 300
MESSAGE_PREVIEW = 400  # five of these and the rest stay well under Telegram's 4,096 characters


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@router.message(Command("mytickets"))
@router.message(MenuButton("tickets"))
async def my_tickets(
    message: Message, t: Texts, resident: Resident | None, session: AsyncSession, state: FSMContext
) -> None:
    if not has_consented(resident):
        await offer_consent(message, t)
        return
    assert resident is not None
    await state.set_state(None)
    tickets = await TicketRepository(session, ResidentActor(resident.id)).find(limit=LIST_LIMIT)
    if not tickets:
        await say(
            message, t, t._("You have no requests yet. Write to me whenever you need something.")
        )
        return
    lines = [t._("Your requests:")]
    rows = []
    for ticket in tickets:
        lines.append(
            t._("• {reference}: {service}, {status} (updated {date})").format(
                reference=f"<b>{t.isolate(ticket.reference)}</b>",
                service=t.escape(t.intent_name(ticket.intent_code)),
                status=t.status(ticket.status),
                date=t.date(ticket.updated_at),
            )
        )
        rows.append(
            [
                (
                    f"{ticket.reference} · {t.intent_name(ticket.intent_code)}",
                    TicketView(ticket_id=ticket.id),
                )
            ]
        )
    await say(message, t, "\n".join(lines), buttons(rows))


@router.callback_query(TicketView.filter(F.action == "show"))
async def show_ticket(
    query: CallbackQuery,
    callback_data: TicketView,
    t: Texts,
    resident: Resident | None,
    session: AsyncSession,
) -> None:
    await close_buttons(query, t)
    if resident is None:
        return
    repository = TicketRepository(session, ResidentActor(resident.id))
    ticket = await repository.get(callback_data.ticket_id)
    if ticket is None:
        await say(query, t, t._("I could not find that request."))
        return
    lines = [
        f"<b>{t.isolate(ticket.reference)}</b> · {t.escape(t.intent_name(ticket.intent_code))}",
        t._("Status: {status}").format(status=t.status(ticket.status)),
        t._("Sent: {date}").format(date=t.datetime(ticket.created_at)),
        t._("Last update: {date}").format(date=t.datetime(ticket.updated_at)),
    ]
    if ticket.resident_id != resident.id:
        # A followed ticket: its status is shared, the reporter's words and conversation are not.
        lines.append("\n" + t._("You follow this report; you get its status updates."))
        await say(query, t, "\n".join(lines))
        return
    if ticket.description:
        lines.append(f"\n{t.escape(_clip(ticket.description, DESCRIPTION_PREVIEW))}")
    messages = await repository.messages(ticket.id)
    public = [m for m in messages if m.text][-HISTORY_LIMIT:]
    if public:
        lines.append("\n" + t._("Messages:"))
        for item in public:
            who = t._("You") if item.direction.value == "inbound" else t._("City")
            text = t.escape(_clip(item.text or "", MESSAGE_PREVIEW))
            lines.append(f"{t.datetime(item.created_at)} · {who}: {text}")
    rows = [[(t._("✍️ Write a message"), TicketView(ticket_id=ticket.id, action="write"))]]
    if ticket.status in WITHDRAWABLE:
        rows.append([(t._("🗑 Withdraw it"), TicketView(ticket_id=ticket.id, action="withdraw"))])
    await say(query, t, "\n".join(lines), buttons(rows))


@router.callback_query(TicketView.filter(F.action == "write"))
async def write_about(
    query: CallbackQuery, callback_data: TicketView, t: Texts, state: FSMContext
) -> None:
    await close_buttons(query, t, t._("✍️ Write a message"))
    await state.set_state(Conversation.writing)
    await state.update_data(ticket_id=callback_data.ticket_id)
    await say(query, t, t._("Write your message. City staff will see it with your request."))


@router.message(StateFilter(Conversation.writing), F.text)
async def message_written(
    message: Message,
    t: Texts,
    resident: Resident | None,
    state: FSMContext,
    session: AsyncSession,
    deps: BotDeps,
) -> None:
    ticket_id = (await state.get_data()).get("ticket_id")
    if await refuse_if_too_long(message, t, MAX_MESSAGE_LENGTH):
        return
    await state.set_state(None)
    if resident is None or ticket_id is None:
        return
    await add_to_ticket(message, t, resident, session, deps, int(ticket_id))


async def add_to_ticket(
    message: Message,
    t: Texts,
    resident: Resident,
    session: AsyncSession,
    deps: BotDeps,
    ticket_id: int,
) -> None:
    """The resident's words join their ticket; they hear so once it is committed."""
    try:
        await deps.services.conversation.resident_message(
            session, ResidentActor(resident.id), ticket_id, message.text or ""
        )
    except DomainError:
        await say(message, t, t._("Sorry, I could not add your message. Please try again."))
        return
    await session.commit()
    await say(
        message, t, t._("Thank you, your message has been added to your request."), main_menu(t)
    )


@router.callback_query(TicketView.filter(F.action == "withdraw"))
async def confirm_withdraw(query: CallbackQuery, callback_data: TicketView, t: Texts) -> None:
    await close_buttons(query, t)
    markup = buttons(
        [
            [
                (
                    t._("Yes, withdraw it"),
                    TicketView(ticket_id=callback_data.ticket_id, action="withdraw_confirmed"),
                )
            ],
            [(t._("No, keep it"), TicketView(ticket_id=callback_data.ticket_id))],
        ]
    )
    await say(
        query,
        t,
        t._("Do you want to withdraw this request? The city will stop working on it."),
        markup,
    )


@router.callback_query(TicketView.filter(F.action == "withdraw_confirmed"))
async def withdraw(
    query: CallbackQuery,
    callback_data: TicketView,
    t: Texts,
    resident: Resident | None,
    session: AsyncSession,
    deps: BotDeps,
) -> None:
    await close_buttons(query, t, t._("Yes, withdraw it"))
    if resident is None:
        return
    try:
        ticket = await deps.services.conversation.withdraw(
            session, ResidentActor(resident.id), callback_data.ticket_id
        )
    except DomainError:
        await say(query, t, t._("This request can no longer be withdrawn."))
        return
    await session.commit()
    await say(
        query,
        t,
        t._("{reference} is withdrawn. Thank you for letting us know.").format(
            reference=f"<b>{t.isolate(ticket.reference)}</b>"
        ),
    )
