"""Past weekly digests in the inbox: who may read which, the page and its charts."""

from __future__ import annotations

import datetime as dt

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.digest.models import partner_scope
from core.digest.service import freeze_week
from core.digest.weeks import Week
from core.services import Services
from core.staff.models import Role
from tests.api.test_web import PASSWORD, sign_in
from tests.factories import create_city, create_staff, open_ticket


async def _last_week_ticket(session: AsyncSession, services: Services) -> tuple[Week, int]:
    week = Week.last_complete(utcnow(), services.settings.tz)
    ticket = await open_ticket(session, services)
    ticket.created_at = week.bounds(services.settings.tz)[0] + dt.timedelta(hours=30)
    ticket.resolution_due_at = ticket.created_at + dt.timedelta(hours=20)  # overdue at week end
    await session.flush()
    return week, ticket.id


async def test_a_manager_reads_past_digests_of_their_partner_only(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    await create_staff(
        session, services, Role.MANAGER, city["roads"], email="m@city.example", password=PASSWORD
    )
    week, ticket_id = await _last_week_ticket(session, services)
    await freeze_week(session, week, services.settings.tz)
    await sign_in(api, "m@city.example")

    listing = await api.get("/digests")
    assert listing.status_code == 200 and f'href="/digests/{week}?scope=' in listing.text
    page = await api.get(f"/digests/{week}")
    assert page.status_code == 200 and 'lang="en"' in page.text
    own = partner_scope(city["roads"].id).replace(":", "%3A")
    assert f"/digests/{week}/charts/volume.png?scope={own}" in page.text
    link = f"{services.settings.public_url}/tickets/{ticket_id}"
    assert link in page.text  # the overdue list links into the inbox, and the link works
    assert (await api.get(f"/tickets/{ticket_id}")).status_code == 200
    chart = await api.get(f"/digests/{week}/charts/volume.png")
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")

    other = partner_scope(city["food-north"].id)
    assert (await api.get(f"/digests/{week}", params={"scope": other})).status_code == 404
    assert (await api.get("/digests", params={"scope": "city"})).status_code == 404
    assert (await api.get(f"/digests/{week.next().next()}")).status_code == 404  # not over
    assert (await api.get("/digests/2026-W99")).status_code == 404
    assert (await api.get("/digests/0001-W01")).status_code == 404  # before time began
    assert (await api.get(f"/digests/{week}/charts/secrets.png")).status_code == 404


async def test_caseworkers_get_no_digest_and_coordinators_read_every_partner(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    await create_staff(
        session, services, Role.CASEWORKER, city["roads"], email="c@city.example", password=PASSWORD
    )
    await create_staff(
        session, services, Role.COORDINATOR, email="k@city.example", password=PASSWORD
    )
    week, _ = await _last_week_ticket(session, services)
    await sign_in(api, "c@city.example")
    assert (await api.get("/digests")).status_code == 403
    assert (await api.get(f"/digests/{week}")).status_code == 403
    await api.post("/logout", data={})
    api.cookies.clear()
    await sign_in(api, "k@city.example")
    roads = partner_scope(city["roads"].id)
    listing = await api.get("/digests")
    assert listing.status_code == 200 and f'value="{roads}"' in listing.text
    assert (await api.get(f"/digests/{week}", params={"scope": roads})).status_code == 200
    assert (await api.get(f"/digests/{week}")).status_code == 200  # the whole city
