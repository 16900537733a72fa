"""Residents, staff accounts and partners."""

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import SystemActor
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.partners.repository import PartnerRepository
from core.partners.service import parse_partners_file
from core.services import Services
from core.staff.models import Role
from core.staff.schemas import StaffCreate
from tests.factories import actor_of, create_city, create_resident, create_staff

SYSTEM = SystemActor("tests")


async def test_meeting_a_resident_guesses_the_locale_once(
    session: AsyncSession, services: Services
) -> None:
    resident, created = await services.residents.meet_on_telegram(
        session, telegram_user_id=42, chat_id=42, display_name="Olena", language_code="uk-UA"
    )
    assert created and resident.locale == "uk"
    await services.residents.set_locale(session, resident.id, "ar")
    again, created = await services.residents.meet_on_telegram(
        session, telegram_user_id=42, chat_id=43, display_name="Olena K", language_code="en"
    )
    assert (
        not created
        and again.id == resident.id
        and again.locale == "ar"
        and again.telegram_chat_id == 43
    )
    unknown, _ = await services.residents.meet_on_telegram(
        session, telegram_user_id=44, chat_id=44, display_name=None, language_code="sw"
    )
    assert unknown.locale == services.settings.default_locale
    with pytest.raises(ValidationFailed):
        await services.residents.set_locale(session, resident.id, "xx")


async def test_unreachable_residents_become_reachable_when_they_write(
    session: AsyncSession,
    services: Services,
) -> None:
    resident = await create_resident(session, services)
    await services.residents.mark_unreachable(session, resident.id, "bot was blocked by the user")
    assert not resident.reachable
    await services.residents.meet_on_telegram(
        session,
        telegram_user_id=resident.telegram_user_id,
        chat_id=resident.telegram_chat_id,
        display_name="x",
        language_code="en",
    )
    assert resident.reachable and resident.unreachable_reason is None


async def test_staff_emails_are_unique_whatever_their_case(
    session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    staff = await create_staff(
        session, services, Role.CASEWORKER, city["roads"], email="Rosa@City.Example"
    )
    assert staff.email == "rosa@city.example"
    with pytest.raises(Conflict):
        await create_staff(
            session, services, Role.CASEWORKER, city["roads"], email="ROSA@city.example"
        )


async def test_caseworkers_and_managers_need_a_partner(
    session: AsyncSession, services: Services
) -> None:
    for role in (Role.CASEWORKER, Role.MANAGER):
        with pytest.raises(ValidationFailed, match="belongs to a partner"):
            await services.staff.add(
                session, SYSTEM, StaffCreate(email=f"{role}@x.example", display_name="x", role=role)
            )
    coordinator = await create_staff(session, services, Role.COORDINATOR)
    assert coordinator.partner_id is None


async def test_passwords_are_argon2_and_sign_in_checks_them(
    session: AsyncSession, services: Services
) -> None:
    await create_city(session, services)
    staff = await create_staff(
        session, services, Role.COORDINATOR, email="c@x.example", password="correct horse battery"
    )
    assert staff.password_hash.startswith("$argon2id$") and not staff.must_change_password
    assert (
        await services.staff.authenticate(session, "C@X.example", "correct horse battery") == staff
    )
    assert await services.staff.authenticate(session, "c@x.example", "wrong") is None
    assert await services.staff.authenticate(session, "nobody@x.example", "wrong") is None
    await services.staff.set_active(session, SYSTEM, "c@x.example", False)
    assert (
        await services.staff.authenticate(session, "c@x.example", "correct horse battery") is None
    )
    with pytest.raises(ValidationFailed, match="at least"):
        await create_staff(session, services, Role.COORDINATOR, password="short")


async def test_password_reset_gives_a_one_time_password(
    session: AsyncSession, services: Services
) -> None:
    staff = await create_staff(
        session, services, Role.ADMIN, email="a@x.example", password="first password!"
    )
    password = await services.staff.reset_password(session, SYSTEM, "a@x.example")
    assert staff.must_change_password
    assert await services.staff.authenticate(session, "a@x.example", "first password!") is None
    assert await services.staff.authenticate(session, "a@x.example", password) == staff
    await services.staff.change_password(session, staff.id, password, "my own new password")
    assert not staff.must_change_password
    with pytest.raises(NotFound):
        await services.staff.reset_password(session, SYSTEM, "ghost@x.example")


async def test_only_admins_manage_staff(session: AsyncSession, services: Services) -> None:
    city = await create_city(session, services)
    coordinator = actor_of(await create_staff(session, services, Role.COORDINATOR))
    with pytest.raises(Forbidden):
        await services.staff.add(
            session,
            coordinator,
            StaffCreate(
                email="new@x.example", display_name="n", role=Role.CASEWORKER, partner_code="roads"
            ),
        )
    admin = actor_of(await create_staff(session, services, Role.ADMIN))
    staff, password = await services.staff.add(
        session,
        admin,
        StaffCreate(
            email="new@x.example", display_name="n", role=Role.CASEWORKER, partner_code="roads"
        ),
    )
    assert staff.partner_id == city["roads"].id and password and staff.must_change_password


async def test_partners_get_catalog_intents_by_default(
    session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    repository = PartnerRepository(session)
    assert await repository.intent_codes(city["roads"].id) == ["pothole", "streetlight"]
    assert await repository.intent_codes(city["coordination"].id) == ["emergency", "feedback"]
    assert await repository.district_codes(city["food-south"].id) == ["south"]


def test_partner_files_are_checked_before_anything_is_written(tmp_path: Path) -> None:
    path = tmp_path / "partners.yaml"
    path.write_text(
        "partners:\n  - {code: Roads!, name: R, kind: municipal}\n  - {code: x, kind: club}\n"
    )
    with pytest.raises(ValidationFailed) as caught:
        parse_partners_file(path)
    assert "partners.0.code" in caught.value.message and "partners.1.name" in caught.value.message
    path.write_text(
        "partners:\n  - {code: a, name: A, kind: municipal}\n"
        "  - {code: a, name: B, kind: nonprofit}\n"
    )
    with pytest.raises(ValidationFailed, match="listed twice"):
        parse_partners_file(path)
    path.write_text("partners: [\n")
    with pytest.raises(ValidationFailed, match="line 2"):
        parse_partners_file(path)


async def test_partner_intents_and_districts_are_checked(
    session: AsyncSession, services: Services
) -> None:
    from tests.factories import create_partner

    with pytest.raises(ValidationFailed, match="unknown intent"):
        await create_partner(session, services, "x", intents=["teleport"])
    with pytest.raises(ValidationFailed, match="unknown district"):
        await create_partner(session, services, "y", service_type="roads", districts=["atlantis"])
    await create_city(session, services)
    with pytest.raises(ValidationFailed, match="already the coordination unit"):
        await create_partner(session, services, "second-unit", coordination_unit=True)
