"""The inbox: queues with counts, filters, search, pages; live rows; CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import DeskServices, Session
from api.web.deps import SignedIn
from api.web.templating import Formatter, render
from core.access import Capability, can
from core.db import utcnow
from core.intents.catalog import IntentKind
from core.partners.repository import PartnerRepository
from core.tickets.inbox import InboxFilters, Queue, Sort, list_inbox, queue_counts
from core.tickets.status import TicketStatus

router = APIRouter(include_in_schema=False)
EXPORT_LIMIT = 50_000
EXPORT_PAGE = 500


async def inbox_filters(
    queue: Queue = Queue.OPEN,
    status: TicketStatus | None = None,
    intent: Annotated[str | None, Query(max_length=64)] = None,
    language: Annotated[str | None, Query(max_length=8)] = None,
    district: Annotated[str | None, Query(max_length=64)] = None,
    assignee: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Sort = Sort.DUE,
) -> InboxFilters:
    """The filters from the query string; empty fields of the filter form mean "any"."""
    return InboxFilters(
        queue=queue,
        status=status,
        intent=intent or None,
        language=language or None,
        district=district or None,
        assignee_id=assignee,
        created_from=created_from,
        created_to=created_to,
        search=q or None,
        sort=sort,
    )


Filters = Annotated[InboxFilters, Depends(inbox_filters)]


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/inbox", status_code=303)


async def _triage_partner(db: Session, staffer: SignedIn) -> int | None:
    if not can(staffer.actor, Capability.TRIAGE):
        return None
    unit = await PartnerRepository(db).coordination_unit()
    return unit.id if unit else None


@router.get("/inbox")
async def inbox(
    request: Request,
    staffer: SignedIn,
    db: Session,
    services: DeskServices,
    filters: Filters,
    after: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    now = utcnow()
    triage = await _triage_partner(db, staffer)
    queues = [queue for queue in Queue if queue is not Queue.TRIAGE or triage is not None]
    counts = await queue_counts(
        db, staffer.actor, now=now, triage_partner_id=triage, queues=tuple(queues)
    )
    page = await list_inbox(
        db, staffer.actor, filters, now=now, triage_partner_id=triage, after=after
    )
    catalog = services.context.catalog
    context = {
        "staffer": staffer,
        "csrf": staffer.web.csrf,
        "filters": filters,
        "queues": queues,
        "counts": counts,
        "page": page,
        "now": now,
        "intents": [i for i in catalog if i.kind is not IntentKind.INFORMATION],
        "districts": services.context.districts.districts,
        "query": urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "after"]),
    }
    return render(request, "inbox.html", context, locale=staffer.locale)


@router.get("/inbox/rows")
async def inbox_rows(
    request: Request, staffer: SignedIn, db: Session, filters: Filters
) -> Response:
    """The first page's rows alone, for the page to refresh itself without a reload."""
    now = utcnow()
    page = await list_inbox(
        db, staffer.actor, filters, now=now, triage_partner_id=await _triage_partner(db, staffer)
    )
    return render(
        request, "_rows.html", {"page": page, "now": now, "staffer": staffer}, locale=staffer.locale
    )


@router.get("/inbox/export.csv")
async def export_csv(
    request: Request, staffer: SignedIn, db: Session, filters: Filters, services: DeskServices
) -> Response:
    """The current filtered list (only what this person may see), as CSV."""
    fmt = Formatter(staffer.locale, services.settings.tz, services.context.catalog)
    triage = await _triage_partner(db, staffer)
    now = utcnow()

    # Built before returning: the request's database session ends with the handler.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "reference",
            "service",
            "status",
            "priority",
            "language",
            "district",
            "created",
            "first_response_due",
            "resolution_due",
            "assignee_id",
        ]
    )
    cursor, written = None, 0
    while written < EXPORT_LIMIT:
        page = await list_inbox(
            db,
            staffer.actor,
            filters,
            now=now,
            triage_partner_id=triage,
            after=cursor,
            limit=EXPORT_PAGE,
        )
        for row in page.rows:
            ticket = row.ticket
            writer.writerow(
                [
                    ticket.reference,
                    fmt.intent(ticket.intent_code),
                    ticket.status.value,
                    ticket.priority.value,
                    ticket.language,
                    ticket.district or "",
                    fmt.iso(ticket.created_at),
                    fmt.iso(ticket.first_response_due_at),
                    fmt.iso(ticket.resolution_due_at),
                    ticket.assignee_id or "",
                ]
            )
        written += len(page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    headers = {"Content-Disposition": f'attachment; filename="tickets-{now:%Y%m%d-%H%M}.csv"'}
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
