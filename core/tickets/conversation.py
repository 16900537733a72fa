"""The conversation on a ticket: replies, questions, notes, the resident's answers and rating."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Actor, Capability, ResidentActor, SystemActor, require
from core.db import utcnow
from core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from core.notifications.service import notify_residents, notify_staff
from core.notifications.templates import Template
from core.staff.models import Role, Staff
from core.tickets import audit
from core.tickets.lifecycle import follow
from core.tickets.models import (
    DeliveryState,
    Direction,
    EventKind,
    Message,
    Rating,
    RatingAnswer,
    Ticket,
    Visibility,
)
from core.tickets.schemas import MAX_MESSAGE_LENGTH, RatingCreate
from core.tickets.service import TicketService
from core.tickets.status import WITHDRAWABLE, TicketStatus, check_transition


def _clean_text(text: str, field: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("the message is empty", field=field)
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ValidationFailed(
            f"the message is longer than {MAX_MESSAGE_LENGTH} characters", field=field
        )
    return text


class ConversationService:
    def __init__(self, tickets: TicketService) -> None:
        self.tickets = tickets

    async def _outbound(
        self, session: AsyncSession, actor: Actor, ticket: Ticket, text: str
    ) -> Message:
        message = Message(
            ticket_id=ticket.id,
            direction=Direction.OUTBOUND,
            text=text,
            language=ticket.language,
            author_staff_id=getattr(actor, "staff_id", None),
            delivery_state=DeliveryState.PENDING if ticket.resident_id else DeliveryState.FAILED,
        )
        session.add(message)
        if ticket.first_response_at is None:
            ticket.first_response_at = utcnow()
        await session.flush()
        return message

    async def reply(
        self, session: AsyncSession, actor: Actor, ticket_id: int, text: str
    ) -> Message:
        """A caseworker writes to the resident."""
        require(actor, Capability.WORK_TICKETS)
        text = _clean_text(text)
        ticket = await self.tickets.load(session, actor, ticket_id)
        message = await self._outbound(session, actor, ticket, text)
        await audit.record(
            session,
            ticket,
            EventKind.MESSAGE,
            actor,
            visibility=Visibility.PUBLIC,
            text=text,
            after={"message_id": message.id, "direction": "outbound"},
        )
        owner = [ticket.resident_id] if ticket.resident_id else []
        await notify_residents(
            session,
            owner,
            Template.REPLY,
            {"reference": ticket.reference},
            ticket_id=ticket.id,
            message_id=message.id,
            text=text,
        )
        return message

    async def request_info(
        self, session: AsyncSession, actor: Actor, ticket_id: int, question: str
    ) -> Message:
        """Ask the resident for details; the ticket waits on them until they answer."""
        require(actor, Capability.WORK_TICKETS)
        question = _clean_text(question, "question")
        ticket = await self.tickets.load(session, actor, ticket_id)
        before = ticket.status
        check_transition(before, TicketStatus.WAITING_ON_RESIDENT)
        self.tickets.apply_status(ticket, TicketStatus.WAITING_ON_RESIDENT)
        message = await self._outbound(session, actor, ticket, question)
        await audit.record(
            session,
            ticket,
            EventKind.INFO_REQUESTED,
            actor,
            visibility=Visibility.PUBLIC,
            text=question,
            before={"status": before.value},
            after={"status": ticket.status.value, "message_id": message.id},
        )
        owner = [ticket.resident_id] if ticket.resident_id else []
        await notify_residents(
            session,
            owner,
            Template.INFO_REQUESTED,
            {"reference": ticket.reference},
            ticket_id=ticket.id,
            message_id=message.id,
            text=question,
        )
        return message

    async def add_note(
        self, session: AsyncSession, actor: Actor, ticket_id: int, text: str
    ) -> None:
        """An internal note: colleagues see it, the resident never does."""
        require(actor, Capability.WORK_TICKETS)
        text = _clean_text(text)
        ticket = await self.tickets.load(session, actor, ticket_id)
        await audit.record(
            session, ticket, EventKind.NOTE, actor, visibility=Visibility.INTERNAL, text=text
        )

    async def _resident_ticket(
        self, session: AsyncSession, actor: ResidentActor, ticket_id: int, *, owner_only: bool
    ) -> Ticket:
        ticket = await self.tickets.load(session, actor, ticket_id)
        if owner_only and ticket.resident_id != actor.resident_id:
            raise Forbidden("only the person who reported it can do this")
        return ticket

    async def resident_message(
        self, session: AsyncSession, actor: ResidentActor, ticket_id: int, text: str
    ) -> Message:
        """The reporter writes about their ticket; a ticket waiting on them resumes. Followers
        only receive status updates: the conversation is between the reporter and staff."""
        text = _clean_text(text)
        ticket = await self._resident_ticket(session, actor, ticket_id, owner_only=True)
        message = Message(
            ticket_id=ticket.id,
            direction=Direction.INBOUND,
            text=text,
            language=ticket.language,
            resident_id=actor.resident_id,
            delivery_state=DeliveryState.RECEIVED,
        )
        session.add(message)
        await session.flush()
        before = ticket.status
        if before is TicketStatus.WAITING_ON_RESIDENT:
            self.tickets.apply_status(ticket, TicketStatus.IN_PROGRESS)
        await audit.record(
            session,
            ticket,
            EventKind.MESSAGE,
            actor,
            visibility=Visibility.PUBLIC,
            text=text,
            before={"status": before.value},
            after={"status": ticket.status.value, "message_id": message.id, "direction": "inbound"},
        )
        return message

    async def rate(
        self, session: AsyncSession, actor: ResidentActor, ticket_id: int, rating: RatingCreate
    ) -> Rating:
        """The answer to "was it fixed?"; "no" reopens the ticket while the window is open."""
        ticket = await self._resident_ticket(session, actor, ticket_id, owner_only=True)
        if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            raise InvalidTransition(
                "only a resolved ticket can be rated", current=ticket.status.value
            )
        row = Rating(
            ticket_id=ticket.id,
            resident_id=actor.resident_id,
            answer=rating.answer,
            score=rating.score,
            comment=rating.comment or None,
        )
        session.add(row)
        await session.flush()
        before = ticket.status
        if rating.answer is RatingAnswer.NO:
            self.tickets.check_reopen_window(ticket)
            self.tickets.apply_status(ticket, TicketStatus.REOPENED)
            await self._tell_partner_not_fixed(session, ticket)
        await audit.record(
            session,
            ticket,
            EventKind.RATING,
            actor,
            visibility=Visibility.PUBLIC,
            text=row.comment,
            before={"status": before.value},
            after={
                "status": ticket.status.value,
                "answer": rating.answer.value,
                "score": rating.score,
            },
        )
        return row

    async def _tell_partner_not_fixed(self, session: AsyncSession, ticket: Ticket) -> None:
        """Whoever worked on it hears at once; with no one assigned, the partner's managers."""
        recipients = [ticket.assignee_id] if ticket.assignee_id is not None else []
        if not recipients:
            statement = sa.select(Staff.id).where(
                Staff.partner_id == ticket.partner_id,
                Staff.role == Role.MANAGER,
                Staff.active.is_(True),
            )
            recipients = list((await session.execute(statement)).scalars())
        await notify_staff(
            session,
            recipients,
            Template.NOT_FIXED,
            {"reference": ticket.reference},
            ticket_id=ticket.id,
        )

    async def comment_on_rating(
        self, session: AsyncSession, actor: ResidentActor, rating_id: int, text: str
    ) -> Rating:
        """The optional comment that follows a "was it fixed?" answer."""
        text = _clean_text(text, "comment")
        rating = await session.get(Rating, rating_id)
        if rating is None or rating.resident_id != actor.resident_id:
            raise NotFound("rating not found", rating_id=rating_id)
        ticket = await self._resident_ticket(session, actor, rating.ticket_id, owner_only=True)
        rating.comment = f"{rating.comment}\n{text}" if rating.comment else text
        await audit.record(
            session,
            ticket,
            EventKind.RATING,
            actor,
            visibility=Visibility.PUBLIC,
            text=text,
            after={"answer": rating.answer.value, "score": rating.score, "comment": True},
        )
        return rating

    async def withdraw(
        self, session: AsyncSession, actor: ResidentActor, ticket_id: int, reason: str | None = None
    ) -> Ticket:
        """The resident no longer needs help: the ticket is closed."""
        ticket = await self._resident_ticket(session, actor, ticket_id, owner_only=True)
        if ticket.status not in WITHDRAWABLE:
            raise InvalidTransition(
                f"a {ticket.status} ticket cannot be withdrawn", current=ticket.status.value
            )
        before = ticket.status
        self.tickets.apply_status(ticket, TicketStatus.CLOSED)
        await audit.record(
            session,
            ticket,
            EventKind.WITHDRAWN,
            actor,
            visibility=Visibility.PUBLIC,
            text=(reason or "").strip() or None,
            before={"status": before.value},
            after={"status": ticket.status.value},
        )
        return ticket

    async def follow(self, session: AsyncSession, actor: ResidentActor, ticket_id: int) -> Ticket:
        """A resident with the same problem follows an existing ticket instead of filing anew."""
        # Not yet theirs to see: only a public, open ticket can be joined this way.
        ticket = await self.tickets.load(session, SystemActor("follow"), ticket_id)
        if ticket.is_private:
            raise NotFound("ticket not found", ticket_id=ticket_id)
        if not ticket.status.is_open:
            raise InvalidTransition(
                "only an open ticket can be followed", current=ticket.status.value
            )
        if ticket.resident_id != actor.resident_id:
            await follow(session, ticket.id, actor.resident_id)
        await audit.record(
            session, ticket, EventKind.FOLLOWED, actor, visibility=Visibility.INTERNAL
        )
        return ticket
