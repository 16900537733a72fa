import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from core.intents.learning import record_example
from core.intents.models import ExampleSource
from core.services import Services
from core.staff.models import Role
from tests.api.conftest import TokenFor
from tests.factories import create_city, create_staff

URL = "/api/v1/learned-examples"


async def _examples(session: AsyncSession, services: Services) -> list[int]:
    ids = []
    for intent, language, text in (
        ("pothole", "en", "the road has a crater"),
        ("noise", "de", "Party bis vier Uhr"),
        ("pothole", "de", "Krater in der Straße"),
    ):
        example = await record_example(
            session,
            services.context.catalog,
            intent_code=intent,
            language=language,
            text=text,
            source=ExampleSource.REROUTE,
        )
        assert example is not None
        ids.append(example.id)
    return ids


async def test_coordinators_review_and_remove(
    api: AsyncClient, session: AsyncSession, services: Services, token_for: TokenFor
) -> None:
    ids = await _examples(session, services)
    headers = await token_for(await create_staff(session, services, Role.COORDINATOR))
    page = (await api.get(URL, headers=headers)).json()
    assert page["total"] == 3 and [item["id"] for item in page["items"]] == ids[::-1]
    filtered = (
        await api.get(URL, params={"intent": "pothole", "language": "de"}, headers=headers)
    ).json()
    assert [item["text"] for item in filtered["items"]] == ["Krater in der Straße"]
    assert (await api.delete(f"{URL}/{ids[0]}", headers=headers)).status_code == 204
    assert (await api.get(URL, headers=headers)).json()["total"] == 2
    missing = await api.delete(f"{URL}/{ids[0]}", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.MANAGER])
async def test_other_roles_are_refused(
    api: AsyncClient, session: AsyncSession, services: Services, token_for: TokenFor, role: Role
) -> None:
    city = await create_city(session, services)
    ids = await _examples(session, services)
    headers = await token_for(await create_staff(session, services, role, city["roads"]))
    assert (await api.get(URL, headers=headers)).status_code == 403
    response = await api.delete(f"{URL}/{ids[0]}", headers=headers)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Bearer cdk_forged", "Basic abc"])
async def test_a_valid_token_is_required(api: AsyncClient, header: str | None) -> None:
    response = await api.get(URL, headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"


async def test_revoked_tokens_and_disabled_accounts_stop_working(
    api: AsyncClient,
    session: AsyncSession,
    services: Services,
    token_for: TokenFor,
) -> None:
    from core.staff.tokens import revoke_token
    from tests.factories import SYSTEM

    staff = await create_staff(session, services, Role.ADMIN, email="boss@city.example")
    headers = await token_for(staff)
    assert (await api.get(URL, headers=headers)).status_code == 200
    await services.staff.set_active(session, SYSTEM, "boss@city.example", False)
    assert (await api.get(URL, headers=headers)).status_code == 401
    await services.staff.set_active(session, SYSTEM, "boss@city.example", True)
    other = await token_for(staff)
    from core.staff.tokens import list_tokens

    first = (await list_tokens(session, SYSTEM, staff.id))[0]
    await revoke_token(session, SYSTEM, first.id)
    assert (await api.get(URL, headers=headers)).status_code == 401
    assert (await api.get(URL, headers=other)).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": "x"}, "query.limit"),
        ({"offset": -1}, "query.offset"),
    ],
)
async def test_bad_parameters_are_a_precise_422(
    api: AsyncClient,
    session: AsyncSession,
    services: Services,
    token_for: TokenFor,
    params: dict,
    field: str,
) -> None:
    headers = await token_for(await create_staff(session, services, Role.ADMIN))
    response = await api.get(URL, params=params, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == field
    bad_id = await api.delete(f"{URL}/abc", headers=headers)
    assert bad_id.status_code == 422


async def test_an_id_beyond_64_bits_is_a_422_not_a_500(
    api: AsyncClient, session: AsyncSession, services: Services, token_for: TokenFor
) -> None:
    headers = await token_for(await create_staff(session, services, Role.ADMIN))
    response = await api.delete(f"{URL}/99999999999999999999", headers=headers)
    assert response.status_code == 422
