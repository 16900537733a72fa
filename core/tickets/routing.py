"""Which partner gets a ticket: by intent, narrowed by district, else the coordination unit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ConfigurationError
from core.intents.catalog import Catalog
from core.partners.models import Partner
from core.partners.repository import PartnerRepository


async def coordination_unit(session: AsyncSession) -> Partner:
    unit = await PartnerRepository(session).coordination_unit()
    if unit is None:
        raise ConfigurationError(
            "no coordination unit is configured: load partners with one marked "
            "coordination_unit: true (civicdesk partners load FILE)"
        )
    return unit


async def route(
    session: AsyncSession, catalog: Catalog, intent_code: str, district: str | None
) -> Partner:
    """The partner that should handle a new ticket.

    Among active partners handling the intent, one that explicitly covers the ticket's district
    wins over one that covers the whole city; a partner limited to other districts is passed
    over. Ties go to the catalog's order of partner types, then to the oldest partner. Nothing
    suitable: the coordination unit, for triage.
    """
    candidates = await PartnerRepository(session).candidates_for_intent(intent_code)
    intent = catalog.get(intent_code)
    preference = intent.partner_types if intent else ()

    def type_rank(partner: Partner) -> int:
        if partner.service_type in preference:
            return preference.index(partner.service_type)
        return len(preference)

    covering = [partner for partner, districts in candidates if district and district in districts]
    citywide = [partner for partner, districts in candidates if not districts]
    for pool in (covering, citywide):
        if pool:
            return min(pool, key=lambda partner: (type_rank(partner), partner.id))
    return await coordination_unit(session)
