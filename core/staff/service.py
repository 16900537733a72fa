"""Staff accounts: creation, sign-in checks, disabling, password resets."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Actor, Capability, require
from core.db import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.i18n import SUPPORTED_LOCALES
from core.partners.repository import PartnerRepository
from core.staff.models import Staff
from core.staff.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    one_time_password,
    verify_password,
)
from core.staff.repository import StaffRepository
from core.staff.schemas import StaffCreate


def _check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


class StaffService:
    async def add(
        self, session: AsyncSession, actor: Actor, data: StaffCreate, password: str | None = None
    ) -> tuple[Staff, str | None]:
        """Create an account; returns it and the one-time password if none was given."""
        require(actor, Capability.MANAGE_STAFF)
        repository = StaffRepository(session)
        if await repository.by_email(data.email) is not None:
            raise Conflict(f"{data.email} already has an account", field="email")
        partner_id = None
        if data.partner_code:
            partner = await PartnerRepository(session).by_code(data.partner_code)
            if partner is None:
                raise ValidationFailed(f"no partner {data.partner_code!r}", field="partner_code")
            partner_id = partner.id
        if data.role.needs_partner and partner_id is None:
            raise ValidationFailed(
                f"a {data.role} belongs to a partner: give its code", field="partner_code"
            )
        generated = None
        if password is None:
            generated = password = one_time_password()
        else:
            _check_password_strength(password)
        staff = Staff(
            email=data.email,
            display_name=data.display_name,
            role=data.role,
            partner_id=partner_id,
            password_hash=hash_password(password),
            must_change_password=generated is not None,
            locale=data.locale,
            active=True,
        )
        session.add(staff)
        await session.flush()
        return staff, generated

    async def authenticate(self, session: AsyncSession, email: str, password: str) -> Staff | None:
        """The active account with this e-mail and password, or None (never says which part)."""
        staff = await StaffRepository(session).by_email(email)
        valid = verify_password(staff.password_hash if staff else None, password)
        if staff is None or not valid or not staff.active:
            return None
        if needs_rehash(staff.password_hash):
            staff.password_hash = hash_password(password)
        staff.last_login_at = utcnow()
        await session.flush()
        return staff

    async def _by_email(self, session: AsyncSession, email: str) -> Staff:
        staff = await StaffRepository(session).by_email(email)
        if staff is None:
            raise NotFound(f"no staff account {email}", field="email")
        return staff

    async def set_active(
        self, session: AsyncSession, actor: Actor, email: str, active: bool
    ) -> Staff:
        require(actor, Capability.MANAGE_STAFF)
        staff = await self._by_email(session, email)
        staff.active = active
        await session.flush()
        return staff

    async def reset_password(self, session: AsyncSession, actor: Actor, email: str) -> str:
        """A new one-time password, which the person must change at next sign-in."""
        require(actor, Capability.MANAGE_STAFF)
        staff = await self._by_email(session, email)
        password = one_time_password()
        staff.password_hash = hash_password(password)
        staff.must_change_password = True
        await session.flush()
        return password

    async def change_password(
        self, session: AsyncSession, staff_id: int, current: str, new: str
    ) -> None:
        staff = await StaffRepository(session).get(staff_id)
        if staff is None or not verify_password(staff.password_hash, current):
            raise ValidationFailed("the current password is not right", field="current_password")
        _check_password_strength(new)
        staff.password_hash = hash_password(new)
        staff.must_change_password = False
        await session.flush()

    async def set_locale(self, session: AsyncSession, staff_id: int, locale: str) -> Staff:
        if locale not in SUPPORTED_LOCALES:
            raise ValidationFailed(f"unsupported language {locale!r}", field="locale")
        staff = await StaffRepository(session).get(staff_id)
        if staff is None:
            raise NotFound("no such staff account", staff_id=staff_id)
        staff.locale = locale
        await session.flush()
        return staff
