"""Free text: what does the resident need? Emergency, an answer, or a report to file."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import BotDeps
from bot.handlers.common import close_buttons, has_consented, refuse_if_too_long, say
from bot.i18n import Texts
from bot.keyboards import Helpful, PickIntent, Step, buttons
from bot.report_flow import new_report_id, report_data
from bot.routes import Routes
from bot.states import Report
from core.intents.catalog import Intent, IntentKind
from core.intents.matcher import EMERGENCY_INTENT, Decision, MatchResult
from core.residents.models import Resident

router = Routes("text")
MAX_TEXT_LENGTH = 4000


def emergency_text(t: Texts, number: str) -> str:
    _ = t._
    return "\n\n".join(
        [
            "🚨 "
            + _(
                "If someone is in danger, call {number} now. Do not wait for an answer here."
            ).format(number=f"<b>{t.isolate(t.escape(number))}</b>"),
            _("When everyone is safe, you can also report it to the city here."),
        ]
    )


async def answer_emergency(
    target: Message | CallbackQuery, t: Texts, deps: BotDeps, rid: str = ""
) -> None:
    """The emergency number first, at once; a report only if the resident wants one."""
    markup = buttons(
        [
            [(t._("📝 Report it to the city"), Step(action="report_emergency", rid=rid))],
            [(t._("I am safe, thank you"), Step(action="dismiss"))],
        ]
    )
    await say(target, t, emergency_text(t, deps.settings.emergency_number), markup)


async def answer_information(target: Message | CallbackQuery, t: Texts, intent: Intent) -> None:
    answer = intent.text(t.locale).answer or ""
    markup = buttons([[(t._("👍 Yes"), Helpful(yes=True)), (t._("👎 No"), Helpful(yes=False))]])
    question = t._("Did this answer help?")
    await say(target, t, f"{t.escape(answer)}\n\n{question}", markup)


async def confirm_category(
    target: Message | CallbackQuery, t: Texts, intent: Intent, rid: str
) -> None:
    entry = intent.text(t.locale)
    text = t._("I understood: <b>{name}</b> ({description}). Is that right?").format(
        name=t.escape(entry.name), description=t.escape(entry.description)
    )
    markup = buttons(
        [
            [
                (t._("✅ Yes"), Step(action="confirm", rid=rid)),
                (t._("🔄 Choose another"), Step(action="other")),
            ]
        ]
    )
    await say(target, t, text, markup)


async def offer_choices(
    target: Message | CallbackQuery, t: Texts, result: MatchResult, rid: str
) -> None:
    candidates = [result.intent, *[a.intent for a in result.alternatives]][:3]
    rows = [
        [(t.intent_name(code), PickIntent(code=code, learn=True, rid=rid))] for code in candidates
    ]
    rows.append([(t._("Something else"), Step(action="other"))])
    await say(target, t, t._("Which of these fits best?"), buttons(rows))


async def offer_help_when_unsure(target: Message | CallbackQuery, t: Texts, rid: str) -> None:
    markup = buttons(
        [
            [(t._("📂 Choose a topic"), Step(action="other"))],
            [(t._("📨 Send it to city staff"), Step(action="triage", rid=rid))],
        ]
    )
    await say(
        target,
        t,
        t._(
            "Sorry, I am not sure what you need. You can write it in other "
            "words, choose a topic, or send your message to city staff as it "
            "is."
        ),
        markup,
    )


async def understand(
    target: Message | CallbackQuery,
    text: str,
    *,
    t: Texts,
    resident: Resident | None,
    session: AsyncSession,
    state: FSMContext,
    deps: BotDeps,
) -> None:
    """Route one free-text message: the heart of the conversation."""
    from bot.handlers.start import PENDING_TEXT, offer_consent

    result = await deps.match(session, text)
    rid = new_report_id()  # buttons of earlier messages no longer act on this one
    if result.intent == EMERGENCY_INTENT:
        await state.set_state(None)
        await state.update_data(
            report={
                "intent": EMERGENCY_INTENT,
                "text": text,
                "rid": rid,
                "language": result.language or t.locale,
            }
        )
        await answer_emergency(target, t, deps, rid)
        return
    if not has_consented(resident):
        await state.update_data({PENDING_TEXT: text})
        await offer_consent(target, t)
        return
    await state.set_state(None)
    earlier = (await state.get_data()).get("report") or {}
    # A photo or location sent before the words stays with the report.
    kept = {
        key: earlier[key]
        for key in ("attachments", "latitude", "longitude", "photo_done")
        if key in earlier
    }
    report = {
        **kept,
        "rid": rid,
        "text": text,
        "language": result.language or t.locale,
        "decision": result.decision.value,
    }
    intent = deps.services.context.catalog.get(result.intent)
    if result.decision is Decision.UNKNOWN or intent is None:
        await state.update_data(report=report)
        await offer_help_when_unsure(target, t, rid)
    elif intent.kind is IntentKind.INFORMATION:
        await state.update_data(report=report)
        await answer_information(target, t, intent)
    elif result.decision is Decision.AMBIGUOUS:
        await state.update_data(report=report)
        await offer_choices(target, t, result, rid)
    else:
        await state.update_data(report={**report, "intent": intent.code})
        await state.set_state(Report.confirm)
        await confirm_category(target, t, intent, rid)


@router.message(F.text, StateFilter(None, Report.confirm, Report.summary, Report.duplicate))
async def free_text(
    message: Message,
    t: Texts,
    resident: Resident | None,
    session: AsyncSession,
    state: FSMContext,
    deps: BotDeps,
) -> None:
    """Free text outside a question we asked (a new message restarts the conversation)."""
    text = message.text or ""
    if await refuse_if_too_long(message, t, MAX_TEXT_LENGTH):
        return
    if not text.strip():
        return
    await understand(message, text, t=t, resident=resident, session=session, state=state, deps=deps)


@router.callback_query(Helpful.filter())
async def was_helpful(
    query: CallbackQuery, callback_data: Helpful, t: Texts, state: FSMContext
) -> None:
    await close_buttons(query, t, t._("👍 Yes") if callback_data.yes else t._("👎 No"))
    if callback_data.yes:
        await say(query, t, t._("Glad I could help!"))
        return
    rid = (await report_data(state)).get("rid", "")
    markup = buttons([[(t._("📨 Send it to city staff"), Step(action="triage", rid=rid))]])
    await say(
        query,
        t,
        t._("Sorry about that. Would you like to send your question to city staff?"),
        markup,
    )
