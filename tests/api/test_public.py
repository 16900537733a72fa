"""The public dashboard and open data downloads, over the ASGI app, on SQLite and PostgreSQL.

No sign-in anywhere; sensitive and private requests never counted or downloaded; coordinates
coarsened; small counts hidden; bad parameters answered with 400.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.i18n import SUPPORTED_LOCALES
from core.publicdata.cells import suppress_table
from core.publicdata.dashboard import DashboardCache, compute_dashboard
from core.publicdata.opendata import FIELD_NAMES, requests_page
from core.services import Services
from core.tickets.models import Rating, RatingAnswer, Ticket
from core.tickets.status import TicketStatus
from tests.factories import NORTH, SOUTH, create_city, open_ticket

DISTRICT_SHAPE = re.compile(r'<g class="district" data-district="([^"]+)" data-count="(\d+)">')


async def _public_and_hidden(session: AsyncSession, services: Services) -> dict[str, Ticket]:
    """One public pothole, two sensitive requests and one private pothole, all in the north."""
    await create_city(session, services)
    tickets = {
        "public": await open_ticket(session, services, description="Hole near Zebrastreet 4"),
        "housing": await open_ticket(
            session, services, intent="housing_help", answers={"situation": "eviction"}
        ),
        "legal": await open_ticket(session, services, intent="legal_aid"),
        "private": await open_ticket(session, services),
    }
    tickets["private"].is_private = True
    await session.flush()
    return tickets


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_every_language_renders_without_signing_in(api: AsyncClient, locale: str) -> None:
    page = await api.get("/public", params={"lang": locale})
    assert page.status_code == 200
    direction = "rtl" if locale == "ar" else "ltr"
    assert f'<html lang="{locale}" dir="{direction}">' in page.text
    assert "/logout" not in page.text and "/inbox" not in page.text  # no staff navigation
    assert page.text.count("hreflang=") >= 2 * len(SUPPORTED_LOCALES)  # the switcher


async def test_the_browser_language_is_used_without_lang(api: AsyncClient) -> None:
    page = await api.get("/public", headers={"Accept-Language": "ar-EG,ar;q=0.9"})
    assert '<html lang="ar" dir="rtl">' in page.text
    unknown = await api.get("/public", params={"lang": "xx"}, headers={"Accept-Language": "de"})
    assert '<html lang="de"' in unknown.text


async def test_sensitive_and_private_requests_never_appear(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    tickets = await _public_and_hidden(session, services)
    page = await api.get("/public")
    assert dict(DISTRICT_SHAPE.findall(page.text))["north"] == "1"

    data = (await api.get("/public/data/requests.json")).json()
    references = [row["service_request_id"] for row in data["requests"]]
    assert references == [tickets["public"].reference]
    listed = (await api.get("/public/data/requests.csv")).text
    for name in ("housing", "legal", "private"):
        reference = tickets[name].reference
        assert reference not in listed and reference not in page.text
        assert reference not in str(data)
    for text in (page.text, listed, str(data)):
        assert "housing_help" not in text and "legal_aid" not in text
        assert "Zebrastreet" not in text  # descriptions are never published


async def test_downloads_follow_the_schema_with_coarse_locations(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    for _ in range(5):
        await open_ticket(session, services, latitude=50.03456, longitude=8.00049)
    lonely = await open_ticket(
        session, services, intent="graffiti", latitude=49.97012, longitude=8.0
    )

    data = (await api.get("/public/data/requests.json")).json()
    assert data["licence"]["name"] == "CC BY 4.0" and data["next"] is None
    rows = {row["service_request_id"]: row for row in data["requests"]}
    assert all(tuple(row) == FIELD_NAMES for row in rows.values())
    potholes = [row for row in rows.values() if row["service_code"] == "pothole"]
    assert len(potholes) == 5
    assert {(row["lat"], row["long"], row["district"]) for row in potholes} == {
        (50.035, 8.0, "north")
    }
    assert potholes[0]["status"] == "open" and potholes[0]["service_name"] == "Pothole"
    assert potholes[0]["requested_datetime"].endswith(("+01:00", "+02:00"))  # the city's clock
    # Alone in its district and service: where it is would point at one household.
    alone = rows[lonely.reference]
    assert (alone["district"], alone["lat"], alone["long"]) == (None, None, None)

    response = await api.get("/public/data/requests.csv")
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(table[0]) == FIELD_NAMES and len(table) == 6
    assert {row["lat"] for row in table if row["service_code"] == "pothole"} == {"50.035"}

    schema = (await api.get("/public/data/schema")).json()
    assert [field["name"] for field in schema["fields"]] == list(FIELD_NAMES)
    assert schema["licence"]["url"].startswith("https://creativecommons.org/")
    assert schema["minimum_cell"] == 5 and "<5" in schema["privacy"]


@pytest.mark.parametrize(
    "params",
    [
        {"since": "yesterday"},
        {"since": "2026-13-01"},
        {"since": "9999-01-01"},
        {"since": "2026-01-01T25:00"},
        {"since": "x" * 5000},
        {"page": "0"},
        {"page": "two"},
        {"page": "²"},
        {"page": "99999999999999999999"},
    ],
)
async def test_bad_parameters_are_a_400_never_a_500(
    api: AsyncClient, params: dict[str, str]
) -> None:
    for kind in ("json", "csv"):
        response = await api.get(f"/public/data/requests.{kind}", params=params)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_request"


async def test_since_selects_the_period_and_pages_link_on(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    old = await open_ticket(session, services)
    old.created_at = utcnow() - dt.timedelta(days=120)
    for _ in range(2):
        await open_ticket(session, services)
    await session.flush()

    recent = (await api.get("/public/data/requests.json")).json()["requests"]
    assert old.reference not in {row["service_request_id"] for row in recent} and len(recent) == 2
    since = (utcnow() - dt.timedelta(days=200)).date().isoformat()
    everything = (await api.get("/public/data/requests.json", params={"since": since})).json()
    assert everything["requests"][0]["service_request_id"] == old.reference

    catalog, tz = services.context.catalog, services.settings.tz
    start = utcnow() - dt.timedelta(days=200)
    first = await requests_page(session, catalog, tz, start, 1, page_size=2)
    second = await requests_page(session, catalog, tz, start, 2, page_size=2)
    assert first.has_next and not second.has_next and len(second.rows) == 1


async def test_the_map_has_one_shape_per_district_with_its_open_requests(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    for _ in range(3):
        await open_ticket(session, services, latitude=NORTH[0], longitude=NORTH[1])
    await open_ticket(session, services, latitude=SOUTH[0], longitude=SOUTH[1])
    done = await open_ticket(session, services, latitude=SOUTH[0], longitude=SOUTH[1])
    done.status = TicketStatus.CLOSED
    await session.flush()

    page = (await api.get("/public")).text
    shapes = DISTRICT_SHAPE.findall(page)
    assert sorted(code for code, _ in shapes) == sorted(services.context.districts.codes())
    assert dict(shapes) == {"old-town": "0", "north": "3", "south": "1", "west": "0", "east": "0"}
    assert page.count("<path d=") == len(shapes) and "<title>" in page
    assert "tile" not in page.lower() and "<script" not in page  # nothing from the internet


async def test_small_cells_are_hidden_in_the_district_by_category_table(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    for _ in range(2):
        await open_ticket(session, services, intent="garbage_missed")  # 2 in north x waste
    page = (await api.get("/public")).text
    table = page[page.index('id="district-by-category"') :]
    table = table[: table.index("</table>")]
    assert "&lt;5" in table and ">2<" not in table


def test_complementary_suppression_hides_what_totals_would_reveal() -> None:
    values = {"a": (2, 50, 70), "b": (51, 52, 80), "c": (90, 60, 99)}
    table = {
        (row, column): n for row, ns in values.items() for column, n in zip("xyz", ns, strict=True)
    }
    shown = suppress_table(table)
    hidden = {cell for cell, value in shown.items() if value is None}
    # The small cell, the smallest cell beside it in its row and column, and the one that
    # keeps those lines from giving it away: a 2 x 2 block no margin can solve.
    assert hidden == {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")}
    assert all(shown[cell] == table[cell] for cell in table if cell not in hidden)

    # With only two districts every margin is published, so nothing small can stay findable:
    # the zero beside the hidden cells is hidden too, or total minus zero would be the cell.
    two_rows = {("n", "s"): 9, ("n", "w"): 2, ("s", "s"): 7, ("s", "w"): 0}
    assert set(suppress_table(two_rows).values()) == {None}


async def test_figures_come_from_public_requests_only(
    session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    now = utcnow()
    for hours in (1, 2, 3, 4, 100):
        ticket = await open_ticket(session, services, language="uk")
        ticket.created_at = now - dt.timedelta(hours=200)
        ticket.resolved_at = ticket.created_at + dt.timedelta(hours=hours)
        ticket.resolution_due_at = ticket.created_at + dt.timedelta(hours=10)
        ticket.status = TicketStatus.RESOLVED
        session.add(Rating(ticket_id=ticket.id, answer=RatingAnswer.YES, score=4))
    hidden = await open_ticket(session, services, intent="legal_aid", language="ar")
    hidden.resolved_at = hidden.created_at + dt.timedelta(hours=1)
    session.add(Rating(ticket_id=hidden.id, answer=RatingAnswer.NO, score=1))
    await session.flush()

    dashboard = await compute_dashboard(session, services.context.catalog, services.settings.tz)
    pothole = next(row for row in dashboard.by_service if row.code == "pothole")
    assert pothole.resolved == 5 and pothole.median_seconds == 3 * 3600
    assert pothole.within_target_share == pytest.approx(0.8)
    assert [row.code for row in dashboard.by_service] == ["pothole"]
    assert [(row.code, row.resolved) for row in dashboard.by_partner] == [("Partner roads", 5)]
    assert dashboard.satisfaction.ratings == 5 and dashboard.satisfaction.fixed_share == 1.0
    assert [(row.code, row.count) for row in dashboard.languages] == [("uk", 5)]
    streets = next(series for series in dashboard.by_group if series.code == "streets")
    assert streets.total == 5 and len(streets.counts) == 12


async def test_the_figures_are_computed_once_a_minute() -> None:
    clock = [0.0]
    cache = DashboardCache(seconds=60, clock=lambda: clock[0])
    calls: list[int] = []

    async def compute() -> object:
        calls.append(1)
        return object()

    first = await cache.get(compute)  # type: ignore[arg-type]
    assert await cache.get(compute) is first and len(calls) == 1  # type: ignore[arg-type]
    clock[0] = 61
    assert await cache.get(compute) is not first and len(calls) == 2  # type: ignore[arg-type]
