"""A demo city (Riverton): partners, districts, staff of every role, residents and eight weeks
of tickets in several languages and every status, made through the real services so that the
audit trail, messages and ratings are all there.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Actor, ResidentActor, StaffActor, SystemActor
from core.db import utcnow
from core.demo.timeline import backdate_ticket
from core.errors import DomainError
from core.intents.catalog import Intent, IntentKind, QuestionMode
from core.notifications.models import Outbox
from core.partners.models import Partner
from core.partners.service import parse_partners_file
from core.residents.models import Resident
from core.services import Services
from core.staff.models import Role, Staff
from core.staff.schemas import StaffCreate
from core.tickets.models import Channel, RatingAnswer, Ticket
from core.tickets.schemas import RatingCreate, TicketCreate
from core.tickets.status import TicketStatus

DEMO_DIR = Path(__file__).resolve().parent
DEMO_DISTRICTS = DEMO_DIR / "districts.geojson"
DEMO_PARTNERS = DEMO_DIR / "partners.yaml"
DEMO_WEEKS = 8
DEMO_TICKETS = 320
DEMO_RESIDENTS = 90
FIRST_DEMO_TELEGRAM_ID = 990_000_000  # far from real ids of a small test bot

# (email, name, role, partner code)
DEMO_STAFF: tuple[tuple[str, str, Role, str | None], ...] = (
    ("admin@riverton.example", "Ada Admin", Role.ADMIN, None),
    ("coordinator@riverton.example", "Cora Coordinator", Role.COORDINATOR, None),
    ("roads.manager@riverton.example", "Manfred Roads", Role.MANAGER, "roads"),
    ("roads@riverton.example", "Rosa Roads", Role.CASEWORKER, "roads"),
    ("roads2@riverton.example", "Ravi Roads", Role.CASEWORKER, "roads"),
    ("sanitation@riverton.example", "Sami Sanitation", Role.CASEWORKER, "sanitation"),
    ("foodbank@riverton.example", "Fatima Foodbank", Role.CASEWORKER, "food-bank-north"),
    ("legal@riverton.example", "Lev Legal", Role.CASEWORKER, "legal-aid"),
    ("triage@riverton.example", "Tess Triage", Role.CASEWORKER, "coordination"),
)
LANGUAGE_WEIGHTS = {
    "en": 28,
    "es": 11,
    "uk": 11,
    "ar": 10,
    "ru": 8,
    "fr": 7,
    "de": 7,
    "pt": 6,
    "tr": 6,
    "zh": 6,
}
THANKS = {
    "en": "Thank you!",
    "es": "¡Gracias!",
    "fr": "Merci !",
    "de": "Danke!",
    "pt": "Obrigado!",
    "uk": "Дякую!",
    "ru": "Спасибо!",
    "ar": "شكراً لكم!",
    "tr": "Teşekkürler!",
    "zh": "谢谢！",
}
MORE_DETAILS = {
    "en": "It is right in front of number 12.",
    "es": "Está justo frente al número 12.",
    "fr": "C'est juste devant le numéro 12.",
    "de": "Direkt vor Hausnummer 12.",
    "pt": "Fica mesmo em frente ao número 12.",
    "uk": "Прямо навпроти будинку 12.",
    "ru": "Прямо напротив дома 12.",
    "ar": "إنه أمام المبنى رقم 12 مباشرة.",
    "tr": "Tam 12 numaranın önünde.",
    "zh": "就在12号门口。",
}
REPLIES = (
    "Thank you for reporting this. A crew is scheduled for this week.",
    "We have passed this on to the team on site.",
    "Could you tell us the exact house number?",
)


@dataclass
class DemoLogins:
    created: bool
    passwords: dict[str, str]


async def demo_exists(session: AsyncSession) -> bool:
    return bool(
        (
            await session.execute(sa.select(sa.exists().where(Staff.email == DEMO_STAFF[0][0])))
        ).scalar()
    )


async def issue_demo_passwords(session: AsyncSession, services: Services) -> dict[str, str]:
    """Fresh one-time passwords for the demo accounts (printed each time the demo starts)."""
    actor = SystemActor("demo")
    return {
        email: await services.staff.reset_password(session, actor, email)
        for email, *_ in DEMO_STAFF
    }


async def seed_demo(session: AsyncSession, services: Services, *, seed: int = 7) -> DemoLogins:
    if await demo_exists(session):
        return DemoLogins(False, await issue_demo_passwords(session, services))
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    actor = SystemActor("demo")
    await services.partners.load(session, actor, parse_partners_file(DEMO_PARTNERS))
    passwords: dict[str, str] = {}
    staff_by_partner: dict[str | None, list[Staff]] = {}
    for email, name, role, partner_code in DEMO_STAFF:
        staff, password = await services.staff.add(
            session,
            actor,
            StaffCreate(email=email, display_name=name, role=role, partner_code=partner_code),
        )
        passwords[email] = password or ""
        staff_by_partner.setdefault(partner_code, []).append(staff)
    residents = await _residents(session, services, rng)
    partners = {p.id: p.code for p in (await session.execute(sa.select(Partner))).scalars()}
    intents = [
        intent
        for intent in services.context.catalog
        if intent.kind in (IntentKind.REQUEST, IntentKind.FEEDBACK)
    ]
    now = utcnow()
    previous: dict[str, str] = {}
    for _ in range(DEMO_TICKETS):
        resident = rng.choice(residents)
        intent = rng.choice(intents)
        created = now - dt.timedelta(minutes=rng.randint(30, DEMO_WEEKS * 7 * 24 * 60))
        ticket = await services.tickets.open(
            session,
            ResidentActor(resident.id),
            _ticket_data(services, intent, resident.locale, rng),
        )
        code = partners[ticket.partner_id]
        workers = [s for s in staff_by_partner.get(code, []) if s.role is Role.CASEWORKER]
        worker: Actor = (
            StaffActor(workers[0].id, workers[0].role, workers[0].partner_id) if workers else actor
        )
        await _play_lifecycle(
            session,
            services,
            ticket,
            worker,
            resident,
            now - created,
            rng,
            previous.get(intent.code),
        )
        previous[intent.code] = ticket.reference
        await backdate_ticket(session, ticket, created, now, services.context, rng)
    # The demo residents are not real Telegram users: nothing must be sent to them.
    await session.execute(sa.delete(Outbox))
    await session.flush()
    return DemoLogins(True, passwords)


async def _residents(
    session: AsyncSession, services: Services, rng: random.Random
) -> list[Resident]:
    languages, weights = zip(*LANGUAGE_WEIGHTS.items(), strict=True)
    residents = []
    for index in range(DEMO_RESIDENTS):
        resident, _ = await services.residents.meet_on_telegram(
            session,
            telegram_user_id=FIRST_DEMO_TELEGRAM_ID + index,
            chat_id=FIRST_DEMO_TELEGRAM_ID + index,
            display_name=f"Demo resident {index + 1}",
            language_code=rng.choices(languages, weights)[0],
        )
        await services.residents.give_consent(session, resident.id)
        residents.append(resident)
    return residents


def _ticket_data(
    services: Services, intent: Intent, language: str, rng: random.Random
) -> TicketCreate:
    district = rng.choice(services.context.districts.districts)
    (min_lon, min_lat, max_lon, max_lat) = district.bbox
    lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
    located = intent.questions.location is not QuestionMode.NONE
    answers = {}
    for attribute in intent.questions.attributes:
        if attribute.options and (attribute.required or rng.random() < 0.6):
            answers[attribute.code] = (
                rng.choice(attribute.options).key
                if attribute.datatype.value == "singlevaluelist"
                else [rng.choice(attribute.options).key]
            )
    return TicketCreate(
        intent_code=intent.code,
        channel=Channel.TELEGRAM,
        language=language,
        description=rng.choice(intent.text(language).phrases),
        answers=answers,
        latitude=lat if located else None,
        longitude=lon if located else None,
        district=None if located else district.code,
    )


async def _play_lifecycle(
    session: AsyncSession,
    services: Services,
    ticket: Ticket,
    worker: Actor,
    resident: Resident,
    age: dt.timedelta,
    rng: random.Random,
    earlier_reference: str | None,
) -> None:
    """Move a ticket along as a caseworker and resident would; older tickets got further."""
    tickets, talk, me = services.tickets, services.conversation, ResidentActor(resident.id)
    progress = min(age / dt.timedelta(days=14), 1.0) * rng.uniform(0.5, 1.2)
    roll = rng.random()
    try:
        if progress < 0.15:
            return
        if roll < 0.04 and earlier_reference:
            await tickets.mark_duplicate(
                session,
                worker,
                ticket.id,
                earlier_reference,
                reason="Already reported by a neighbour.",
            )
            return
        if roll < 0.08:
            await tickets.change_status(
                session,
                worker,
                ticket.id,
                TicketStatus.REJECTED,
                reason="This is not something the city can act on.",
            )
            return
        await tickets.change_status(session, worker, ticket.id, TicketStatus.ACKNOWLEDGED)
        if progress < 0.35:
            return
        if roll < 0.25:
            await talk.request_info(session, worker, ticket.id, REPLIES[2])
            if progress < 0.5:
                return
            await talk.resident_message(session, me, ticket.id, MORE_DETAILS[ticket.language])
        else:
            await tickets.change_status(session, worker, ticket.id, TicketStatus.IN_PROGRESS)
            await talk.reply(session, worker, ticket.id, rng.choice(REPLIES[:2]))
        if progress < 0.6:
            return
        await tickets.change_status(session, worker, ticket.id, TicketStatus.RESOLVED)
        if rng.random() < 0.6:
            answer = rng.choices(list(RatingAnswer), (70, 12, 18))[0]
            score = {
                RatingAnswer.YES: rng.choice((4, 5, 5)),
                RatingAnswer.PARTLY: 3,
                RatingAnswer.NO: rng.choice((1, 2)),
            }[answer]
            comment = (
                THANKS[ticket.language]
                if answer is RatingAnswer.YES and rng.random() < 0.4
                else None
            )
            await talk.rate(
                session, me, ticket.id, RatingCreate(answer=answer, score=score, comment=comment)
            )
            if answer is RatingAnswer.NO:
                return
        if progress > 0.9:
            await tickets.change_status(session, worker, ticket.id, TicketStatus.CLOSED)
    except DomainError:
        return  # an unusual path (e.g. a duplicate of a ticket in another partner): keep as is
