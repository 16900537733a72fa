"""The questions of a report, asked one at a time, only those the intent needs.

The report being built lives in the conversation state (memory, or Redis so that a restart in
the middle of a report loses nothing) as plain JSON under the key "report".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from typing import Any

from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import BotDeps
from bot.handlers.common import say
from bot.i18n import Texts
from bot.keyboards import Duplicate, PickDistrict, PickOption, Step, buttons, location_keyboard
from bot.states import Report
from core.intents.catalog import Attribute, Datatype, Intent, QuestionMode
from core.tickets.nearby import open_tickets_nearby
from core.tickets.schemas import MAX_ATTACHMENTS

Target = Message | CallbackQuery


async def report_data(state: FSMContext) -> dict[str, Any]:
    return dict((await state.get_data()).get("report") or {})


def add_attachment(
    report: dict[str, Any], item: dict[str, Any], caption: str | None = None
) -> bool:
    """Attach a photo or voice note (and its caption as words); False when the report is full."""
    attachments = report.setdefault("attachments", [])
    if len(attachments) >= MAX_ATTACHMENTS:
        return False
    attachments.append(item)
    if caption:
        report["text"] = f"{report['text']}\n{caption}" if report.get("text") else caption
    return True


def new_report_id() -> str:
    return secrets.token_hex(4)


class Fresh(Filter):
    """The pressed button belongs to the report in progress (not to an older conversation,
    whose buttons are still on screen). Stale presses fall through to a polite catch-all."""

    async def __call__(self, query: CallbackQuery, callback_data: Any, state: FSMContext) -> bool:
        report = await report_data(state)
        return bool(report.get("rid")) and getattr(callback_data, "rid", None) == report["rid"]


async def save(state: FSMContext, report: dict[str, Any]) -> None:
    await state.update_data(report=report)


def intent_of(deps: BotDeps, report: dict[str, Any]) -> Intent | None:
    return deps.services.context.catalog.get(str(report.get("intent", "")))


def attribute_label(t: Texts, attribute: Attribute) -> str:
    return attribute.label.get(t.locale) or attribute.label.get("en", attribute.code)


def option_label(t: Texts, attribute: Attribute, key: str) -> str:
    option = attribute.option(key)
    return (option.label.get(t.locale) or key) if option else key


async def advance(
    target: Target, t: Texts, state: FSMContext, session: AsyncSession, deps: BotDeps
) -> None:
    """Ask the next question this report still needs, or show the summary."""
    report = await report_data(state)
    intent = intent_of(deps, report)
    if intent is None:
        await state.clear()
        return
    questions = intent.questions
    has_description = bool(report.get("text")) or any(
        a.get("kind") == "voice" for a in report.get("attachments", [])
    )
    if not has_description:
        await state.set_state(Report.describe)
        await say(
            target, t, t._("Please describe the problem in a few words, or send a voice message.")
        )
        return
    if questions.location is not QuestionMode.NONE and not report.get("location_done"):
        await ask_location(
            target,
            t,
            state,
            deps,
            report["rid"],
            optional=questions.location is QuestionMode.OPTIONAL,
        )
        return
    if report.get("latitude") is not None and not report.get("duplicates_checked"):
        report["duplicates_checked"] = True
        await save(state, report)
        if await offer_duplicate(target, t, state, session, deps, intent, report):
            return
    if questions.photo is QuestionMode.OPTIONAL and not report.get("photo_done"):
        await state.set_state(Report.photo)
        await say(
            target,
            t,
            t._("Would you like to add a photo? Send it now, or press Skip."),
            buttons([[(t._("⏭ Skip"), Step(action="skip_photo", rid=report["rid"]))]]),
        )
        return
    index = int(report.get("attribute", 0))
    if index < len(questions.attributes):
        await state.set_state(Report.attribute)
        await ask_attribute(target, t, questions.attributes[index], report)
        return
    await state.set_state(Report.summary)
    await show_summary(target, t, deps, intent, report)


async def ask_location(
    target: Target, t: Texts, state: FSMContext, deps: BotDeps, rid: str, optional: bool
) -> None:
    await state.set_state(Report.location)
    text = t._(
        "Where is it? Share your location with the button below, type the address, or "
        "choose your district."
    )
    await say(target, t, text, location_keyboard(t, optional))
    districts = deps.services.context.districts.districts
    if districts:
        rows = [
            [(district.name, PickDistrict(code=district.code, rid=rid))] for district in districts
        ]
        await say(target, t, t._("Districts:"), buttons(rows))


async def offer_duplicate(
    target: Target,
    t: Texts,
    state: FSMContext,
    session: AsyncSession,
    deps: BotDeps,
    intent: Intent,
    report: dict[str, Any],
) -> bool:
    nearby = await open_tickets_nearby(
        session,
        intent.code,
        float(report["latitude"]),
        float(report["longitude"]),
        deps.settings.bot.duplicate_radius_m,
    )
    if not nearby:
        return False
    ticket, distance = nearby[0]
    report["offered"] = ticket.id  # the only ticket this resident may now choose to follow
    await save(state, report)
    await state.set_state(Report.duplicate)
    text = t._(
        "Someone already reported this about {distance} m from here: {reference} "
        "({status}, since {date}). Would you like to follow that report? You will get "
        "its updates."
    ).format(
        distance=t.isolate(round(distance)),
        reference=f"<b>{t.isolate(ticket.reference)}</b>",
        status=t.status(ticket.status),
        date=t.date(ticket.created_at),
    )
    markup = buttons(
        [
            [(t._("👍 Follow it"), Duplicate(ticket_id=ticket.id, follow=True, rid=report["rid"]))],
            [
                (
                    t._("📝 Report it anyway"),
                    Duplicate(ticket_id=ticket.id, follow=False, rid=report["rid"]),
                )
            ],
        ]
    )
    await say(target, t, text, markup)
    return True


def option_rows(
    t: Texts, attribute: Attribute, chosen: list[str], position: int, rid: str
) -> list[list[tuple[str, Any]]]:
    """Option buttons of the attribute at `position` of the report `rid`."""
    rows: list[list[tuple[str, Any]]] = []
    for index, option in enumerate(attribute.options):
        mark = "✓ " if option.key in chosen else ""
        rows.append(
            [
                (
                    mark + option_label(t, attribute, option.key),
                    PickOption(index=index, attribute=position, rid=rid),
                )
            ]
        )
    if attribute.datatype is Datatype.MULTIVALUELIST:
        rows.append([(t._("✅ Done"), Step(action="attr_done", rid=rid))])
    if not attribute.required:
        rows.append([(t._("⏭ Skip"), Step(action="skip_attr", rid=rid))])
    return rows


async def ask_attribute(
    target: Target, t: Texts, attribute: Attribute, report: dict[str, Any]
) -> None:
    position, rid = int(report.get("attribute", 0)), str(report["rid"])
    label = t.escape(attribute_label(t, attribute))
    if attribute.datatype.is_list:
        hint = (
            t._("(choose one or more, then press Done)")
            if attribute.datatype is Datatype.MULTIVALUELIST
            else ""
        )
        await say(
            target,
            t,
            f"{label} {hint}".strip(),
            buttons(option_rows(t, attribute, list(report.get("multi", [])), position, rid)),
        )
        return
    hints = {
        Datatype.NUMBER: t._("Please send a number, for example 3."),
        Datatype.DATETIME: t._("Please send a date, for example 25.11.2026 or 25.11.2026 18:30."),
    }
    skip = (
        None
        if attribute.required
        else buttons([[(t._("⏭ Skip"), Step(action="skip_attr", rid=rid))]])
    )
    await say(
        target,
        t,
        "\n".join(part for part in (label, hints.get(attribute.datatype, "")) if part),
        skip,
    )


DATE_FORMATS = (
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d.%m.%y",
    "%d/%m/%y",
)


def parse_answer(attribute: Attribute, text: str, timezone: Any) -> Any | None:
    """A typed answer in the attribute's datatype, or None when it cannot be read."""
    text = text.strip()
    if attribute.datatype is Datatype.NUMBER:
        with contextlib.suppress(ValueError):
            number = float(text.replace(",", ".").replace(" ", ""))
            if number == number and abs(number) < 1e9:  # not NaN, not absurd
                return int(number) if number.is_integer() else number
        return None
    if attribute.datatype is Datatype.DATETIME:
        for pattern in DATE_FORMATS:
            with contextlib.suppress(ValueError):
                return dt.datetime.strptime(text, pattern).replace(tzinfo=timezone).isoformat()
        return None
    return text[:2000] or None


def location_line(t: Texts, deps: BotDeps, report: dict[str, Any]) -> str | None:
    if report.get("address"):
        return "📍 " + t.escape(str(report["address"]))
    district = deps.services.context.districts.get(str(report.get("district") or ""))
    if district:
        return "📍 " + t.escape(district.name)
    if report.get("latitude") is not None:
        return "📍 " + t._("location shared")
    return None


async def show_summary(
    target: Target, t: Texts, deps: BotDeps, intent: Intent, report: dict[str, Any]
) -> None:
    lines = [t._("Please check your report:"), "", f"<b>{t.escape(intent.name(t.locale))}</b>"]
    if report.get("text"):
        lines.append(t.escape(str(report["text"])[:500]))
    where = location_line(t, deps, report)
    if where:
        lines.append(where)
    attachments = report.get("attachments", [])
    photos = sum(1 for a in attachments if a.get("kind") == "photo")
    if photos:
        lines.append(
            "📷 " + t.ngettext("{count} photo", "{count} photos", photos).format(count=photos)
        )
    if any(a.get("kind") == "voice" for a in attachments):
        lines.append("🎤 " + t._("voice message"))
    answers = report.get("answers", {})
    for attribute in intent.questions.attributes:
        if attribute.code in answers:
            value = answers[attribute.code]
            shown = (
                ", ".join(option_label(t, attribute, str(v)) for v in value)
                if isinstance(value, list)
                else option_label(t, attribute, str(value))
            )
            lines.append(f"• {t.escape(attribute_label(t, attribute))} {t.escape(shown)}")
    markup = buttons(
        [
            [(t._("✅ Send"), Step(action="submit", rid=report["rid"]))],
            [
                (t._("✏️ Start over"), Step(action="restart", rid=report["rid"])),
                (t._("❌ Cancel"), Step(action="cancel", rid=report["rid"])),
            ],
        ]
    )
    await say(target, t, "\n".join(lines), markup)
