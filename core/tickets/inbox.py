"""The caseworkers' inbox: queues, filters, search, and keyset pagination over the visible tickets.

Every query goes through `visibility_clause`, so a partner's staff never list, count or find
another partner's tickets. Cost follows the page, not the history: open queues are served by
partial indexes on open tickets, pages by keyset (never OFFSET), and counts stop at COUNT_CAP.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Actor, StaffActor
from core.db import is_postgres
from core.errors import ValidationFailed
from core.tickets.models import Direction, Message, Ticket, status_in
from core.tickets.reference import normalise_reference
from core.tickets.repository import visibility_clause
from core.tickets.status import CLOCK_RUNNING, OPEN_STATUSES, TicketStatus

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
COUNT_CAP = 1000  # "1000+" is all a queue badge needs; counting a million rows is not
DUE_SOON = dt.timedelta(hours=24)
MAX_SEARCH_LENGTH = 200
# A partner's word search walks the newest tickets for at most WALK_BUDGET_MS; a walk that
# takes longer means words rare for this partner, and the partner-words index is asked which
# tickets have them (up to PROBE_CAP; more means a common word after all, and the walk goes on).
WALK_BUDGET_MS = 25
PROBE_CAP = 500
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE when statement_timeout stops a query
HAS_WORD = re.compile(r"[^\W_]")  # a letter or digit: the search has words to look up
CLOSED_STATUSES = (
    TicketStatus.RESOLVED,
    TicketStatus.CLOSED,
    TicketStatus.REJECTED,
    TicketStatus.DUPLICATE,
)


class Queue(StrEnum):
    NEW = "new"
    MINE = "mine"
    UNASSIGNED = "unassigned"
    WAITING = "waiting"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    OPEN = "open"
    RESOLVED = "resolved"
    TRIAGE = "triage"


class Sort(StrEnum):
    DUE = "due"  # soonest resolution target first
    NEWEST = "newest"


@dataclass(frozen=True)
class InboxFilters:
    queue: Queue = Queue.OPEN
    status: TicketStatus | None = None
    intent: str | None = None
    language: str | None = None
    district: str | None = None
    assignee_id: int | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    search: str | None = None
    sort: Sort = Sort.DUE

    @property
    def effective_sort(self) -> Sort:
        """Closed tickets have no due time that matters any more: history reads newest first."""
        return Sort.NEWEST if self.queue is Queue.RESOLVED else self.sort


@dataclass
class InboxRow:
    ticket: Ticket
    unread: bool
    overdue: bool
    due_soon: bool


@dataclass
class InboxPage:
    rows: list[InboxRow] = field(default_factory=list)
    next_cursor: str | None = None


def _open() -> sa.ColumnElement[bool]:
    return status_in(OPEN_STATUSES)


Moment = dt.datetime | sa.BindParameter[dt.datetime]


def _overdue(now: Moment) -> sa.ColumnElement[bool]:
    return sa.and_(
        status_in(CLOCK_RUNNING),
        sa.or_(
            Ticket.resolution_due_at < now,
            sa.and_(Ticket.first_response_at.is_(None), Ticket.first_response_due_at < now),
        ),
    )


def _due_soon(now: Moment, soon: Moment) -> sa.ColumnElement[bool]:
    return sa.and_(
        status_in(CLOCK_RUNNING),
        sa.not_(_overdue(now)),
        sa.or_(
            Ticket.resolution_due_at < soon,
            sa.and_(Ticket.first_response_at.is_(None), Ticket.first_response_due_at < soon),
        ),
    )


def queue_clause(
    queue: Queue,
    actor: Actor,
    now: Moment,
    triage_partner_id: int | None,
    soon: Moment | None = None,
) -> sa.ColumnElement[bool]:
    """The tickets of one queue; `soon` (the due-soon horizon) defaults to `now` + DUE_SOON."""
    staff_id = actor.staff_id if isinstance(actor, StaffActor) else None
    if queue is Queue.NEW:
        return status_in((TicketStatus.NEW,))
    if queue is Queue.MINE:
        return sa.and_(_open(), Ticket.assignee_id == staff_id)
    if queue is Queue.UNASSIGNED:
        return sa.and_(_open(), Ticket.assignee_id.is_(None))
    if queue is Queue.WAITING:
        return status_in((TicketStatus.WAITING_ON_RESIDENT,))
    if queue is Queue.DUE_SOON:
        if soon is None:
            assert isinstance(now, dt.datetime), "give `soon` with a bound `now`"
            soon = now + DUE_SOON
        return _due_soon(now, soon)
    if queue is Queue.OVERDUE:
        return _overdue(now)
    if queue is Queue.RESOLVED:
        return status_in(CLOSED_STATUSES)
    if queue is Queue.TRIAGE:
        return sa.and_(_open(), Ticket.partner_id == triage_partner_id)
    return _open()


# Literals, not bound, so that the expressions are the GIN indexes' expressions exactly.
SIMPLE: sa.ColumnClause[Any] = sa.literal_column("'simple'::regconfig")


def _words_document() -> sa.ColumnElement[Any]:
    return sa.func.to_tsvector(
        SIMPLE, sa.func.coalesce(Ticket.description, sa.literal_column("''"))
    )


def partner_words_document() -> sa.ColumnElement[Any]:
    """The words plus a `partnerN` word: the expression of the ix_tickets_partner_words index."""
    partner = sa.literal_column("'partner'").op("||")(sa.cast(Ticket.partner_id, sa.Text))
    return _words_document().op("||")(sa.func.to_tsvector(SIMPLE, partner))


def _search_text(text: str) -> str:
    return text.strip()[:MAX_SEARCH_LENGTH]


def search_clause(session: AsyncSession, text: str) -> sa.ColumnElement[bool]:
    text = _search_text(text)
    reference = normalise_reference(text)
    if reference is not None:
        return Ticket.reference == reference
    if is_postgres(session):
        return _words_document().op("@@")(sa.func.plainto_tsquery(SIMPLE, text))
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Ticket.description.ilike(f"%{escaped}%", escape="\\")


def filtered(
    session: AsyncSession,
    actor: Actor,
    filters: InboxFilters,
    now: dt.datetime,
    triage_partner_id: int | None,
) -> list[sa.ColumnElement[bool]]:
    where = [visibility_clause(actor), queue_clause(filters.queue, actor, now, triage_partner_id)]
    if filters.status is not None:
        where.append(Ticket.status == filters.status)
    if filters.intent:
        where.append(Ticket.intent_code == filters.intent)
    if filters.language:
        where.append(Ticket.language == filters.language)
    if filters.district:
        where.append(Ticket.district == filters.district)
    if filters.assignee_id is not None:
        where.append(Ticket.assignee_id == filters.assignee_id)
    if filters.created_from is not None:
        where.append(
            Ticket.created_at >= dt.datetime.combine(filters.created_from, dt.time(), dt.UTC)
        )
    if filters.created_to is not None:
        end = dt.datetime.combine(filters.created_to + dt.timedelta(days=1), dt.time(), dt.UTC)
        where.append(Ticket.created_at < end)
    if filters.search and filters.search.strip():
        where.append(search_clause(session, filters.search))
    return where


def encode_cursor(ticket: Ticket, sort: Sort) -> str:
    moment = ticket.resolution_due_at if sort is Sort.DUE else ticket.created_at
    stamp = int(moment.timestamp() * 1_000_000) if moment else 0
    return base64.urlsafe_b64encode(f"{stamp}:{ticket.id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, ticket_id = base64.urlsafe_b64decode(padded).decode().split(":")
        return dt.datetime.fromtimestamp(int(stamp) / 1_000_000, dt.UTC), int(ticket_id)
    except (ValueError, UnicodeDecodeError, OverflowError, OSError) as exc:
        raise ValidationFailed("this page link is not valid", field="cursor") from exc


async def list_inbox(
    session: AsyncSession,
    actor: Actor,
    filters: InboxFilters,
    *,
    now: dt.datetime,
    triage_partner_id: int | None = None,
    after: str | None = None,
    limit: int = PAGE_SIZE,
) -> InboxPage:
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    unread = sa.exists().where(
        Message.ticket_id == Ticket.id,
        Message.direction == Direction.INBOUND,
        Message.read_at.is_(None),
    )
    statement = sa.select(Ticket, unread.label("unread")).where(
        *filtered(session, actor, filters, now, triage_partner_id)
    )
    sort = filters.effective_sort
    if sort is Sort.DUE:
        key = (Ticket.resolution_due_at, Ticket.id)
        if after:
            moment, ticket_id = decode_cursor(after)
            statement = statement.where(
                sa.tuple_(*key) > sa.tuple_(sa.literal(moment), sa.literal(ticket_id))
            )
        statement = statement.order_by(Ticket.resolution_due_at, Ticket.id)
    else:
        key = (Ticket.created_at, Ticket.id)
        if after:
            moment, ticket_id = decode_cursor(after)
            statement = statement.where(
                sa.tuple_(*key) < sa.tuple_(sa.literal(moment), sa.literal(ticket_id))
            )
        statement = statement.order_by(Ticket.created_at.desc(), Ticket.id.desc())
    if filters.search and is_postgres(session):
        # How selective a word is decides the plan (walk the newest tickets for a common word,
        # the full-text index for a rare one); a cached generic plan cannot know the word.
        await session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))
    result = await _page_rows(session, actor, filters, statement.limit(limit + 1))
    rows = []
    for ticket, has_unread in result[:limit]:
        is_overdue = ticket.status in CLOCK_RUNNING and (
            (ticket.resolution_due_at is not None and ticket.resolution_due_at < now)
            or (
                ticket.first_response_at is None
                and ticket.first_response_due_at is not None
                and ticket.first_response_due_at < now
            )
        )
        soon = now + DUE_SOON
        is_soon = (
            ticket.status in CLOCK_RUNNING
            and not is_overdue
            and (
                (ticket.resolution_due_at is not None and ticket.resolution_due_at < soon)
                or (
                    ticket.first_response_at is None
                    and ticket.first_response_due_at is not None
                    and ticket.first_response_due_at < soon
                )
            )
        )
        rows.append(InboxRow(ticket, bool(has_unread), is_overdue, is_soon))
    next_cursor = encode_cursor(result[limit - 1][0], sort) if len(result) > limit else None
    return InboxPage(rows, next_cursor)


async def _page_rows(
    session: AsyncSession, actor: Actor, filters: InboxFilters, page: sa.Select[Ticket, bool]
) -> list[Any]:
    if not (filters.search and is_postgres(session) and _partner_words_search(actor, filters)):
        return list((await session.execute(page)).all())
    # The newest-first walk fills a page quickly when the partner's tickets often have the
    # words, and reads the partner's whole history when they never do (185 ms at 1M tickets
    # for a word only other partners' tickets contain). PostgreSQL cannot tell the two apart,
    # as it keeps no statistics of words per partner; a walk that overruns its budget can.
    try:
        async with session.begin_nested():
            await session.execute(sa.text(f"SET LOCAL statement_timeout = {WALK_BUDGET_MS}"))
            rows = list((await session.execute(page)).all())
        await session.execute(sa.text("SET LOCAL statement_timeout = DEFAULT"))
        return rows
    except sa.exc.DBAPIError as exc:  # the savepoint, and the timeout with it, are rolled back
        if getattr(exc.orig, "sqlstate", None) != QUERY_CANCELED:
            raise
    assert filters.search is not None
    assert isinstance(actor, StaffActor)
    assert actor.partner_id is not None
    few = await _few_partner_matches(session, actor.partner_id, filters.search)
    if few is not None:
        if not few:
            return []
        page = page.where(Ticket.id.in_(few))
    return list((await session.execute(page)).all())


def _partner_words_search(actor: Actor, filters: InboxFilters) -> bool:
    """A word search (not a reference) by staff who see one partner's tickets."""
    text = _search_text(filters.search or "")
    return (
        isinstance(actor, StaffActor)
        and not actor.sees_all_partners
        and actor.partner_id is not None
        and normalise_reference(text) is None
        and HAS_WORD.search(text) is not None  # no words: the plain index knows it is empty
    )


def partner_words_probe(partner_id: int, search: str) -> sa.Select[int]:
    """The partner's tickets with the searched words, by the partner-words index alone."""
    wanted = sa.func.plainto_tsquery(SIMPLE, _search_text(search)).op("&&")(
        sa.func.plainto_tsquery(SIMPLE, f"partner{partner_id}")
    )
    # The page's other conditions stay out: PostgreSQL would combine their indexes into the
    # bitmap (15 ms more). The page applies them to these few ids itself.
    return sa.select(Ticket.id).where(partner_words_document().op("@@")(wanted))


async def _few_partner_matches(
    session: AsyncSession, partner_id: int, search: str
) -> list[int] | None:
    """The ids of the partner's tickets with the searched words, when there are fewer than
    PROBE_CAP; None when there are more. The partner-words index answers from the index alone
    (3 ms at 1M tickets for a word the partner lacks; 6 ms for one in 7,000 of its tickets)."""
    probe = partner_words_probe(partner_id, search)
    # Only a bitmap scan of the index answers this without walking; the planner, expecting
    # many matches, would otherwise walk. Both settings are back on for the page's own query.
    await session.execute(sa.text("SET LOCAL enable_indexscan = off"))
    await session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    try:
        ids = list((await session.scalars(probe.limit(PROBE_CAP))).all())
    finally:
        await session.execute(sa.text("SET LOCAL enable_indexscan = DEFAULT"))
        await session.execute(sa.text("SET LOCAL enable_seqscan = DEFAULT"))
    return ids if len(ids) < PROBE_CAP else None


async def queue_counts(
    session: AsyncSession,
    actor: Actor,
    *,
    now: dt.datetime,
    triage_partner_id: int | None = None,
    queues: tuple[Queue, ...] = tuple(Queue),
) -> dict[Queue, int]:
    """How many tickets each queue holds, up to COUNT_CAP (shown as "1000+"), in one query."""
    statement = _counts_statement(actor, queues, triage_partner_id)
    row = (await session.execute(statement, {"now": now, "soon": now + DUE_SOON})).one()
    return {queue: int(count) for queue, count in zip(queues, row, strict=True)}


@functools.lru_cache(maxsize=1024)
def _counts_statement(
    actor: Actor, queues: tuple[Queue, ...], triage_partner_id: int | None
) -> sa.Select[Any]:
    """Built once per person and set of queues, with the time as a parameter: every inbox page
    shows the counts, and building eight subqueries cost more than PostgreSQL running them."""
    moment_type = Ticket.resolution_due_at.type
    now = sa.bindparam("now", type_=moment_type)
    soon = sa.bindparam("soon", type_=moment_type)
    visible = visibility_clause(actor)
    columns = []
    for queue in queues:
        capped = (
            sa.select(sa.literal(1))
            .select_from(Ticket)
            .where(visible, queue_clause(queue, actor, now, triage_partner_id, soon))
            .limit(COUNT_CAP)
        )
        columns.append(sa.select(sa.func.count()).select_from(capped.subquery()).scalar_subquery())
    return sa.select(*columns)
