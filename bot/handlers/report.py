"""The steps of a report: category, description, location, duplicates, photo, details, submit."""

from __future__ import annotations

import contextlib

from aiogram import F
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import report_flow as flow
from bot.deps import BotDeps
from bot.handlers.common import close_buttons, has_consented, say
from bot.handlers.submit import submit_report, submit_to_triage
from bot.i18n import Texts
from bot.keyboards import (
    Duplicate,
    PickDistrict,
    PickGroup,
    PickIntent,
    PickOption,
    Step,
    buttons,
    main_menu,
)
from bot.routes import Routes
from bot.states import Report
from core.access import ResidentActor
from core.errors import DomainError
from core.intents.catalog import Datatype, IntentKind
from core.intents.matcher import EMERGENCY_INTENT
from core.residents.models import Resident

router = Routes("report")


def FULL(t: Texts) -> str:
    return t._(
        "One report can hold up to 10 photos and voice messages. Please continue with the "
        "next step."
    )


async def show_groups(target: Message | CallbackQuery, t: Texts) -> None:
    groups = t.catalog.groups
    rows = [
        [(group.label.get(t.locale, group.code), PickGroup(code=group.code))] for group in groups
    ]
    await say(target, t, t._("Choose a topic:"), buttons(rows))


async def begin(
    target: Message | CallbackQuery,
    t: Texts,
    state: FSMContext,
    session: AsyncSession,
    deps: BotDeps,
    intent_code: str,
    *,
    learn: bool = False,
) -> None:
    report = await flow.report_data(state)
    fresh = {
        "intent": intent_code,
        "rid": report.get("rid") or flow.new_report_id(),
        "text": report.get("text"),
        "language": report.get("language") or t.locale,
        "learn": learn,
        "attachments": report.get("attachments", []),
        "answers": {},
    }
    # A photo or location sent before the category was known counts as given.
    for kept in ("latitude", "longitude", "photo_done"):
        if report.get(kept) is not None:
            fresh[kept] = report[kept]
    if fresh.get("latitude") is not None:
        fresh["location_done"] = True
    await flow.save(state, fresh)
    await flow.advance(target, t, state, session, deps)


@router.callback_query(Step.filter(F.action == "confirm"), Report.confirm, flow.Fresh())
async def confirmed(
    query: CallbackQuery, t: Texts, state: FSMContext, session: AsyncSession, deps: BotDeps
) -> None:
    await close_buttons(query, t, t._("✅ Yes"))
    report = await flow.report_data(state)
    await begin(query, t, state, session, deps, str(report["intent"]))


@router.callback_query(Step.filter(F.action == "other"))
async def choose_other(query: CallbackQuery, t: Texts, state: FSMContext) -> None:
    await close_buttons(query, t)
    report = await flow.report_data(state)
    report["learn"] = bool(report.get("text"))
    await flow.save(state, report)
    await state.set_state(None)
    await show_groups(query, t)


@router.callback_query(PickGroup.filter())
async def picked_group(query: CallbackQuery, callback_data: PickGroup, t: Texts) -> None:
    group = t.catalog.group(callback_data.code)
    await close_buttons(query, t, group.label.get(t.locale) if group else None)
    rows = [
        [(intent.name(t.locale), PickIntent(code=intent.code, learn=True))]
        for intent in t.catalog.in_group(callback_data.code)
    ]
    rows.append([(t._("⬅ Back"), Step(action="other"))])
    await say(query, t, t._("Choose what fits best:"), buttons(rows))


@router.callback_query(PickIntent.filter())
async def picked_intent(
    query: CallbackQuery,
    callback_data: PickIntent,
    t: Texts,
    resident: Resident | None,
    state: FSMContext,
    session: AsyncSession,
    deps: BotDeps,
) -> None:
    from bot.handlers.start import offer_consent
    from bot.handlers.text import answer_emergency, answer_information

    intent = t.catalog.get(callback_data.code)
    await close_buttons(query, t, intent.name(t.locale) if intent else None)
    if intent is None:
        return
    if intent.kind is IntentKind.EMERGENCY:
        await answer_emergency(query, t, deps)
        return
    if intent.kind is IntentKind.INFORMATION:
        await answer_information(query, t, intent)
        return
    if not has_consented(resident):
        await offer_consent(query, t)
        return
    report = await flow.report_data(state)
    await begin(
        query,
        t,
        state,
        session,
        deps,
        intent.code,
        learn=callback_data.learn and bool(report.get("text")),
    )


@router.callback_query(Step.filter(F.action == "report_emergency"), flow.Fresh())
async def report_emergency(
    query: CallbackQuery,
    t: Texts,
    resident: Resident | None,
    state: FSMContext,
    session: AsyncSession,
    deps: BotDeps,
) -> None:
    from bot.handlers.start import offer_consent

    await close_buttons(query, t, t._("📝 Report it to the city"))
    if not has_consented(resident):
        await offer_consent(query, t)
        return
    await begin(query, t, state, session, deps, EMERGENCY_INTENT)


@router.callback_query(Step.filter(F.action == "dismiss"))
async def dismissed(query: CallbackQuery, t: Texts, state: FSMContext) -> None:
    await close_buttons(query, t)
    await state.set_state(None)
    await say(query, t, t._("Take care. I am here if you need anything."))


@router.callback_query(Step.filter(F.action == "triage"), flow.Fresh())
async def to_triage(
    query: CallbackQuery,
    t: Texts,
    resident: Resident | None,
    state: FSMContext,
    session: AsyncSession,
    deps: BotDeps,
) -> None:
    from bot.handlers.start import offer_consent

    await close_buttons(query, t, t._("📨 Send it to city staff"))
    if not has_consented(resident):
        await offer_consent(query, t)
        return
    assert resident is not None
    await submit_to_triage(query, t, resident, state, session, deps)


@router.message(Report.describe, F.text)
async def described(
    message: Message, t: Texts, state: FSMContext, session: AsyncSession, deps: BotDeps
) -> None:
    report = await flow.report_data(state)
    report["text"] = (message.text or "")[:4000]
    await flow.save(state, report)
    await flow.advance(message, t, state, session, deps)


@router.message(Report.describe, F.voice)
@router.message(Report.photo, F.voice)
async def voice_note(
    message: Message, t: Texts, state: FSMContext, session: AsyncSession, deps: BotDeps
) -> None:
    assert message.voice is not None
    report = await flow.report_data(state)
    voice = {"kind": "voice", "telegram_file_id": message.voice.file_id, "mime_type": "audio/ogg"}
    if not flow.add_attachment(report, voice, message.caption):
        await say(message, t, FULL(t))
        return
    await flow.save(state, report)
    await say(message, t, t._("🎤 Voice message added."))
    await flow.advance(message, t, state, session, deps)


@router.message(Report.location, F.location)
async def located(
    message: Message, t: Texts, state: FSMContext, session: AsyncSession, deps: BotDeps
) -> None:
    assert message.location is not None
    report = await flow.report_data(state)
    report.update(
        latitude=message.location.latitude, longitude=message.location.longitude, location_done=True
    )
    await flow.save(state, report)
    await say(message, t, t._("📍 Got it, thank you."), main_menu(t))
    await flow.advance(message, t, state, session, deps)


@router.callback_query(PickDistrict.filter(), Report.location, flow.Fresh())
async def picked_district(
    query: CallbackQuery,
    callback_data: PickDistrict,
    t: Texts,
    state: FSMContext,
    session: AsyncSession,
    deps: BotDeps,
) -> None:
    district = deps.services.context.districts.get(callback_data.code)
    await close_buttons(query, t, district.name if district else None)
    report = await flow.report_data(state)
    report.update(district=callback_data.code, location_done=True)
    await flow.save(state, report)
    await say(query, t, t._("📍 Got it, thank you."), main_menu(t))
    await flow.advance(query, t, state, session, deps)


@router.message(Report.location, F.text)
async def typed_address(
    message: Message, t: Texts, state: FSMContext, session: AsyncSession, deps: BotDeps
) -> None:
    text = (message.text or "").strip()
    report = await flow.report_data(state)
    intent = flow.intent_of(deps, report)
    if text == t._("❌ Cancel"):
        await cancel_report(message, t, state)
        return
    if text == t._("⏭ Skip"):
        if intent is not None and intent.questions.location.value == "optional":
            report["location_done"] = True
            await flow.save(state, report)
            await say(message, t, t._("OK, without a location."), main_menu(t))
            await flow.advance(message, t, state, session, deps)
        else:
            await say(
                message,
                t,
                t._(
                    "For this kind of problem the city needs to know where it "
                    "is. Please share your location or type the address."
                ),
            )
        return
    report.update(address=text[:500], location_done=True)
    await flow.save(state, report)
    await say(message, t, t._("📍 Got it, thank you."), main_menu(t))
    await flow.advance(message, t, state, session, deps)


@router.callback_query(Duplicate.filter(), Report.duplicate, flow.Fresh())
async def duplicate_choice(
    query: CallbackQuery,
    callback_data: Duplicate,
    t: Texts,
    resident: Resident | None,
    state: FSMContext,
    session: AsyncSession,
    deps: BotDeps,
) -> None:
    await close_buttons(
        query, t, t._("👍 Follow it") if callback_data.follow else t._("📝 Report it anyway")
    )
    report = await flow.report_data(state)
    if (
        not callback_data.follow
        or resident is None
        or report.get("offered") != callback_data.ticket_id
    ):
        await flow.advance(query, t, state, session, deps)
        return
    try:
        ticket = await deps.services.conversation.follow(
            session, ResidentActor(resident.id), callback_data.ticket_id
        )
    except DomainError:
        await say(query, t, t._("That report is already closed, so let us file yours."))
        await flow.advance(query, t, state, session, deps)
        return
    await session.commit()
    await state.clear()
    await say(
        query,
        t,
        t._("Done. You will get the updates about {reference}. Thank you!").format(
            reference=f"<b>{t.isolate(ticket.reference)}</b>"
        ),
        main_menu(t),
    )


@router.message(Report.photo, F.photo)
async def photographed(
    message: Message, t: Texts, state: FSMContext, session: AsyncSession, deps: BotDeps
) -> None:
    assert message.photo
    report = await flow.report_data(state)
    photo = {"kind": "photo", "telegram_file_id": message.photo[-1].file_id}
    if not flow.add_attachment(report, photo, message.caption):
        await say(message, t, FULL(t))
        return
    report["photo_done"] = True
    await flow.save(state, report)
    await say(message, t, t._("📷 Photo added."))
    await flow.advance(message, t, state, session, deps)


@router.message(Report.photo, F.text)
async def words_instead_of_a_photo(
    message: Message, t: Texts, state: FSMContext, session: AsyncSession, deps: BotDeps
) -> None:
    """No photo but a few more words ("no photo, it is next to the bakery"): keep the words."""
    report = await flow.report_data(state)
    if message.text and message.text != t._("⏭ Skip"):
        report["text"] = f"{report.get('text') or ''}\n{message.text[:1000]}".strip()
    report["photo_done"] = True
    await flow.save(state, report)
    await flow.advance(message, t, state, session, deps)


@router.callback_query(Step.filter(F.action == "skip_photo"), Report.photo, flow.Fresh())
async def skipped_photo(
    query: CallbackQuery, t: Texts, state: FSMContext, session: AsyncSession, deps: BotDeps
) -> None:
    await close_buttons(query, t, t._("⏭ Skip"))
    report = await flow.report_data(state)
    report["photo_done"] = True
    await flow.save(state, report)
    await flow.advance(query, t, state, session, deps)


async def _next_attribute(
    target: Message | CallbackQuery,
    t: Texts,
    state: FSMContext,
    session: AsyncSession,
    deps: BotDeps,
    value: object | None,
) -> None:
    report = await flow.report_data(state)
    intent = flow.intent_of(deps, report)
    assert intent is not None
    attribute = intent.questions.attributes[int(report.get("attribute", 0))]
    if value is not None:
        report.setdefault("answers", {})[attribute.code] = value
    report["attribute"] = int(report.get("attribute", 0)) + 1
    report.pop("multi", None)
    await flow.save(state, report)
    await flow.advance(target, t, state, session, deps)


@router.callback_query(PickOption.filter(), Report.attribute, flow.Fresh())
async def picked_option(
    query: CallbackQuery,
    callback_data: PickOption,
    t: Texts,
    state: FSMContext,
    session: AsyncSession,
    deps: BotDeps,
) -> None:
    report = await flow.report_data(state)
    intent = flow.intent_of(deps, report)
    assert intent is not None
    position = int(report.get("attribute", 0))
    attribute = intent.questions.attributes[position]
    if callback_data.attribute != position or not 0 <= callback_data.index < len(attribute.options):
        await query.answer(t._("This button is no longer active."))
        return
    key = attribute.options[callback_data.index].key
    if attribute.datatype is Datatype.MULTIVALUELIST:
        chosen = list(report.get("multi", []))
        chosen = [k for k in chosen if k != key] if key in chosen else [*chosen, key]
        report["multi"] = chosen
        await flow.save(state, report)
        await query.answer()
        if isinstance(query.message, Message):
            markup = buttons(flow.option_rows(t, attribute, chosen, position, str(report["rid"])))
            with contextlib.suppress(TelegramBadRequest):  # "message is not modified"
                await query.message.edit_reply_markup(reply_markup=markup)
        return
    await close_buttons(query, t, flow.option_label(t, attribute, key))
    await _next_attribute(query, t, state, session, deps, key)


@router.callback_query(
    Step.filter(F.action.in_({"attr_done", "skip_attr"})), Report.attribute, flow.Fresh()
)
async def attribute_done(
    query: CallbackQuery,
    callback_data: Step,
    t: Texts,
    state: FSMContext,
    session: AsyncSession,
    deps: BotDeps,
) -> None:
    report = await flow.report_data(state)
    chosen = report.get("multi") if callback_data.action == "attr_done" else None
    await close_buttons(
        query, t, t._("⏭ Skip") if callback_data.action == "skip_attr" else t._("✅ Done")
    )
    await _next_attribute(query, t, state, session, deps, chosen or None)


@router.message(Report.attribute, F.text)
async def typed_answer(
    message: Message, t: Texts, state: FSMContext, session: AsyncSession, deps: BotDeps
) -> None:
    report = await flow.report_data(state)
    intent = flow.intent_of(deps, report)
    assert intent is not None
    attribute = intent.questions.attributes[int(report.get("attribute", 0))]
    if attribute.datatype.is_list:
        await say(message, t, t._("Please use the buttons above."))
        return
    value = flow.parse_answer(attribute, message.text or "", t.timezone)
    if value is None:
        errors = {
            Datatype.NUMBER: t._(
                "That does not look like a number. Please send digits, for example 3."
            ),
            Datatype.DATETIME: t._(
                "I could not read that date. Please write it like 25.11.2026 or 25.11.2026 18:30."
            ),
        }
        await say(message, t, errors.get(attribute.datatype, t._("Please write a short answer.")))
        return
    await _next_attribute(message, t, state, session, deps, value)


@router.callback_query(Step.filter(F.action == "submit"), Report.summary, flow.Fresh())
async def submitted(
    query: CallbackQuery,
    t: Texts,
    resident: Resident | None,
    state: FSMContext,
    session: AsyncSession,
    deps: BotDeps,
) -> None:
    await close_buttons(query, t, t._("✅ Send"))
    if resident is None:
        return
    await submit_report(query, t, resident, state, session, deps)


@router.callback_query(Step.filter(F.action == "restart"), Report.summary, flow.Fresh())
async def restart(
    query: CallbackQuery, t: Texts, state: FSMContext, session: AsyncSession, deps: BotDeps
) -> None:
    await close_buttons(query, t, t._("✏️ Start over"))
    report = await flow.report_data(state)
    await begin(
        query, t, state, session, deps, str(report.get("intent")), learn=bool(report.get("learn"))
    )


@router.callback_query(Step.filter(F.action == "cancel"), flow.Fresh())
async def cancel_button(query: CallbackQuery, t: Texts, state: FSMContext) -> None:
    await close_buttons(query, t, t._("❌ Cancel"))
    await cancel_report(query, t, state)


async def cancel_report(target: Message | CallbackQuery, t: Texts, state: FSMContext) -> None:
    await state.clear()
    await say(target, t, t._("Cancelled. Nothing was sent."), main_menu(t))
