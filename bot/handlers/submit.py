"""Filing the report: one core service call, committed before the resident hears "done"."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import report_flow as flow
from bot.deps import BotDeps
from bot.handlers.common import say
from bot.i18n import Texts
from bot.keyboards import main_menu
from core.access import ResidentActor
from core.errors import ValidationFailed
from core.intents.catalog import UNKNOWN_INTENT
from core.intents.learning import record_example
from core.intents.models import ExampleSource
from core.partners.models import Partner
from core.residents.models import Resident
from core.tickets.models import Channel, Ticket
from core.tickets.schemas import Attachment, TicketCreate

logger = logging.getLogger(__name__)


def ticket_data(report: dict[str, object], resident: Resident, intent_code: str) -> TicketCreate:
    attachments = [Attachment.model_validate(item) for item in report.get("attachments", []) or []]  # type: ignore[union-attr]
    return TicketCreate(
        intent_code=intent_code,
        channel=Channel.TELEGRAM,
        language=resident.locale,
        description=(str(report["text"]) if report.get("text") else None),
        answers=dict(report.get("answers") or {}),  # type: ignore[call-overload]
        latitude=report.get("latitude"),
        longitude=report.get("longitude"),  # type: ignore[arg-type]
        address=report.get("address"),
        district=report.get("district"),  # type: ignore[arg-type]
        attachments=attachments,
    )


async def _confirm(
    target: Message | CallbackQuery, t: Texts, session: AsyncSession, ticket: Ticket, hours: float
) -> None:
    partner = await session.get(Partner, ticket.partner_id)
    lines = [
        t._("Thank you! Your report has been sent to {partner}.").format(
            partner=t.escape(partner.name if partner else "")
        ),
        t._("Your reference: {reference}").format(
            reference=f"<b>{t.isolate(ticket.reference)}</b>"
        ),
        t.expected_response(hours),
        t._("I will tell you here when something changes. See all your requests with /mytickets."),
    ]
    await say(target, t, "\n".join(lines), main_menu(t))


async def _confirm_safely(
    target: Message | CallbackQuery, t: Texts, session: AsyncSession, ticket: Ticket, hours: float
) -> None:
    """The ticket exists now: if telling the resident fails, do not make them file it again."""
    try:
        await _confirm(target, t, session, ticket, hours)
    except TelegramAPIError:
        logger.warning(
            "ticket %s filed but the confirmation could not be sent",
            ticket.reference,
            exc_info=True,
        )


async def submit_report(
    target: Message | CallbackQuery,
    t: Texts,
    resident: Resident,
    state: FSMContext,
    session: AsyncSession,
    deps: BotDeps,
) -> None:
    report = await flow.report_data(state)
    intent = flow.intent_of(deps, report)
    if intent is None:
        await state.clear()
        return
    services = deps.services
    try:
        ticket = await services.tickets.open(
            session, ResidentActor(resident.id), ticket_data(report, resident, intent.code)
        )
    except ValidationFailed as exc:
        logger.info("report refused: %s", exc.message)
        field = exc.details.get("field")
        codes = [attribute.code for attribute in intent.questions.attributes]
        if field in ("location", "district"):
            report.pop("location_done", None)
            await say(target, t, t._("I still need to know where it is."))
        elif field in codes:  # e.g. a required question skipped with an old button
            report["attribute"] = codes.index(field)
            report.get("answers", {}).pop(field, None)
            await say(target, t, t._("I still need one answer from you."))
        else:
            raise
        await flow.save(state, report)
        await flow.advance(target, t, state, session, deps)
        return
    if report.get("learn") and report.get("text"):
        await record_example(
            session,
            services.context.catalog,
            intent_code=intent.code,
            language=str(report.get("language") or resident.locale),
            text=str(report["text"]),
            source=ExampleSource.RESIDENT_CHOICE,
            ticket_id=ticket.id,
            resident_id=resident.id,
        )
    await session.commit()  # the reference is real before the resident reads it
    await state.clear()
    await _confirm_safely(
        target, t, session, ticket, services.context.targets_for(intent).first_response_hours
    )


async def submit_to_triage(
    target: Message | CallbackQuery,
    t: Texts,
    resident: Resident,
    state: FSMContext,
    session: AsyncSession,
    deps: BotDeps,
) -> None:
    """Whatever the matcher could not place goes to the coordination unit, as written."""
    report = await flow.report_data(state)
    if not report.get("text"):
        await say(
            target, t, t._("Please write your message first, then I can send it to city staff.")
        )
        return
    ticket = await deps.services.tickets.open(
        session, ResidentActor(resident.id), ticket_data(report, resident, UNKNOWN_INTENT)
    )
    await session.commit()
    await state.clear()
    await _confirm_safely(
        target, t, session, ticket, deps.services.context.default_targets.first_response_hours
    )
