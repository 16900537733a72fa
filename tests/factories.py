"""Async factories: each makes one thing through the real services, with sensible defaults."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import ResidentActor, StaffActor, SystemActor
from core.partners.models import Partner, PartnerKind
from core.partners.schemas import PartnerData
from core.residents.models import Resident
from core.services import Services
from core.staff.models import Role, Staff
from core.staff.schemas import StaffCreate
from core.tickets.models import Channel, Ticket
from core.tickets.schemas import TicketCreate

SYSTEM = SystemActor("tests")
_sequence = itertools.count(1)
# A point inside the demo districts' "north" and "south" areas (tests use the demo map).
NORTH = (50.030, 8.000)
SOUTH = (49.970, 8.000)


async def create_partner(
    session: AsyncSession,
    services: Services,
    code: str | None = None,
    *,
    service_type: str | None = None,
    intents: list[str] | None = None,
    districts: list[str] | None = None,
    coordination_unit: bool = False,
    active: bool = True,
    kind: PartnerKind = PartnerKind.MUNICIPAL,
) -> Partner:
    code = code or f"partner-{next(_sequence)}"
    return await services.partners.save(
        session,
        SYSTEM,
        PartnerData(
            code=code,
            name=f"Partner {code}",
            kind=kind,
            service_type=service_type,
            coordination_unit=coordination_unit,
            intents=intents,
            districts=districts or [],
            active=active,
        ),
    )


async def create_city(session: AsyncSession, services: Services) -> dict[str, Partner]:
    """A small city: coordination unit, roads, two food banks split by district."""
    return {
        "coordination": await create_partner(
            session, services, "coordination", service_type="coordination", coordination_unit=True
        ),
        "roads": await create_partner(session, services, "roads", service_type="roads"),
        "food-north": await create_partner(
            session,
            services,
            "food-north",
            service_type="food_bank",
            districts=["north", "old-town"],
            kind=PartnerKind.NONPROFIT,
        ),
        "food-south": await create_partner(
            session,
            services,
            "food-south",
            service_type="food_bank",
            districts=["south"],
            kind=PartnerKind.NONPROFIT,
        ),
    }


async def create_staff(
    session: AsyncSession,
    services: Services,
    role: Role = Role.CASEWORKER,
    partner: Partner | None = None,
    *,
    email: str | None = None,
    password: str | None = None,
) -> Staff:
    staff, _ = await services.staff.add(
        session,
        SYSTEM,
        StaffCreate(
            email=email or f"staff{next(_sequence)}@city.example",
            display_name="Test Staff",
            role=role,
            partner_code=partner.code if partner else None,
        ),
        password,
    )
    return staff


def actor_of(staff: Staff) -> StaffActor:
    return StaffActor(staff.id, staff.role, staff.partner_id)


async def create_resident(
    session: AsyncSession, services: Services, locale: str = "en"
) -> Resident:
    number = next(_sequence)
    resident, _ = await services.residents.meet_on_telegram(
        session,
        telegram_user_id=5_000_000 + number,
        chat_id=5_000_000 + number,
        display_name=f"Resident {number}",
        language_code=locale,
    )
    return resident


async def open_ticket(
    session: AsyncSession,
    services: Services,
    resident: Resident | None = None,
    intent: str = "pothole",
    **fields: Any,
) -> Ticket:
    values: dict[str, Any] = {
        "intent_code": intent,
        "channel": Channel.TELEGRAM,
        "language": resident.locale if resident else "en",
        "description": "There is a big hole in the road",
    }
    if "latitude" not in fields and "district" not in fields and "address" not in fields:
        values["latitude"], values["longitude"] = NORTH
    values.update(fields)
    actor = ResidentActor(resident.id) if resident else SYSTEM
    return await services.tickets.open(session, actor, TicketCreate(**values))
