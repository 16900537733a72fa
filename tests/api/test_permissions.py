"""The permission matrix over the JSON API: every role x own partner / other partner x every
read and write. Another partner's ticket is a 404 and shows up nowhere."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from core.services import Services
from core.staff.models import Role
from tests.api.conftest import TokenFor
from tests.factories import create_city, create_resident, create_staff, open_ticket

WRITES: dict[str, tuple[str, dict[str, Any]]] = {
    "assign": ("assign", {"assignee_id": None}),
    "status": ("status", {"status": "acknowledged"}),
    "reply": ("reply", {"text": "We are on it"}),
    "request-info": ("request-info", {"text": "Which house?"}),
    "note": ("notes", {"text": "internal"}),
    "reject": ("reject", {"text": "not for us"}),
    "duplicate": ("duplicate", {"original_reference": "{other}"}),
    "reroute": ("reroute", {"reason": "wrong desk", "intent_code": "sidewalk_accessibility"}),
}
# role -> (may read own partner's, may write own partner's, sees every partner)
ROLES = {
    Role.CASEWORKER: (True, True, False),
    Role.MANAGER: (True, False, False),
    Role.COORDINATOR: (True, True, True),
    Role.ADMIN: (True, True, True),
}


async def _world(session: AsyncSession, services: Services, role: Role) -> dict[str, Any]:
    city = await create_city(session, services)
    staff = await create_staff(
        session, services, role, city["roads"] if role in (Role.CASEWORKER, Role.MANAGER) else None
    )
    resident = await create_resident(session, services)
    own = await open_ticket(session, services, resident, "pothole", description="own pothole words")
    spare = await open_ticket(session, services, resident, "pothole", description="another hole")
    other = await open_ticket(
        session,
        services,
        resident,
        "food_assistance",
        district="south",
        latitude=None,
        longitude=None,
        description="hungry family words",
    )
    return {"staff": staff, "own": own, "spare": spare, "other": other, "city": city}


@pytest.mark.parametrize("role", list(ROLES))
async def test_reads(
    api: AsyncClient, session: AsyncSession, services: Services, token_for: TokenFor, role: Role
) -> None:
    world = await _world(session, services, role)
    headers = await token_for(world["staff"])
    _, _, sees_all = ROLES[role]
    own, other = world["own"], world["other"]
    assert (await api.get(f"/api/v1/tickets/{own.id}", headers=headers)).status_code == 200
    response = await api.get(f"/api/v1/tickets/{other.id}", headers=headers)
    assert response.status_code == (200 if sees_all else 404)
    listed = {
        t["reference"] for t in (await api.get("/api/v1/tickets", headers=headers)).json()["items"]
    }
    assert own.reference in listed and (other.reference in listed) is sees_all
    searched = (await api.get("/api/v1/tickets", params={"q": "hungry"}, headers=headers)).json()[
        "items"
    ]
    assert bool(searched) is sees_all
    by_ref = (
        await api.get("/api/v1/tickets", params={"q": other.reference}, headers=headers)
    ).json()
    assert bool(by_ref["items"]) is sees_all
    counts = (await api.get("/api/v1/queues", headers=headers)).json()
    assert counts["open"] == (3 if sees_all else 2)


@pytest.mark.parametrize("action", list(WRITES))
@pytest.mark.parametrize("role", list(ROLES))
async def test_writes(
    api: AsyncClient,
    session: AsyncSession,
    services: Services,
    token_for: TokenFor,
    role: Role,
    action: str,
) -> None:
    world = await _world(session, services, role)
    headers = await token_for(world["staff"])
    _, may_write, sees_all = ROLES[role]
    path, body = WRITES[action]
    body = {
        k: (v.format(other=world["spare"].reference) if isinstance(v, str) else v)
        for k, v in body.items()
    }
    if action == "assign":
        body["assignee_id"] = world["staff"].id
    mine = await api.post(f"/api/v1/tickets/{world['own'].id}/{path}", json=body, headers=headers)
    assert mine.status_code == (200 if may_write else 403), mine.text
    if action == "duplicate":
        body = {"original_reference": world["own"].reference}
    theirs = await api.post(
        f"/api/v1/tickets/{world['other'].id}/{path}", json=body, headers=headers
    )
    expected = 200 if (may_write and sees_all) else (403 if not may_write else 404)
    if action == "assign" and sees_all and role is Role.ADMIN:
        expected = 200  # admins may take any ticket themselves
    assert theirs.status_code == expected, theirs.text
    if expected == 404:
        assert world["other"].reference not in theirs.text
    await session.refresh(world["other"])
    if not (may_write and sees_all):
        assert world["other"].status.value == "new" and world["other"].assignee_id is None


async def test_bad_requests_are_precise_4xx(
    api: AsyncClient, session: AsyncSession, services: Services, token_for: TokenFor
) -> None:
    world = await _world(session, services, Role.CASEWORKER)
    headers = await token_for(world["staff"])
    own = world["own"].id
    cases = [
        ("post", f"/api/v1/tickets/{own}/status", {"status": "teleported"}, 422),
        ("post", f"/api/v1/tickets/{own}/status", {"status": "closed"}, 409),
        ("post", f"/api/v1/tickets/{own}/reply", {"text": ""}, 422),
        ("post", f"/api/v1/tickets/{own}/reply", {"text": "x" * 4001}, 422),
        ("post", f"/api/v1/tickets/{own}/notes", {"text": "ok", "extra": 1}, 422),
        ("post", f"/api/v1/tickets/{own}/reject", {}, 422),
        ("post", f"/api/v1/tickets/{own}/duplicate", {"original_reference": "ZZZ-ZZZZ"}, 404),
        ("get", "/api/v1/tickets/0", None, 422),
        ("get", "/api/v1/tickets/99999999999999999999", None, 422),
        ("get", "/api/v1/tickets?queue=everything", None, 422),
        ("get", "/api/v1/tickets?after=garbage", None, 422),
        ("get", "/api/v1/tickets?created_from=yesterday", None, 422),
    ]
    for method, url, body, status in cases:
        response = (
            await getattr(api, method)(url, json=body, headers=headers)
            if body is not None
            else await getattr(api, method)(url, headers=headers)
        )
        assert response.status_code == status, (url, body, response.text)
        assert response.json()["error"]["code"]
    raw = await api.post(
        f"/api/v1/tickets/{own}/notes",
        content=b"{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert raw.status_code == 422


async def test_the_openapi_document_lists_the_api(api: AsyncClient) -> None:
    spec = (await api.get("/openapi.json")).json()
    for path in ("/api/v1/tickets", "/api/v1/tickets/{ticket_id}/reply", "/api/v1/queues"):
        assert path in spec["paths"]
