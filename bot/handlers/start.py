"""Greeting and consent, language, help and privacy, and the main menu's buttons."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandStart, Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import BotDeps
from bot.handlers import text as free_text
from bot.handlers.common import close_buttons, has_consented, say
from bot.i18n import Texts
from bot.keyboards import (
    Consent,
    PickLanguage,
    consent_keyboard,
    languages_keyboard,
    main_menu,
    menu_labels,
)
from bot.middlewares import PRE_CONSENT_LOCALE
from bot.routes import Routes
from core.i18n import SUPPORTED_LOCALES, language_name
from core.residents.models import Resident

router = Routes("start")
PENDING_TEXT = "pending_text"  # FSM key: what someone wrote before consenting


class MenuButton(Filter):
    """Matches a main-menu button's label in the resident's language."""

    def __init__(self, action: str) -> None:
        self.action = action

    async def __call__(self, message: Message, t: Texts) -> bool:
        return message.text == menu_labels(t)[self.action]


def privacy_text(t: Texts) -> str:
    _ = t._
    return _(
        "To handle your requests I keep your Telegram name and ID, your language, and what "
        "you send me: text, photos, voice messages and locations. Only the city staff and "
        "partner organisations who handle your request see it. I never share it for anything "
        "else. Send /mydata to get everything I keep about you, and /forget to delete it."
    )


def help_text(t: Texts, emergency_number: str) -> str:
    _ = t._
    return "\n".join(
        [
            _(
                "Write to me in your own words, in your language, for example: "
                '"the street light on Elm Street is broken" or "I need help with food".'
            ),
            "",
            _("/mytickets: your requests and their status"),
            _("/language: change the language"),
            _("/privacy: what I keep about you"),
            _("/mydata: get all your data as a file"),
            _("/forget: delete your data"),
            "",
            _("In an emergency, call {number}.").format(
                number=t.isolate(t.escape(emergency_number))
            ),
        ]
    )


async def offer_consent(target: Message | CallbackQuery, t: Texts) -> None:
    _ = t._
    await say(
        target,
        t,
        _(
            "Before I can take your request, please tell me if you agree with "
            "how I handle your data:"
        )
        + "\n\n"
        + privacy_text(t),
        consent_keyboard(t),
    )


@router.message(CommandStart())
async def start(
    message: Message, t: Texts, resident: Resident | None, state: FSMContext, deps: BotDeps
) -> None:
    _ = t._
    await state.set_state(None)
    if has_consented(resident):
        await say(
            message,
            t,
            _("Welcome back! How can I help? Write in your own words or use the menu."),
            main_menu(t),
        )
        return
    greeting = _("Hello! I am the service desk of {city}.").format(
        city=t.escape(deps.settings.city_name)
    )
    can_do = _(
        "You can report a problem in your street or building, ask for help (food, "
        "housing, health, legal advice and more), ask a question, and follow your "
        "requests. Just write to me in your own words, in your language."
    )
    await say(
        message,
        t,
        "\n\n".join([greeting, can_do, privacy_text(t), _("Do you agree?")]),
        consent_keyboard(t),
    )


@router.callback_query(Consent.filter())
async def consent(
    query: CallbackQuery,
    callback_data: Consent,
    t: Texts,
    session: AsyncSession,
    state: FSMContext,
    deps: BotDeps,
    resident: Resident | None,
) -> None:
    _ = t._
    await close_buttons(query, t, _("✅ I agree") if callback_data.agree else _("❌ No, thanks"))
    if not callback_data.agree and has_consented(resident):
        # An old consent prompt pressed after agreeing: nothing changes; say how to delete.
        await say(
            query,
            t,
            t._(
                "You have already agreed, so I keep your requests. To delete "
                "everything about you, send /forget."
            ),
        )
        return
    if not callback_data.agree:
        await state.clear()
        await say(
            query,
            t,
            t._(
                "No problem: I have not kept anything about you. In an emergency "
                "call {number}. You can change your mind any time with /start."
            ).format(number=t.isolate(t.escape(deps.settings.emergency_number))),
            ReplyKeyboardRemove(),
        )
        return
    if has_consented(resident):
        await say(
            query,
            t,
            t._("Welcome back! How can I help? Write in your own words or use the menu."),
            main_menu(t),
        )
        return
    user = query.from_user
    stored = await state.get_data()
    residents = deps.services.residents
    resident, _created = await residents.meet_on_telegram(
        session,
        telegram_user_id=user.id,
        chat_id=query.message.chat.id if query.message else user.id,
        display_name=user.full_name,
        language_code=user.language_code,
    )
    await residents.set_locale(session, resident.id, stored.get(PRE_CONSENT_LOCALE) or t.locale)
    await residents.give_consent(session, resident.id)
    await session.commit()
    await state.set_data({})
    await say(
        query,
        t,
        _(
            "Thank you! How can I help? Write your request in your own words, or "
            "use the menu below."
        ),
        main_menu(t),
    )
    pending = stored.get(PENDING_TEXT)
    if pending:
        await free_text.understand(
            query, pending, t=t, resident=resident, session=session, state=state, deps=deps
        )


@router.message(Command("language"))
@router.message(MenuButton("language"))
async def ask_language(message: Message, t: Texts) -> None:
    await say(message, t, t._("Choose your language:"), languages_keyboard())


@router.callback_query(PickLanguage.filter())
async def set_language(
    query: CallbackQuery,
    callback_data: PickLanguage,
    t: Texts,
    resident: Resident | None,
    session: AsyncSession,
    state: FSMContext,
    deps: BotDeps,
) -> None:
    if callback_data.locale not in SUPPORTED_LOCALES:  # forged button data
        await query.answer()
        return
    await close_buttons(query, t, language_name(callback_data.locale))
    if has_consented(resident):
        assert resident is not None
        await deps.services.residents.set_locale(session, resident.id, callback_data.locale)
        await session.commit()
    else:
        await state.update_data({PRE_CONSENT_LOCALE: callback_data.locale})
    chosen = Texts(callback_data.locale, t.timezone, t.catalog)
    markup = main_menu(chosen) if has_consented(resident) else consent_keyboard(chosen)
    text = chosen._("Done! I will write to you in {language}.").format(
        language=language_name(callback_data.locale)
    )
    if not has_consented(resident):
        text += "\n\n" + privacy_text(chosen) + "\n\n" + chosen._("Do you agree?")
    await say(query, chosen, text, markup)


@router.message(Command("help"))
@router.message(MenuButton("help"))
async def show_help(message: Message, t: Texts, deps: BotDeps) -> None:
    await say(message, t, help_text(t, deps.settings.emergency_number) + "\n\n" + privacy_text(t))


@router.message(Command("privacy"))
async def show_privacy(message: Message, t: Texts) -> None:
    await say(message, t, privacy_text(t))


@router.message(MenuButton("question"))
async def ask_question(message: Message, t: Texts) -> None:
    await say(
        message,
        t,
        t._(
            'What would you like to know? For example: "When is the rubbish '
            'collected?" or "When is City Hall open?"'
        ),
    )


@router.message(MenuButton("report"), F.text)
async def report_problem(
    message: Message, t: Texts, resident: Resident | None, state: FSMContext
) -> None:
    from bot.handlers.report import show_groups

    await state.set_state(None)
    await say(
        message,
        t,
        t._(
            'Describe the problem in a few words, for example "broken street '
            'light on Main Street", or choose a topic:'
        ),
    )
    await show_groups(message, t)
