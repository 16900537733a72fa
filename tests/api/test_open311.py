"""Open311 GeoReport v2 over the real ASGI app, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.intents.catalog import Catalog
from core.open311 import keys
from core.partners.models import Partner
from core.publicdata.privacy import public_intent_codes
from core.services import Services
from core.tickets.models import Channel, Ticket
from core.tickets.status import TicketStatus
from tests.factories import (
    SYSTEM,
    actor_of,
    create_city,
    create_resident,
    create_staff,
    open_ticket,
)

BASE = "/open311/v2"
SENSITIVE = ("housing_help", "legal_aid", "mental_health", "elderly_care", "food_assistance")


@pytest.fixture
async def city(session: AsyncSession, services: Services) -> dict[str, Partner]:
    return await create_city(session, services)


@pytest.fixture
async def api_key(session: AsyncSession) -> str:
    _, secret = await keys.create_key(session, SYSTEM, "test client")
    return secret


def xml_of(response: httpx.Response) -> ET.Element:
    assert response.headers["content-type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return ET.fromstring(response.content)  # noqa: S314 - our own server's output


def errors(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and set(body[0]) == {"code", "description"}
    assert body[0]["code"] == status
    return str(body[0]["description"])


async def file(api: httpx.AsyncClient, key: str, **fields: Any) -> httpx.Response:
    data = {"api_key": key, "service_code": "pothole", "lat": "50.03", "long": "8.0"}
    data.update(fields)
    return await api.post(f"{BASE}/requests.json", data={k: v for k, v in data.items() if v})


async def test_discovery(api: httpx.AsyncClient) -> None:
    body = (await api.get(f"{BASE}/discovery.json")).json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert body["changeset"].endswith("Z")
    root = xml_of(await api.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.iter("format")] == endpoint["formats"]


async def test_services_list_public_services_only_in_json_and_xml(
    api: httpx.AsyncClient, catalog: Catalog
) -> None:
    services = (await api.get(f"{BASE}/services.json")).json()
    assert isinstance(services, list)
    codes = [service["service_code"] for service in services]
    assert set(codes) == public_intent_codes(catalog)
    assert not set(SENSITIVE) & set(codes) and "emergency" not in codes
    assert {"office_hours", "feedback", "pothole"} <= set(codes)  # information, feedback, request
    for service in services:
        assert set(service) == {
            "service_code", "service_name", "description", "metadata", "type", "keywords", "group"
        }  # fmt: skip
        assert isinstance(service["service_code"], str) and service["type"] == "realtime"
        has_questions = bool(catalog.intents[service["service_code"]].questions.attributes)
        assert service["metadata"] is has_questions
    root = xml_of(await api.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == codes
    assert {s.findtext("metadata") for s in root.findall("service")} == {"true", "false"}
    german = await api.get(f"{BASE}/services.json", headers={"Accept-Language": "de-DE,de;q=0.9"})
    pothole = next(s for s in german.json() if s["service_code"] == "pothole")
    assert pothole["service_name"] == catalog.intents["pothole"].name("de")


async def test_service_definition(api: httpx.AsyncClient) -> None:
    definition = (await api.get(f"{BASE}/services/abandoned_vehicle.json")).json()
    assert definition["service_code"] == "abandoned_vehicle"
    plate, days = definition["attributes"]
    assert (plate["code"], plate["datatype"], days["datatype"]) == ("plate", "string", "number")
    assert plate["variable"] is True and plate["required"] is False and days["order"] == 2
    assert plate["values"] == [] and plate["datatype_description"]
    water = (await api.get(f"{BASE}/services/water_leak.json")).json()["attributes"][0]
    assert water["datatype"] == "singlevaluelist" and water["required"] is True
    assert {"key": "hydrant", "name": "Hydrant damaged or leaking"} in water["values"]
    root = xml_of(await api.get(f"{BASE}/services/water_leak.xml"))
    assert root.tag == "service_definition"
    assert [v.findtext("key") for v in root.iter("value")] == [v["key"] for v in water["values"]]
    assert root.findtext("attributes/attribute/required") == "true"
    for code in ("housing_help", "nonsense", "emergency"):
        assert "not found" in errors(await api.get(f"{BASE}/services/{code}.json"), 404)
    assert xml_of(await api.get(f"{BASE}/services/nonsense.xml")).findtext("error/code") == "404"


async def test_post_files_a_ticket_into_the_right_inbox_and_it_closes_with_notes(
    api: httpx.AsyncClient,
    session: AsyncSession,
    services: Services,
    city: dict[str, Partner],
    api_key: str,
) -> None:
    for _ in range(4):  # neighbours: with fewer, where it is (and its text) stays private
        await open_ticket(session, services)
    response = await file(
        api,
        api_key,
        description="Deep hole, call me on +49 30 1234 5678 or jo@example.org",
        **{"attribute[size]": "large", "email": "jo@example.org", "first_name": "Jo"},
    )
    assert response.status_code == 200, response.text
    (created,) = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    reference = created["service_request_id"]
    ticket = (
        await session.execute(sa.select(Ticket).where(Ticket.reference == reference))
    ).scalar_one()
    assert ticket.partner_id == city["roads"].id and ticket.channel is Channel.OPEN311
    assert ticket.answers == {"size": "large"} and ticket.resident_id is None
    assert "jo@example.org" in (ticket.description or "")  # the caseworker reads it whole

    (public,) = (await api.get(f"{BASE}/requests/{reference}.json")).json()
    assert public["status"] == "open" and public["status_notes"] is None
    assert public["agency_responsible"] == city["roads"].name
    assert "jo@example.org" not in public["description"] and "1234" not in public["description"]
    assert public["requested_datetime"].endswith("Z") and public["service_code"] == "pothole"

    caseworker = await create_staff(session, services, partner=city["roads"])
    await services.tickets.change_status(
        session, actor_of(caseworker), ticket.id, TicketStatus.RESOLVED, reason="Filled today."
    )
    (public,) = (await api.get(f"{BASE}/requests/{reference.lower()}.json")).json()
    assert public["status"] == "closed" and public["status_notes"] == "Filled today."
    assert public["expected_datetime"] is None


async def test_post_key_in_query_or_body_and_its_refusals(
    api: httpx.AsyncClient, session: AsyncSession, city: dict[str, Partner], api_key: str
) -> None:
    in_query = await api.post(
        f"{BASE}/requests.xml?api_key={api_key}",
        data={"service_code": "pothole", "address_string": "Main St 1"},
        headers={"Accept-Language": "uk-UA,uk;q=0.9"},
    )
    reference = xml_of(in_query).findtext("request/service_request_id")
    assert in_query.status_code == 200 and reference
    ticket = (
        await session.execute(sa.select(Ticket).where(Ticket.reference == reference))
    ).scalar_one()
    assert ticket.language == "uk" and ticket.address == "Main St 1"

    assert "api_key" in errors(await file(api, ""), 403)
    assert "api_key" in errors(await file(api, "o311_wrong"), 403)
    key, secret = await keys.create_key(session, SYSTEM, "revoked client")
    await keys.revoke_key(session, SYSTEM, key.id)
    errors(await file(api, secret), 403)

    assert "not provided" in errors(await file(api, api_key, service_code=""), 400)
    for code in ("nonsense", "housing_help", "emergency"):  # sensitive ones as unknown ones
        assert "service_code not found" in errors(await file(api, api_key, service_code=code), 400)
    errors(await file(api, api_key, lat="", long=""), 400)  # pothole needs a location
    errors(await file(api, api_key, lat="50.1", long=""), 400)
    errors(await file(api, api_key, lat="north", long="8"), 400)
    errors(await file(api, api_key, lat="91", long="8"), 400)
    errors(await file(api, api_key, **{"attribute[size]": "enormous"}), 400)
    errors(await file(api, api_key, **{"attribute[colour]": "red"}), 400)
    errors(await file(api, api_key, service_code="water_leak"), 400)  # its required question
    errors(await file(api, api_key, service_code="office_hours"), 400)  # answered, not filed
    errors(await file(api, api_key, media_url="ftp://example.org/x.jpg"), 400)
    feedback = await file(api, api_key, service_code="feedback", lat="", long="")
    assert feedback.status_code == 200  # a service without a place needs none
    count = await session.scalar(sa.select(sa.func.count()).select_from(Ticket))
    assert count == 2  # nothing was left behind by the refusals


async def test_get_requests_filters(
    api: httpx.AsyncClient,
    session: AsyncSession,
    services: Services,
    city: dict[str, Partner],
) -> None:
    pothole = await open_ticket(session, services)
    graffiti = await open_ticket(session, services, intent="graffiti")
    old = await open_ticket(session, services, intent="streetlight")
    old.created_at = utcnow() - dt.timedelta(days=100)
    await services.tickets.change_status(session, SYSTEM, graffiti.id, TicketStatus.RESOLVED)
    await session.flush()

    async def ids(**params: str) -> list[str]:
        response = await api.get(f"{BASE}/requests.json", params=params)
        assert response.status_code == 200, response.text
        return [item["service_request_id"] for item in response.json()]

    assert await ids() == [graffiti.reference, pothole.reference]  # newest first, 90 days
    empty = {"service_code": "", "status": "", "start_date": "", "end_date": "", "page": ""}
    assert await ids(**empty) == await ids()
    assert await ids(service_code="graffiti,streetlight") == [graffiti.reference]
    assert await ids(service_code="pothole", status="closed") == []
    assert await ids(status="open") == [pothole.reference]
    assert await ids(status="open,closed") == await ids()
    both = f"{pothole.reference},{old.reference}"
    assert set(await ids(service_request_id=both, status="closed")) == {
        pothole.reference, old.reference
    }  # fmt: skip  # ids override every other filter, the 90 days too
    assert await ids(service_request_id="nonsense,12345") == []
    start = (utcnow() - dt.timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (utcnow() - dt.timedelta(days=50)).isoformat()
    assert await ids(start_date=start, end_date=end) == [old.reference]
    assert await ids(start_date=start) == [old.reference]  # 90 days from the start
    assert await ids(end_date=end) == [old.reference]  # 90 days up to the end
    assert await ids(page_size="1") == [graffiti.reference]
    assert await ids(page_size="1", page="2") == [pothole.reference]
    assert await ids(page_size="1", page="3") == []
    wide = (utcnow() - dt.timedelta(days=200)).isoformat()
    too_long = {"start_date": wide, "end_date": utcnow().isoformat()}
    assert "90 days" in errors(await api.get(f"{BASE}/requests.json", params=too_long), 400)
    backwards = {"start_date": utcnow().isoformat(), "end_date": wide}
    errors(await api.get(f"{BASE}/requests.json", params=backwards), 400)


async def test_requests_are_limited_to_a_page_of_1000_by_default(
    api: httpx.AsyncClient,
    session: AsyncSession,
    services: Services,
    city: dict[str, Partner],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for _ in range(3):
        await open_ticket(session, services)
    monkeypatch.setattr("core.open311.params.MAX_PAGE_SIZE", 2)  # stands for 1,000
    assert len((await api.get(f"{BASE}/requests.json")).json()) == 2
    errors(await api.get(f"{BASE}/requests.json", params={"page_size": "3"}), 400)
    monkeypatch.undo()
    errors(await api.get(f"{BASE}/requests.json", params={"page_size": "1001"}), 400)


async def test_privacy_sensitive_and_private_tickets_coarse_places_scrubbed_text(
    api: httpx.AsyncClient,
    session: AsyncSession,
    services: Services,
    city: dict[str, Partner],
    api_key: str,
) -> None:
    resident = await create_resident(session, services)
    sensitive = await open_ticket(session, services, resident, intent="elderly_care")
    private = await open_ticket(session, services, intent="graffiti")
    private.is_private = True
    public = await open_ticket(
        session,
        services,
        resident,
        latitude=50.0301234,
        longitude=8.0004567,
        description=f"I am {resident.display_name}, write to me: me@mail.example, 0171 2345678",
    )
    neighbours = [await open_ticket(session, services) for _ in range(4)]  # same district
    lonely = await open_ticket(session, services, intent="graffiti", district="south")
    await session.flush()
    listed = (await api.get(f"{BASE}/requests.json")).json()
    shown = {item["service_request_id"] for item in listed}
    assert shown == {public.reference, lonely.reference} | {n.reference for n in neighbours}
    for hidden in (sensitive, private):
        errors(await api.get(f"{BASE}/requests/{hidden.reference}.json"), 404)
        by_id = await api.get(f"{BASE}/requests.json?service_request_id={hidden.reference}")
        assert by_id.json() == []
    # Alone in its district and service: where it is would point at one household (the same
    # rule as the open data downloads, so that neither door gives back what the other withholds).
    (alone,) = (await api.get(f"{BASE}/requests/{lonely.reference}.json")).json()
    assert (alone["lat"], alone["long"], alone["address"]) == (None, None, None)
    (item,) = (await api.get(f"{BASE}/requests/{public.reference}.json")).json()
    assert (item["lat"], item["long"]) == (50.03, 8.0)
    assert item["address"] == "North"  # the district, not the street
    # Written to the bot, never meant as public: no description (an Open311 one is scrubbed).
    assert item["description"] is None and alone["description"] is None
    posted = await file(
        api, api_key, description=f"I am {resident.display_name}: me@mail.example, 0171 2345678"
    )
    (via_open311,) = posted.json()
    reference = via_open311["service_request_id"]
    (item,) = (await api.get(f"{BASE}/requests/{reference}.json")).json()
    assert "me@mail.example" not in item["description"] and "2345678" not in item["description"]


async def test_xml_mirrors_json(
    api: httpx.AsyncClient, session: AsyncSession, services: Services, city: dict[str, Partner]
) -> None:
    await open_ticket(session, services)
    await open_ticket(session, services, intent="graffiti", district="south")
    as_json = (await api.get(f"{BASE}/requests.json")).json()
    root = xml_of(await api.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    for item, element in zip(as_json, root.findall("request"), strict=True):
        assert [child.tag for child in element] == list(item)  # every field, in order
        for name, value in item.items():
            expected = "" if value is None else str(value)
            assert (element.findtext(name) or "") == expected, name
    assert all(isinstance(item["service_request_id"], str) for item in as_json)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/requests.json?start_date=yesterday"),
        ("GET", "/requests.json?end_date=2026-13-45T99:00:00Z"),
        ("GET", "/requests.json?page_size=99999999999999999999"),
        ("GET", "/requests.json?page=-1"),
        ("GET", "/requests.json?page=abc"),
        ("GET", "/requests.json?status=pending"),
        ("GET", "/requests/12345.json"),
        ("GET", "/requests/%00%ff.json"),
        ("GET", "/requests.csv"),
        ("GET", "/services.yaml"),
        ("GET", "/services"),
        ("GET", "/tokens/abc.json"),
        ("POST", "/services.json"),
        ("POST", "/requests.json"),
        ("DELETE", "/requests/ABC-DEFG.json"),
    ],
)
async def test_garbage_is_never_a_500(api: httpx.AsyncClient, method: str, path: str) -> None:
    response = await api.request(method, BASE + path)
    assert 400 <= response.status_code < 500
    if response.headers["content-type"].startswith("application/json"):
        assert response.json()[0]["code"] == response.status_code
    else:
        assert xml_of(response).findtext("error/code") == str(response.status_code)


async def test_a_body_that_is_not_a_form_is_a_400(api: httpx.AsyncClient, api_key: str) -> None:
    response = await api.post(
        f"{BASE}/requests.json?api_key={api_key}",
        content=b"--x\r\nbroken",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert 400 <= response.status_code < 500


async def test_a_city_without_partners_is_a_503_not_a_client_error(
    api: httpx.AsyncClient, api_key: str
) -> None:
    errors(await file(api, api_key), 503)  # nobody to route to: the city's set-up is at fault


@pytest.mark.parametrize(
    "query", ["page=²", "page_size=³", "end_date=0001-01-05", "start_date=9999-12-31"]
)
async def test_odd_numbers_and_dates_at_the_edge_of_time_are_a_400(
    api: httpx.AsyncClient, query: str
) -> None:
    errors(await api.get(f"{BASE}/requests.json?{query}"), 400)
