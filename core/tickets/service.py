"""Ticket use cases: re-route and mark duplicate here; open, change status and assign in
`lifecycle.py`, which `TicketService` extends.

Services flush but never commit; each mutation writes exactly one audit event and, when the
resident should hear about it, outbox rows in the same transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Actor, Capability, StaffActor, require
from core.db import utcnow
from core.errors import NotFound, ValidationFailed
from core.intents.catalog import IntentKind
from core.intents.learning import record_example
from core.intents.models import ExampleSource
from core.notifications.service import notify_residents
from core.notifications.templates import Template
from core.partners.models import Partner
from core.partners.repository import PartnerRepository
from core.tickets import audit
from core.tickets.lifecycle import TicketLifecycle, follow
from core.tickets.models import Channel, EventKind, Ticket, TicketFollower, Visibility
from core.tickets.repository import TicketRepository
from core.tickets.routing import route
from core.tickets.status import TicketStatus, check_transition


class TicketService(TicketLifecycle):
    """Every ticket use case: the lifecycle's, plus re-routing and duplicates."""

    async def reroute(
        self,
        session: AsyncSession,
        actor: Actor,
        ticket_id: int,
        *,
        reason: str,
        partner_code: str | None = None,
        intent_code: str | None = None,
    ) -> Ticket:
        """Send a ticket to another partner and/or intent; it starts again from `new`."""
        require(actor, Capability.REROUTE_TICKETS)
        reason = reason.strip()
        if not reason:
            raise ValidationFailed("a reason is required to re-route", field="reason")
        if partner_code is None and intent_code is None:
            raise ValidationFailed(
                "name a partner or a service to re-route to", field="partner_code"
            )
        ticket = await self.load(session, actor, ticket_id)
        if not ticket.status.is_open:
            raise ValidationFailed(f"a {ticket.status} ticket cannot be re-routed", field="status")
        if intent_code is not None:
            intent = self.context.catalog.get(intent_code)
            if intent is None or intent.kind is IntentKind.INFORMATION:
                raise ValidationFailed(f"unknown service {intent_code!r}", field="intent_code")
        new_intent = intent_code or ticket.intent_code
        if partner_code is not None:
            partner: Partner | None = await PartnerRepository(session).by_code(partner_code)
            if partner is None or not partner.active:
                raise ValidationFailed(f"no active partner {partner_code!r}", field="partner_code")
        else:
            partner = await route(session, self.context.catalog, new_intent, ticket.district)
        old_partner = await session.get(Partner, ticket.partner_id)
        before = {
            "partner": old_partner.code if old_partner else None,
            "intent": ticket.intent_code,
            "status": ticket.status.value,
        }
        intent_changed = new_intent != ticket.intent_code
        self.end_wait(ticket, utcnow())
        ticket.partner_id = partner.id
        ticket.intent_code = new_intent
        ticket.status = TicketStatus.NEW
        ticket.escalation_level = 0  # the new owner gets its own warning before escalation
        ticket.assignee_id = None
        ticket.reroute_count += 1
        if intent_changed:
            new = self.context.catalog.get(new_intent)
            ticket.is_private = new.sensitive if new else ticket.is_private
            self._set_due_times(ticket, ticket.created_at)
            if ticket.is_private:  # followers were fine for a pothole, not for a private case
                await session.execute(
                    sa.delete(TicketFollower).where(TicketFollower.ticket_id == ticket.id)
                )
        if intent_changed and ticket.description and ticket.channel is Channel.TELEGRAM:
            # The resident's own words, now known to mean the corrected intent.
            await record_example(
                session,
                self.context.catalog,
                intent_code=new_intent,
                language=ticket.language,
                text=ticket.description,
                source=ExampleSource.REROUTE,
                ticket_id=ticket.id,
                resident_id=ticket.resident_id,
                staff_id=actor.staff_id if isinstance(actor, StaffActor) else None,
            )
        await audit.record(
            session,
            ticket,
            EventKind.REROUTED,
            actor,
            visibility=Visibility.INTERNAL,
            before=before,
            after={"partner": partner.code, "intent": new_intent, "status": TicketStatus.NEW.value},
            text=reason,
        )
        return ticket

    async def mark_duplicate(
        self,
        session: AsyncSession,
        actor: Actor,
        ticket_id: int,
        original_reference: str,
        *,
        reason: str | None = None,
    ) -> Ticket:
        require(actor, Capability.WORK_TICKETS)
        ticket = await self.load(session, actor, ticket_id)
        repository = TicketRepository(session, actor)
        original = await repository.get_by_reference(original_reference)
        if (
            original is not None
            and original.status is TicketStatus.DUPLICATE
            and original.duplicate_of_id
        ):
            original = await repository.get(original.duplicate_of_id)
        if original is None:
            raise NotFound(f"ticket {original_reference} not found", field="original_reference")
        if original.id == ticket.id:
            raise ValidationFailed("a ticket cannot duplicate itself", field="original_reference")
        before = ticket.status
        check_transition(before, TicketStatus.DUPLICATE)
        self.apply_status(ticket, TicketStatus.DUPLICATE)
        ticket.duplicate_of_id = original.id
        # The reporter of the duplicate hears how the original goes, unless it is sensitive:
        # a stranger must not learn about someone else's housing or legal case.
        if ticket.resident_id not in (None, original.resident_id) and not original.is_private:
            await follow(session, original.id, ticket.resident_id)
        text = (reason or "").strip() or None
        await audit.record(
            session,
            ticket,
            EventKind.DUPLICATE_MARKED,
            actor,
            visibility=Visibility.PUBLIC,
            before={"status": before.value},
            after={"status": TicketStatus.DUPLICATE.value, "duplicate_of": original.reference},
            text=text,
        )
        await notify_residents(
            session,
            await self.audience(session, ticket),
            Template.STATUS_CHANGED,
            {
                "reference": ticket.reference,
                "status": TicketStatus.DUPLICATE.value,
                "original": original.reference,
                "intent": ticket.intent_code,
            },
            ticket_id=ticket.id,
            text=text,
        )
        return ticket
