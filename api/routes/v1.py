"""The JSON API for integrations: the inbox's reads and actions, with the same permissions.

Authenticate with a personal token: `Authorization: Bearer cdk_...`. Another partner's ticket is
a 404, exactly as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Actor, DeskServices, Session
from api.web.inbox_routes import inbox_filters
from core.access import Capability, can
from core.db import utcnow
from core.partners.repository import PartnerRepository
from core.replies import service as replies
from core.tickets.details import ticket_details
from core.tickets.inbox import InboxFilters, Queue, list_inbox, queue_counts
from core.tickets.repository import TicketRepository
from core.tickets.schemas import TicketRead
from core.tickets.status import TicketStatus

router = APIRouter(prefix="/api/v1", tags=["tickets"])
TicketId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TicketPage(BaseModel):
    items: list[TicketRead]
    next_cursor: str | None


class EventRead(BaseModel):
    kind: str
    actor_type: str
    actor_staff_id: int | None
    visibility: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    text: str | None
    created_at: dt.datetime


class TicketDetail(BaseModel):
    ticket: TicketRead
    partner_code: str
    resident_reachable: bool
    allowed_statuses: list[TicketStatus]
    timeline: list[EventRead]
    translations: dict[int, str] = Field(
        default_factory=dict,
        description="Residents' messages machine-translated for staff, by message_id",
    )


class AssignBody(Strict):
    assignee_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class StatusBody(Strict):
    status: TicketStatus
    reason: str | None = Field(default=None, max_length=4000)


class ReplyBody(Strict):
    text: str | None = Field(default=None, max_length=4000)
    canned_reply_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class TextBody(Strict):
    text: str = Field(min_length=1, max_length=4000)


class RerouteBody(Strict):
    reason: str = Field(min_length=1, max_length=4000)
    partner_code: str | None = Field(default=None, max_length=40)
    intent_code: str | None = Field(default=None, max_length=64)


class DuplicateBody(Strict):
    original_reference: str = Field(min_length=1, max_length=20)
    reason: str | None = Field(default=None, max_length=4000)


class CannedReplyRead(BaseModel):
    id: int
    title: str
    texts: dict[str, str]


async def _triage(db: Session, actor: Actor) -> int | None:
    if not can(actor, Capability.TRIAGE):
        return None
    unit = await PartnerRepository(db).coordination_unit()
    return unit.id if unit else None


@router.get("/tickets", response_model=TicketPage)
async def list_tickets(
    db: Session,
    actor: Actor,
    filters: InboxFilters = Depends(inbox_filters),
    after: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TicketPage:
    """The inbox: `queue`, filters, `q` (reference or words), `sort`; `after` for the next page."""
    page = await list_inbox(
        db,
        actor,
        filters,
        now=utcnow(),
        triage_partner_id=await _triage(db, actor),
        after=after,
        limit=limit,
    )
    return TicketPage(
        items=[TicketRead.model_validate(row.ticket) for row in page.rows],
        next_cursor=page.next_cursor,
    )


@router.get("/queues")
async def queues(db: Session, actor: Actor) -> dict[str, int]:
    """How many tickets each queue holds (counts stop at 1000)."""
    triage = await _triage(db, actor)
    wanted = tuple(q for q in Queue if q is not Queue.TRIAGE or triage is not None)
    counts = await queue_counts(db, actor, now=utcnow(), triage_partner_id=triage, queues=wanted)
    return {queue.value: count for queue, count in counts.items()}


async def _detail(db: Session, actor: Actor, ticket_id: int) -> TicketDetail:
    details = await ticket_details(db, actor, ticket_id)
    return TicketDetail(
        ticket=TicketRead.model_validate(details.ticket),
        partner_code=details.partner.code,
        resident_reachable=details.resident_reachable,
        allowed_statuses=details.next_statuses,
        timeline=[
            EventRead(
                kind=e.kind.value,
                actor_type=e.actor_type.value,
                actor_staff_id=e.actor_staff_id,
                visibility=e.visibility.value,
                before=e.before,
                after=e.after,
                text=e.text,
                created_at=e.created_at,
            )
            for e in details.events
        ],
        translations=details.translations,
    )


@router.get("/tickets/{ticket_id}", response_model=TicketDetail)
async def get_ticket(ticket_id: TicketId, db: Session, actor: Actor) -> TicketDetail:
    return await _detail(db, actor, ticket_id)


@router.post("/tickets/{ticket_id}/assign", response_model=TicketDetail)
async def assign(
    ticket_id: TicketId, body: AssignBody, db: Session, actor: Actor, services: DeskServices
) -> TicketDetail:
    await services.tickets.assign(db, actor, ticket_id, body.assignee_id)
    return await _detail(db, actor, ticket_id)


@router.post("/tickets/{ticket_id}/status", response_model=TicketDetail)
async def change_status(
    ticket_id: TicketId, body: StatusBody, db: Session, actor: Actor, services: DeskServices
) -> TicketDetail:
    await services.tickets.change_status(db, actor, ticket_id, body.status, reason=body.reason)
    return await _detail(db, actor, ticket_id)


@router.post("/tickets/{ticket_id}/reply", response_model=TicketDetail)
async def reply(
    ticket_id: TicketId, body: ReplyBody, db: Session, actor: Actor, services: DeskServices
) -> TicketDetail:
    """Free `text`, or a `canned_reply_id` sent in the resident's language."""
    text = body.text or ""
    if body.canned_reply_id is not None:
        ticket = await TicketRepository(db, actor).get(ticket_id)
        chosen = await replies.get_reply(db, actor, body.canned_reply_id)
        text = replies.text_for(chosen, ticket.language if ticket else "en")
    await services.conversation.reply(db, actor, ticket_id, text)
    return await _detail(db, actor, ticket_id)


@router.post("/tickets/{ticket_id}/request-info", response_model=TicketDetail)
async def request_info(
    ticket_id: TicketId, body: TextBody, db: Session, actor: Actor, services: DeskServices
) -> TicketDetail:
    await services.conversation.request_info(db, actor, ticket_id, body.text)
    return await _detail(db, actor, ticket_id)


@router.post("/tickets/{ticket_id}/notes", response_model=TicketDetail)
async def add_note(
    ticket_id: TicketId, body: TextBody, db: Session, actor: Actor, services: DeskServices
) -> TicketDetail:
    await services.conversation.add_note(db, actor, ticket_id, body.text)
    return await _detail(db, actor, ticket_id)


class RerouteResult(BaseModel):
    ticket_id: int
    partner_code: str
    intent_code: str
    still_visible: bool  # a caseworker who sends a ticket to another partner no longer sees it


@router.post("/tickets/{ticket_id}/reroute", response_model=RerouteResult)
async def reroute(
    ticket_id: TicketId, body: RerouteBody, db: Session, actor: Actor, services: DeskServices
) -> RerouteResult:
    ticket = await services.tickets.reroute(
        db,
        actor,
        ticket_id,
        reason=body.reason,
        partner_code=body.partner_code,
        intent_code=body.intent_code,
    )
    partner = await PartnerRepository(db).get(ticket.partner_id)
    visible = await TicketRepository(db, actor).get(ticket_id) is not None
    return RerouteResult(
        ticket_id=ticket.id,
        partner_code=partner.code if partner else "",
        intent_code=ticket.intent_code,
        still_visible=visible,
    )


@router.post("/tickets/{ticket_id}/duplicate", response_model=TicketDetail)
async def mark_duplicate(
    ticket_id: TicketId, body: DuplicateBody, db: Session, actor: Actor, services: DeskServices
) -> TicketDetail:
    await services.tickets.mark_duplicate(
        db, actor, ticket_id, body.original_reference.upper(), reason=body.reason
    )
    return await _detail(db, actor, ticket_id)


@router.post("/tickets/{ticket_id}/reject", response_model=TicketDetail)
async def reject(
    ticket_id: TicketId, body: TextBody, db: Session, actor: Actor, services: DeskServices
) -> TicketDetail:
    await services.tickets.change_status(
        db, actor, ticket_id, TicketStatus.REJECTED, reason=body.text
    )
    return await _detail(db, actor, ticket_id)


@router.get("/canned-replies", response_model=list[CannedReplyRead])
async def canned_replies(db: Session, actor: Actor) -> list[CannedReplyRead]:
    return [
        CannedReplyRead(id=r.id, title=r.title, texts=r.texts)
        for r in await replies.list_replies(db, actor)
    ]
