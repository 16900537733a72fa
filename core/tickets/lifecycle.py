"""Ticket use cases, part one: open, change status and assign (`service.py` adds the rest).

Services flush but never commit; each mutation writes exactly one audit event and, when the
resident should hear about it, outbox rows in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from core import metrics
from core.access import Actor, Capability, ResidentActor, StaffActor, can, require
from core.db import utcnow
from core.desk import DeskContext
from core.errors import NotFound, ValidationFailed
from core.intents.catalog import UNKNOWN_INTENT, IntentKind, QuestionMode
from core.notifications.service import notify_residents
from core.notifications.templates import Template
from core.staff.models import Staff
from core.tickets import audit
from core.tickets.answers import validate_answers
from core.tickets.models import EventKind, Priority, Ticket, TicketFollower, Visibility
from core.tickets.reference import new_reference
from core.tickets.repository import TicketRepository
from core.tickets.routing import route
from core.tickets.schemas import TicketCreate
from core.tickets.status import REASON_REQUIRED, TicketStatus, check_transition

MAX_REFERENCE_ATTEMPTS = 8


class TicketLifecycle:
    """A ticket from opening to closing; `TicketService` is what the rest of the desk uses."""

    def __init__(self, context: DeskContext) -> None:
        self.context = context

    # -- helpers -------------------------------------------------------------------------

    async def load(self, session: AsyncSession, actor: Actor, ticket_id: int) -> Ticket:
        ticket = await TicketRepository(session, actor).get(ticket_id, for_update=True)
        if ticket is None:
            raise NotFound("ticket not found", ticket_id=ticket_id)
        return ticket

    async def audience(self, session: AsyncSession, ticket: Ticket) -> list[int]:
        """Residents who hear about a ticket: who reported it and who follows it."""
        followers = await TicketRepository(session, ResidentActor(0)).follower_ids(ticket)
        owner = [ticket.resident_id] if ticket.resident_id is not None else []
        return owner + followers

    async def _unique_reference(self, session: AsyncSession) -> str:
        repository = TicketRepository(session, ResidentActor(0))
        for _ in range(MAX_REFERENCE_ATTEMPTS):
            reference = new_reference()
            if not await repository.reference_exists(reference):
                return reference
        raise RuntimeError("could not find a free ticket reference")  # ~1e-60 at a million tickets

    def _set_due_times(self, ticket: Ticket, start: dt.datetime) -> None:
        targets = self.context.targets_for(self.context.catalog.get(ticket.intent_code))
        calendar = self.context.calendar
        if ticket.first_response_at is None:
            ticket.first_response_due_at = calendar.add_working_hours(
                start, targets.first_response_hours
            )
        ticket.resolution_due_at = calendar.add_working_hours(start, targets.resolution_hours)

    def _resolve_district(self, data: TicketCreate) -> str | None:
        districts = self.context.districts
        if data.district:
            if len(districts) and districts.get(data.district) is None:
                raise ValidationFailed(f"unknown district {data.district!r}", field="district")
            return data.district
        if data.latitude is not None and data.longitude is not None:
            return districts.locate(data.latitude, data.longitude)
        return None

    # -- use cases -----------------------------------------------------------------------

    async def open(
        self,
        session: AsyncSession,
        actor: Actor,
        data: TicketCreate,
        *,
        resident_id: int | None = None,
    ) -> Ticket:
        if isinstance(actor, StaffActor):
            require(actor, Capability.WORK_TICKETS)
        if isinstance(actor, ResidentActor):
            resident_id = actor.resident_id
        intent = self.context.catalog.get(data.intent_code)
        if intent is None and data.intent_code != UNKNOWN_INTENT:
            raise ValidationFailed(f"unknown service {data.intent_code!r}", field="intent_code")
        if intent is not None and intent.kind is IntentKind.INFORMATION:
            raise ValidationFailed(
                f"{intent.code} is answered directly, not filed", field="intent_code"
            )
        has_location = data.latitude is not None or bool(data.address) or bool(data.district)
        if intent and intent.questions.location is QuestionMode.REQUIRED and not has_location:
            raise ValidationFailed("this service needs a location", field="location")
        answers = validate_answers(intent, data.answers)
        district = self._resolve_district(data)
        partner = await route(session, self.context.catalog, data.intent_code, district)
        urgent = intent is not None and intent.kind is IntentKind.EMERGENCY
        now = utcnow()
        ticket = Ticket(
            reference=await self._unique_reference(session),
            intent_code=data.intent_code,
            partner_id=partner.id,
            resident_id=resident_id,
            status=TicketStatus.NEW,
            priority=Priority.URGENT if urgent else (data.priority or Priority.NORMAL),
            channel=data.channel,
            language=data.language,
            description=data.description or None,
            answers=answers,
            latitude=data.latitude,
            longitude=data.longitude,
            address=data.address or None,
            district=district,
            attachments=[
                attachment.model_dump(exclude_none=True) for attachment in data.attachments
            ],
            # Unmatched messages can say anything, so they are private until triaged.
            is_private=intent.sensitive if intent is not None else True,
            reroute_count=0,
            created_at=now,
            updated_at=now,
        )
        self._set_due_times(ticket, now)
        session.add(ticket)
        await session.flush()
        await audit.record(
            session,
            ticket,
            EventKind.CREATED,
            actor,
            visibility=Visibility.PUBLIC,
            after={
                "status": ticket.status.value,
                "partner": partner.code,
                "intent": ticket.intent_code,
                "channel": data.channel.value,
            },
        )
        channel = data.channel.value
        metrics.after_commit(session, lambda counter: counter.ticket_created(channel))
        return ticket

    async def change_status(
        self,
        session: AsyncSession,
        actor: Actor,
        ticket_id: int,
        target: TicketStatus,
        *,
        reason: str | None = None,
    ) -> Ticket:
        require(actor, Capability.WORK_TICKETS)
        if target is TicketStatus.DUPLICATE:
            raise ValidationFailed("use mark_duplicate to name the original ticket", field="status")
        if target is TicketStatus.NEW:
            raise ValidationFailed("a ticket goes back to new only by re-routing", field="status")
        ticket = await self.load(session, actor, ticket_id)
        reason = (reason or "").strip() or None
        if target in REASON_REQUIRED and not reason:
            raise ValidationFailed(
                f"a reason is required to mark a ticket {target}", field="reason"
            )
        before = ticket.status
        check_transition(before, target)
        if target is TicketStatus.REOPENED:
            self.check_reopen_window(ticket)
        self.apply_status(ticket, target)
        await audit.record(
            session,
            ticket,
            EventKind.STATUS_CHANGED,
            actor,
            visibility=Visibility.PUBLIC,
            before={"status": before.value},
            after={"status": target.value},
            text=reason,
        )
        await notify_residents(
            session,
            await self.audience(session, ticket),
            Template.STATUS_CHANGED,
            {"reference": ticket.reference, "status": target.value, "intent": ticket.intent_code},
            ticket_id=ticket.id,
            text=reason,
        )
        return ticket

    def check_reopen_window(self, ticket: Ticket) -> None:
        finished_at = ticket.closed_at or ticket.resolved_at
        if finished_at is not None and utcnow() - finished_at > self.context.reopen_window:
            days = self.context.reopen_window.days
            raise ValidationFailed(
                f"this ticket was finished more than {days} days ago; please open a new one",
                field="status",
            )

    def end_wait(self, ticket: Ticket, now: dt.datetime) -> None:
        """The clock stood still while the ticket waited on the resident: due times move on by
        the working time the wait took."""
        if ticket.waiting_since is None:
            return
        calendar = self.context.calendar
        hours = calendar.working_time_between(ticket.waiting_since, now).total_seconds() / 3600
        if hours > 0:
            if ticket.resolution_due_at is not None:
                ticket.resolution_due_at = calendar.add_working_hours(
                    ticket.resolution_due_at, hours
                )
            if ticket.first_response_at is None and ticket.first_response_due_at is not None:
                ticket.first_response_due_at = calendar.add_working_hours(
                    ticket.first_response_due_at, hours
                )
        ticket.waiting_since = None

    def apply_status(self, ticket: Ticket, target: TicketStatus) -> None:
        """Timestamps that follow from entering a status."""
        now = utcnow()
        if target is TicketStatus.WAITING_ON_RESIDENT:
            ticket.waiting_since = ticket.waiting_since or now
        else:
            self.end_wait(ticket, now)
        ticket.status = target
        if ticket.first_response_at is None and target is not TicketStatus.NEW:
            ticket.first_response_at = now
        if target is TicketStatus.RESOLVED:
            ticket.resolved_at = now
        elif target in (TicketStatus.CLOSED, TicketStatus.REJECTED, TicketStatus.DUPLICATE):
            ticket.closed_at = now
            ticket.resolved_at = ticket.resolved_at or (
                now if target is TicketStatus.CLOSED else None
            )
        elif target is TicketStatus.REOPENED:
            ticket.resolved_at = None
            ticket.closed_at = None
            ticket.escalation_level = 0
            ticket.rating_reminded_at = None
            ticket.resolution_due_at = self.context.calendar.add_working_hours(
                now,
                self.context.targets_for(
                    self.context.catalog.get(ticket.intent_code)
                ).resolution_hours,
            )

    async def assign(
        self, session: AsyncSession, actor: Actor, ticket_id: int, assignee_id: int | None
    ) -> Ticket:
        require(actor, Capability.WORK_TICKETS)
        ticket = await self.load(session, actor, ticket_id)
        if assignee_id is not None:
            assignee = await session.get(Staff, assignee_id)
            if assignee is None or not assignee.active:
                raise ValidationFailed("no such active colleague", field="assignee_id")
            colleague = StaffActor(assignee.id, assignee.role, assignee.partner_id)
            sees_it = await TicketRepository(session, colleague).get(ticket.id) is not None
            if not (sees_it and can(colleague, Capability.WORK_TICKETS)):
                raise ValidationFailed(
                    f"{assignee.display_name} cannot work on this ticket", field="assignee_id"
                )
        before = ticket.assignee_id
        ticket.assignee_id = assignee_id
        await audit.record(
            session,
            ticket,
            EventKind.ASSIGNED,
            actor,
            visibility=Visibility.INTERNAL,
            before={"assignee_id": before},
            after={"assignee_id": assignee_id},
        )
        return ticket


async def follow(session: AsyncSession, ticket_id: int, resident_id: int) -> None:
    exists = await session.get(TicketFollower, (ticket_id, resident_id))
    if exists is None:
        session.add(TicketFollower(ticket_id=ticket_id, resident_id=resident_id))
        await session.flush()
