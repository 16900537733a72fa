"""Outbox rows are written with the change that causes them, and exist only if it commits."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core import migrate
from core.access import ResidentActor, SystemActor
from core.db import create_engine, create_session_factory, transaction
from core.notifications.models import Outbox, OutboxState
from core.residents.data_rights import forget_resident
from core.services import Services
from core.staff.models import Role
from core.tickets.status import TicketStatus
from tests.databases import BACKENDS, scratch_database
from tests.factories import actor_of, create_city, create_resident, create_staff, open_ticket


class Boom(Exception):
    pass


async def _count(session: AsyncSession, **where: object) -> int:
    statement = sa.select(sa.func.count()).select_from(Outbox).filter_by(**where)
    return int((await session.execute(statement)).scalar_one())


@pytest.mark.parametrize("backend", BACKENDS)
async def test_outbox_row_exists_only_if_the_transaction_committed(
    backend: str,
    tmp_path: Path,
    services: Services,
) -> None:
    async with scratch_database(backend, tmp_path) as url:
        engine = create_engine(url)
        sessions = create_session_factory(engine)
        try:
            await migrate.upgrade(engine)
            async with transaction(sessions) as session:
                await create_city(session, services)
                ticket = await open_ticket(
                    session, services, await create_resident(session, services)
                )
                ticket_id = ticket.id

            with pytest.raises(Boom):  # noqa: PT012 - the rollback is what is tested
                async with transaction(sessions) as session:
                    await services.tickets.change_status(
                        session, SystemActor(), ticket_id, TicketStatus.ACKNOWLEDGED
                    )
                    assert await _count(session) == 1  # written, but not yet committed
                    raise Boom
            async with sessions() as session:
                assert await _count(session) == 0

            async with transaction(sessions) as session:
                await services.tickets.change_status(
                    session, SystemActor(), ticket_id, TicketStatus.ACKNOWLEDGED
                )
            async with sessions() as session:
                row = (await session.execute(sa.select(Outbox))).scalar_one()
                assert row.state is OutboxState.PENDING and row.ticket_id == ticket_id
                assert row.params["status"] == "acknowledged"
        finally:
            await engine.dispose()


async def test_public_events_notify_reporter_and_followers_in_their_language(
    session: AsyncSession,
    services: Services,
) -> None:
    city = await create_city(session, services)
    worker = actor_of(await create_staff(session, services, Role.CASEWORKER, city["roads"]))
    reporter = await create_resident(session, services, "uk")
    ticket = await open_ticket(session, services, reporter)
    neighbour = await create_resident(session, services, "ar")
    await services.conversation.follow(session, ResidentActor(neighbour.id), ticket.id)
    await services.tickets.assign(session, worker, ticket.id, worker.staff_id)
    await services.conversation.add_note(session, worker, ticket.id, "internal")
    assert await _count(session) == 0  # internal events notify nobody
    await services.tickets.change_status(session, worker, ticket.id, TicketStatus.IN_PROGRESS)
    rows = list((await session.execute(sa.select(Outbox).order_by(Outbox.resident_id))).scalars())
    assert {(row.resident_id, row.locale) for row in rows} == {
        (reporter.id, "uk"),
        (neighbour.id, "ar"),
    }
    await services.conversation.reply(session, worker, ticket.id, "Crew comes on Monday")
    reply = (
        await session.execute(sa.select(Outbox).where(Outbox.template == "ticket.reply"))
    ).scalar_one()
    assert reply.resident_id == reporter.id and reply.text == "Crew comes on Monday"


async def test_forgetting_cancels_pending_notifications(
    session: AsyncSession, services: Services
) -> None:
    city = await create_city(session, services)
    worker = actor_of(await create_staff(session, services, Role.CASEWORKER, city["roads"]))
    resident = await create_resident(session, services)
    ticket = await open_ticket(session, services, resident)
    await services.tickets.change_status(session, worker, ticket.id, TicketStatus.ACKNOWLEDGED)
    await forget_resident(session, resident.id)
    assert await _count(session, state=OutboxState.PENDING) == 0
    assert await _count(session, state=OutboxState.CANCELLED) == 1
    await services.tickets.change_status(session, worker, ticket.id, TicketStatus.IN_PROGRESS)
    assert await _count(session, state=OutboxState.PENDING) == 0  # nobody left to notify
