import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ConfigurationError
from core.services import Services
from core.tickets.routing import route
from tests.factories import create_city, create_partner


async def test_by_intent(session: AsyncSession, services: Services) -> None:
    city = await create_city(session, services)
    catalog = services.context.catalog
    assert (await route(session, catalog, "pothole", None)).id == city["roads"].id
    # streetlight prefers a lighting partner but roads handles it when there is none
    assert (await route(session, catalog, "streetlight", "east")).id == city["roads"].id
    assert (await route(session, catalog, "feedback", None)).id == city["coordination"].id


async def test_by_district(session: AsyncSession, services: Services) -> None:
    city = await create_city(session, services)
    catalog = services.context.catalog
    assert (await route(session, catalog, "food_assistance", "north")).id == city["food-north"].id
    assert (await route(session, catalog, "food_assistance", "old-town")).id == city[
        "food-north"
    ].id
    assert (await route(session, catalog, "food_assistance", "south")).id == city["food-south"].id


async def test_a_district_partner_wins_over_a_citywide_one(
    session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    citywide = await create_partner(session, services, "food-city", service_type="food_bank")
    catalog = services.context.catalog
    assert (await route(session, catalog, "food_assistance", "east")).id == citywide.id
    assert (await route(session, catalog, "food_assistance", None)).id == citywide.id
    south = await route(session, catalog, "food_assistance", "south")
    assert south.code == "food-south"


async def test_fallback_to_the_coordination_unit(session: AsyncSession, services: Services) -> None:
    city = await create_city(session, services)
    catalog = services.context.catalog
    # No partner handles legal aid; no food bank covers "east"; unknown goes to triage.
    for intent, district in (("legal_aid", None), ("food_assistance", "east"), ("unknown", None)):
        assert (await route(session, catalog, intent, district)).id == city["coordination"].id


async def test_inactive_partners_and_preference_order(
    session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    lighting = await create_partner(session, services, "lighting", service_type="lighting")
    catalog = services.context.catalog
    assert (await route(session, catalog, "streetlight", None)).id == lighting.id
    await create_partner(session, services, "lighting", service_type="lighting", active=False)
    assert (await route(session, catalog, "streetlight", None)).id == city["roads"].id


async def test_explicit_intents_override_the_catalog_defaults(
    session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    graffiti_crew = await create_partner(session, services, "graffiti-crew", intents=["graffiti"])
    assert (await route(session, services.context.catalog, "graffiti", None)).id == graffiti_crew.id


async def test_no_coordination_unit_is_a_clear_configuration_error(
    session: AsyncSession,
    services: Services,
) -> None:
    with pytest.raises(ConfigurationError, match="coordination unit"):
        await route(session, services.context.catalog, "pothole", None)
