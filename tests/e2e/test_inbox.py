"""Caseworkers and coordinators at work, in a real browser."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.async_api import Page, expect

from core.db import transaction
from core.replies.service import CannedReplyData, save_reply
from core.tickets.models import Message, Ticket
from core.tickets.status import TicketStatus
from tests.e2e.conftest import Site, sign_in
from tests.factories import SYSTEM, create_resident, open_ticket

TEXTS = {
    code: f"[{code}] A crew is on its way."
    for code in ("en", "es", "fr", "de", "pt", "uk", "ru", "ar", "tr", "zh")
}


async def test_a_caseworker_sees_a_new_ticket_and_works_it(page: Page, site: Site) -> None:
    async with transaction(site.sessions) as session:
        await save_reply(session, SYSTEM, CannedReplyData(title="Crew on the way", texts=TEXTS))
    await sign_in(page, site, "rosa@city.example")
    await expect(page.get_by_text("No tickets here.")).to_be_visible()
    async with transaction(site.sessions) as session:
        resident = await create_resident(session, site.services, "uk")
        ticket = await open_ticket(session, site.services, resident, description="яма на дорозі")
        reference = ticket.reference
    # No reload: the list refreshes itself.
    await expect(page.get_by_role("link", name=reference)).to_be_visible(timeout=20_000)
    await page.get_by_role("link", name=reference).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    await expect(page.locator("dd span[lang=uk]")).to_have_text("Українська")
    await page.get_by_label("Assign to").select_option("me")
    await page.get_by_role("button", name="Assign", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Saved.")
    await page.get_by_label(re.compile("canned reply")).select_option(label="Crew on the way")
    await page.get_by_role("button", name="Send reply").click()
    await expect(page.get_by_role("status")).to_have_text("Saved.")
    await page.get_by_label("Change the status").select_option("resolved")
    await page.locator("form[action$='/status'] button").click()
    await expect(page.get_by_role("status")).to_have_text("Saved.")
    async with site.sessions() as session:
        stored = (
            await session.execute(sa.select(Ticket).where(Ticket.reference == reference))
        ).scalar_one()
        message = (await session.execute(sa.select(Message))).scalar_one()
    assert stored.status is TicketStatus.RESOLVED and stored.assignee_id is not None
    assert message.text == TEXTS["uk"]


async def test_another_partners_caseworker_gets_not_found(page: Page, site: Site) -> None:
    async with transaction(site.sessions) as session:
        ticket = await open_ticket(
            session, site.services, await create_resident(session, site.services)
        )
    await sign_in(page, site, "fatima@city.example")
    response = await page.goto(f"{site.url}/tickets/{ticket.id}")
    assert response is not None and response.status == 404
    await expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    await expect(page.get_by_text(ticket.reference)).to_have_count(0)


async def test_a_coordinator_reroutes_a_triage_ticket(page: Page, site: Site) -> None:
    async with transaction(site.sessions) as session:
        ticket = await open_ticket(
            session,
            site.services,
            await create_resident(session, site.services),
            "unknown",
            description="we have nothing to eat",
            district="south",
        )
    await sign_in(page, site, "cora@city.example")
    await page.get_by_role("link", name=re.compile("Triage")).first.click()
    await page.get_by_role("link", name=ticket.reference).click()
    await page.get_by_label("…or to service").select_option("food_assistance")
    await page.get_by_label("Reason", exact=True).first.fill("they need food")
    await page.locator("form[action$='/reroute'] button").click()
    await page.wait_for_url(f"{site.url}/inbox")
    async with site.sessions() as session:
        stored = await session.get(Ticket, ticket.id)
    assert stored is not None and stored.intent_code == "food_assistance"
    assert stored.partner_id == site.city["food-south"].id


async def test_a_form_without_its_csrf_token_is_refused(page: Page, site: Site) -> None:
    async with transaction(site.sessions) as session:
        ticket = await open_ticket(
            session, site.services, await create_resident(session, site.services)
        )
    await sign_in(page, site, "rosa@city.example")
    await page.goto(f"{site.url}/tickets/{ticket.id}")
    await page.evaluate(
        "document.querySelector(\"form[action$='/note'] input[name=csrf_token]\").remove()"
    )
    await page.get_by_label(re.compile("Internal note")).fill("forged")
    async with page.expect_response(re.compile("/note$")) as caught:
        await page.get_by_role("button", name="Add note").click()
    assert (await caught.value).status == 403
    async with site.sessions() as session:
        notes = (
            await session.execute(sa.select(sa.func.count()).select_from(Message))
        ).scalar_one()
    assert notes == 0


async def test_the_arabic_interface_is_right_to_left(page: Page, site: Site) -> None:
    await sign_in(page, site, "rosa@city.example")
    await page.get_by_label("Language").first.select_option("ar")
    await page.get_by_role("button", name="Change").click()
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert await page.evaluate("getComputedStyle(document.body).direction") == "rtl"
