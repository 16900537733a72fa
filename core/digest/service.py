"""The weekly digest as a use case: freeze a week's figures, decide who gets which, queue them.

Sending goes through the outbox like every other notification: the figures and the outbox rows
are written in one transaction, the worker delivers them (retrying what fails), and a week that
was already queued for someone is not queued for them again, however often the job runs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Actor, StaffActor
from core.db import utcnow
from core.digest.compute import compute_scope, compute_week
from core.digest.models import CITY_SCOPE, Digest, partner_scope
from core.digest.weeks import Week
from core.errors import Forbidden, NotFound
from core.notifications.models import Outbox, OutboxChannel, OutboxState
from core.notifications.service import new_pending_row
from core.notifications.templates import Template
from core.partners.models import Partner
from core.staff.models import Role, Staff

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    staff: Staff
    scope: str


async def _partners(session: AsyncSession) -> list[Partner]:
    statement = sa.select(Partner).order_by(Partner.id)
    return list((await session.execute(statement)).scalars())


def scope_of(member: Staff, coordination_unit_ids: set[int]) -> str | None:
    """Which digest a staff member gets: the city's for the coordination unit and admins, their
    partner's for a partner's managers, none for caseworkers."""
    if member.role in (Role.COORDINATOR, Role.ADMIN):
        return CITY_SCOPE
    if member.role is Role.MANAGER and member.partner_id is not None:
        if member.partner_id in coordination_unit_ids:
            return CITY_SCOPE
        return partner_scope(member.partner_id)
    return None


async def recipients(session: AsyncSession, only_email: str | None = None) -> list[Recipient]:
    partners = await _partners(session)
    coordination = {partner.id for partner in partners if partner.is_coordination_unit}
    statement = sa.select(Staff).where(Staff.active.is_(True)).order_by(Staff.id)
    if only_email is not None:
        statement = statement.where(Staff.email == only_email.strip().lower())
    found = []
    for member in (await session.execute(statement)).scalars():
        scope = scope_of(member, coordination)
        if scope is not None:
            found.append(Recipient(member, scope))
    return found


async def freeze_week(session: AsyncSession, week: Week, timezone: ZoneInfo) -> dict[str, Digest]:
    """The week's figures for the city and every active partner, computed once and kept."""
    existing = {
        digest.scope: digest
        for digest in (
            await session.execute(sa.select(Digest).where(Digest.week == str(week)))
        ).scalars()
    }
    partners = await _partners(session)
    names = {str(partner.id): partner.name for partner in partners}
    wanted: list[tuple[str, int | None]] = [(CITY_SCOPE, None)] + [
        (partner_scope(partner.id), partner.id)
        for partner in partners
        if partner.active and not partner.is_coordination_unit
    ]
    missing = [(scope, partner_id) for scope, partner_id in wanted if scope not in existing]
    if missing:
        computed = await compute_week(
            session,
            week,
            timezone,
            names,
            city=any(partner_id is None for _, partner_id in missing),
            partners=[partner_id for _, partner_id in missing if partner_id is not None],
        )
        for scope, partner_id in missing:
            digest = Digest(
                week=str(week), scope=scope, partner_id=partner_id, figures=computed[partner_id]
            )
            session.add(digest)
            existing[scope] = digest
    await session.flush()
    return existing


async def _already_queued(session: AsyncSession, week: Week) -> set[tuple[int, str]]:
    statement = sa.select(Outbox.staff_id, Outbox.channel).where(
        Outbox.template == Template.DIGEST.value,
        Outbox.params["week"].as_string() == str(week),
        Outbox.state != OutboxState.CANCELLED,
    )
    rows = (await session.execute(statement)).all()
    return {(staff_id, str(channel)) for staff_id, channel in rows if staff_id is not None}


async def queue_week(
    session: AsyncSession,
    week: Week,
    timezone: ZoneInfo,
    *,
    only_email: str | None = None,
    again: bool = False,
) -> list[Outbox]:
    """Freeze the week and queue its digest for every recipient (or one), by e-mail and, for
    those who linked Telegram, by Telegram. `again` queues it even where it went before."""
    await freeze_week(session, week, timezone)
    queued = set() if again else await _already_queued(session, week)
    rows = []
    for recipient in await recipients(session, only_email):
        member = recipient.staff
        channels = [OutboxChannel.EMAIL]
        if member.telegram_chat_id is not None:
            channels.append(OutboxChannel.TELEGRAM)
        for channel in channels:
            if (member.id, channel.value) in queued:
                continue
            rows.append(
                new_pending_row(
                    session,
                    channel=channel,
                    staff_id=member.id,
                    locale=member.locale,
                    template=Template.DIGEST.value,
                    params={"week": str(week), "scope": recipient.scope},
                )
            )
    await session.flush()
    logger.info("digest %s: %d message(s) queued", week, len(rows))
    return rows


async def digest_for(
    session: AsyncSession, week: Week, scope: str, timezone: ZoneInfo
) -> dict[str, Any]:
    """A week's frozen figures; a week never frozen (before digests existed) is computed now."""
    statement = sa.select(Digest).where(Digest.week == str(week), Digest.scope == scope)
    digest = (await session.execute(statement)).scalar_one_or_none()
    if digest is not None:
        return digest.figures
    partner_id = None if scope == CITY_SCOPE else int(scope.split(":", 1)[1])
    names = {str(partner.id): partner.name for partner in await _partners(session)}
    return await compute_scope(session, week, timezone, partner_id, names)


async def readable_scope(session: AsyncSession, actor: Actor, requested: str | None = None) -> str:
    """The digest a signed-in staff member may read: their own (the same rule as who gets it),
    and for those who get the city's, any partner's too. Anything else is "not found"."""
    if not isinstance(actor, StaffActor):
        raise Forbidden("only staff read digests")
    member = await session.get(Staff, actor.staff_id)
    if member is None:
        raise NotFound("no such staff account")
    partners = await _partners(session)
    own = scope_of(member, {partner.id for partner in partners if partner.is_coordination_unit})
    if own is None:
        raise Forbidden("the weekly digest is for managers, the coordination unit and admins")
    if requested is None or requested == own:
        return own
    if own == CITY_SCOPE and requested in {partner_scope(partner.id) for partner in partners}:
        return requested
    raise NotFound("no such digest")


def finished_week(text: str, timezone: ZoneInfo) -> Week:
    """A week whose digest may be read: a real ISO week that has ended ("not found" else)."""
    try:
        week = Week.parse(text)
        week.bounds(timezone)  # year 1's first week has no local midnight before it
    except (ValueError, OverflowError) as exc:
        raise NotFound(f"no such week: {text}") from exc
    if week > Week.last_complete(utcnow(), timezone):
        raise NotFound("that week is not over yet")
    return week


async def frozen_weeks(session: AsyncSession, scope: str, limit: int = 104) -> Sequence[str]:
    statement = (
        sa.select(Digest.week)
        .where(Digest.scope == scope)
        .order_by(Digest.week.desc())
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())
