"""The server-rendered inbox over the ASGI app: sign-in, sessions, CSRF, scoping, actions."""

from __future__ import annotations

import re

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from core.replies.service import CannedReplyData, save_reply
from core.services import Services
from core.staff.models import Role, Staff
from core.tickets.models import Message
from tests.factories import SYSTEM, create_city, create_resident, create_staff, open_ticket

PASSWORD = "a long staff password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def sign_in(api: AsyncClient, email: str, password: str = PASSWORD) -> str:
    page = await api.get("/login")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    response = await api.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, "next": "/inbox"}
    )
    assert response.status_code == 303, response.text
    inbox = await api.get("/inbox")
    return CSRF.search(inbox.text).group(1)  # type: ignore[union-attr]


async def _staff(
    session: AsyncSession,
    services: Services,
    role: Role,
    partner: object = None,
    email: str = "rosa@city.example",
) -> Staff:
    person = await create_staff(session, services, role, partner, email=email, password=PASSWORD)  # type: ignore[arg-type]
    return person


async def test_anonymous_visitors_are_sent_to_sign_in(api: AsyncClient) -> None:
    for path in ("/inbox", "/tickets/1", "/admin/staff", "/account"):
        response = await api.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith(
            "/login?next="
        )


async def test_sign_in_sets_a_safe_session_cookie(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    await _staff(session, services, Role.COORDINATOR)
    page = await api.get("/login")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    response = await api.post(
        "/login",
        data={
            "email": "ROSA@city.example",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/inbox"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=43200" in cookie


async def test_wrong_passwords_are_throttled(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    await _staff(session, services, Role.COORDINATOR)
    token = CSRF.search((await api.get("/login")).text).group(1)  # type: ignore[union-attr]
    for _ in range(5):
        wrong = await api.post(
            "/login", data={"email": "rosa@city.example", "password": "nope", "csrf_token": token}
        )
        assert wrong.status_code == 401 and "not right" in wrong.text
    blocked = await api.post(
        "/login", data={"email": "rosa@city.example", "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429
    no_csrf = await api.post("/login", data={"email": "x@city.example", "password": PASSWORD})
    assert no_csrf.status_code == 403


async def test_a_one_time_password_must_be_changed_first(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    person = await _staff(session, services, Role.CASEWORKER, city["roads"])
    one_time = await services.staff.reset_password(session, SYSTEM, person.email)
    token = CSRF.search((await api.get("/login")).text).group(1)  # type: ignore[union-attr]
    response = await api.post(
        "/login", data={"email": person.email, "password": one_time, "csrf_token": token}
    )
    assert response.headers["location"] == "/password"
    assert (await api.get("/inbox")).headers["location"] == "/password"
    token = CSRF.search((await api.get("/password")).text).group(1)  # type: ignore[union-attr]
    changed = await api.post(
        "/password",
        data={
            "current": one_time,
            "new": "my own password!",
            "repeat": "my own password!",
            "csrf_token": token,
        },
    )
    assert changed.status_code == 303 and (await api.get("/inbox")).status_code == 200


async def test_caseworkers_see_only_their_partner(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    await _staff(session, services, Role.CASEWORKER, city["roads"])
    resident = await create_resident(session, services, "uk")
    own = await open_ticket(session, services, resident, "pothole")
    other = await open_ticket(
        session,
        services,
        resident,
        "food_assistance",
        district="south",
        latitude=None,
        longitude=None,
        description="hungry",
    )
    await sign_in(api, "rosa@city.example")
    inbox = await api.get("/inbox")
    assert own.reference in inbox.text and other.reference not in inbox.text
    searched = (await api.get(f"/inbox?q={other.reference}")).text
    assert f'href="/tickets/{other.id}"' not in searched and "No tickets here." in searched
    assert (await api.get(f"/tickets/{other.id}")).status_code == 404
    assert (await api.get(f"/tickets/{other.id}/attachments/0")).status_code == 404
    export = await api.get("/inbox/export.csv")
    assert own.reference in export.text and other.reference not in export.text
    assert (await api.get("/admin/staff")).status_code == 403


async def test_forms_without_their_token_are_refused(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    await _staff(session, services, Role.CASEWORKER, city["roads"])
    ticket = await open_ticket(session, services, await create_resident(session, services))
    await sign_in(api, "rosa@city.example")
    refused = await api.post(f"/tickets/{ticket.id}/note", data={"text": "sneaky"})
    assert refused.status_code == 403
    forged = await api.post(
        f"/tickets/{ticket.id}/note", data={"text": "sneaky", "csrf_token": "x"}
    )
    assert forged.status_code == 403
    page = await api.get(f"/tickets/{ticket.id}")
    assert "sneaky" not in page.text


async def test_canned_replies_go_out_in_the_residents_language(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    await _staff(session, services, Role.CASEWORKER, city["roads"])
    texts = {
        code: f"[{code}] we are on it"
        for code in ("en", "es", "fr", "de", "pt", "uk", "ru", "ar", "tr", "zh")
    }
    reply = await save_reply(session, SYSTEM, CannedReplyData(title="On it", texts=texts))
    ticket = await open_ticket(session, services, await create_resident(session, services, "uk"))
    token = await sign_in(api, "rosa@city.example")
    page = await api.get(f"/tickets/{ticket.id}")
    assert (
        "Ukrainian" in page.text or "Українська" in page.text
    )  # the language, next to the reply box
    response = await api.post(
        f"/tickets/{ticket.id}/reply", data={"csrf_token": token, "canned": str(reply.id)}
    )
    assert response.status_code == 303
    message = (await session.execute(__import__("sqlalchemy").select(Message))).scalar_one()
    assert message.text == "[uk] we are on it"


async def test_arabic_staff_get_a_right_to_left_page(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    person = await _staff(session, services, Role.COORDINATOR)
    await services.staff.set_locale(session, person.id, "ar")
    await sign_in(api, "rosa@city.example")
    page = await api.get("/inbox")
    assert '<html lang="ar" dir="rtl">' in page.text


async def test_user_text_is_escaped(
    api: AsyncClient, session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    await _staff(session, services, Role.CASEWORKER, city["roads"])
    ticket = await open_ticket(
        session,
        services,
        await create_resident(session, services),
        description="<script>alert(1)</script> & <b>bold</b>",
    )
    await sign_in(api, "rosa@city.example")
    page = (await api.get(f"/tickets/{ticket.id}")).text
    assert (
        "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    )
