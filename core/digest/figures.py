"""A week's figures for one scope (the whole city or one partner), from SQL aggregates.

Every query reads one window of time through an index on the moment it counts (created,
first answered, resolved, closed, rated), so the cost follows the week's volume, not the history.

Definitions, so that a manager and a test can check any figure by hand:
- new / resolved / closed: tickets created / resolved / closed during the week; reopened: how
  many times a ticket was reopened during the week.
- time to first response: for tickets first answered during the week, from creation to that
  answer; time to resolution: for tickets resolved during the week, from creation to resolution.
  Both in elapsed time; "within target" compares with the ticket's due time, which counts
  working hours only and stands still while the ticket waits on the resident.
- percentiles interpolate linearly between ranks (PostgreSQL's percentile_cont).
- backlog: tickets open at the end of the week (created before it, not resolved or closed by
  then), with their age at that moment; overdue: those of them due before the week ended.
- satisfaction: the "was it fixed?" answers given during the week.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import UTCDateTime
from core.digest.sql import percentiles_by_group, seconds_between
from core.tickets.models import (
    EventKind,
    Rating,
    RatingAnswer,
    Ticket,
    TicketEvent,
    status_in,
)
from core.tickets.status import OPEN_STATUSES, TicketStatus

OVERDUE_LISTED = 10
COMMENTS_LISTED = 5
COMMENT_MIN_LENGTH = 12  # shorter ones ("ok", "thanks") say little a manager can act on
COMMENT_MAX_LENGTH = 400
TOP_INTENTS = 5
RISES_LISTED = 3
RISE_MIN_COUNT = 5  # fewer than this in a week is noise, not a rise
RISE_FACTOR = 1.5  # a rise is at least this many times the previous four weeks' average
PREVIOUS_WEEKS_FOR_RISES = 4
WEEK = dt.timedelta(days=7)
MONTH = dt.timedelta(days=30)


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime

    def contains(self, column: Any) -> sa.ColumnElement[bool]:
        return sa.and_(column >= self.start, column < self.end)


def _instant(moment: dt.datetime) -> sa.ColumnElement[dt.datetime]:
    return sa.literal(moment, UTCDateTime())


Key = tuple[Any, Any]  # (partner id, or None for the whole city; the group's value, or None)


class WeekQueries:
    """One week's figures, either for the whole city (`by_partner` False: every key's partner is
    None) or for every partner at once (`by_partner` True: one pass over the week serves all
    partners, so the cost does not grow with their number)."""

    def __init__(self, session: AsyncSession, by_partner: bool) -> None:
        self.session = session
        self.by_partner = by_partner

    def keys(self, group: Any = None) -> list[Any]:
        partner = Ticket.partner_id if self.by_partner else sa.literal(None)
        return [partner, group if group is not None else sa.literal(None)]

    def restrictions(self) -> list[sa.ColumnElement[bool]]:
        """Conditions every ticket counted must meet (none here; the public dashboard adds its
        privacy rule). Every query, on tickets or joined to them, applies them."""
        return []

    def tickets(self, *where: sa.ColumnElement[bool]) -> sa.Select[Any]:
        return sa.select(Ticket.id).where(*self.restrictions(), *where)

    async def _grouped(self, statement: sa.Select[Any]) -> list[Any]:
        return list((await self.session.execute(statement)).all())

    async def count_by(self, group: Any, *where: sa.ColumnElement[bool]) -> dict[Key, int]:
        keys = self.keys(group)
        statement = self.tickets(*where).with_only_columns(*keys, sa.func.count()).group_by(*keys)
        return {(row[0], row[1]): int(row[2]) for row in await self._grouped(statement)}

    async def times(self, kind: str, window: Window, group: Any) -> dict[Key, dict[str, Any]]:
        """Percentiles and share within target of first response or resolution times."""
        moment, due = (
            (Ticket.first_response_at, Ticket.first_response_due_at)
            if kind == "first_response"
            else (Ticket.resolved_at, Ticket.resolution_due_at)
        )
        keys = self.keys(group)
        source = self.tickets(window.contains(moment))
        measured = await percentiles_by_group(
            self.session, seconds_between(moment, Ticket.created_at), keys, source
        )
        within = sa.func.sum(sa.case((moment <= due, 1), else_=0))
        statement = source.with_only_columns(*keys, within, sa.func.count(due)).group_by(*keys)
        result: dict[Key, dict[str, Any]] = {}
        for partner, value, within_count, target_count in await self._grouped(statement):
            entry = dict(measured.get((partner, value), {"count": 0, "p50": None, "p90": None}))
            entry["within"] = int(within_count or 0)
            entry["with_target"] = int(target_count or 0)
            entry["share"] = int(within_count or 0) / int(target_count) if target_count else None
            result[(partner, value)] = entry
        return result

    async def satisfaction(self, window: Window, group: Any) -> dict[Key, dict[str, Any]]:
        keys = self.keys(group)
        statement = (
            sa.select(
                *keys,
                sa.func.count(Rating.id),
                sa.func.avg(Rating.score),
                sa.func.sum(sa.case((Rating.answer == RatingAnswer.YES, 1), else_=0)),
            )
            .join(Ticket, Ticket.id == Rating.ticket_id)
            .where(*self.restrictions(), window.contains(Rating.created_at))
            .group_by(*keys)
        )
        return {
            (row[0], row[1]): {
                "ratings": int(row[2]),
                "average": float(row[3]) if row[3] is not None else None,
                "fixed_share": int(row[4] or 0) / int(row[2]) if row[2] else None,
            }
            for row in await self._grouped(statement)
        }

    def open_at(self, end: dt.datetime) -> list[sa.ColumnElement[bool]]:
        """Tickets open at `end`: open now, or finished only after it (each through an index)."""
        finished_later = sa.or_(Ticket.resolved_at >= end, Ticket.closed_at >= end)
        return [
            Ticket.created_at < end,
            sa.or_(status_in(OPEN_STATUSES), finished_later),
            sa.or_(Ticket.resolved_at.is_(None), Ticket.resolved_at >= end),
            sa.or_(Ticket.closed_at.is_(None), Ticket.closed_at >= end),
        ]

    async def backlog(self, end: dt.datetime, group: Any = None) -> dict[Key, dict[str, Any]]:
        open_then = self.open_at(end)
        keys = self.keys(group)
        age = seconds_between(_instant(end), Ticket.created_at)
        ages = await percentiles_by_group(self.session, age, keys, self.tickets(*open_then))
        statement = (
            self.tickets(*open_then)
            .with_only_columns(
                *keys,
                sa.func.sum(sa.case((Ticket.created_at < end - WEEK, 1), else_=0)),
                sa.func.sum(sa.case((Ticket.created_at < end - MONTH, 1), else_=0)),
                sa.func.sum(sa.case((Ticket.resolution_due_at < end, 1), else_=0)),
            )
            .group_by(*keys)
        )
        result: dict[Key, dict[str, Any]] = {}
        for partner, value, older_week, older_month, overdue in await self._grouped(statement):
            measured = ages.get((partner, value), {})
            result[(partner, value)] = {
                "count": int(measured.get("count") or 0),
                "age_p50": measured.get("p50"),
                "age_p90": measured.get("p90"),
                "older_than_week": int(older_week or 0),
                "older_than_month": int(older_month or 0),
                "overdue": int(overdue or 0),
            }
        return result

    def _first_per_partner(
        self, statement: sa.Select[Any], order: list[Any], limit: int
    ) -> sa.Select[Any]:
        """The first `limit` rows in `order` for the city, or for each partner."""
        rank = sa.func.row_number().over(partition_by=self.keys()[0], order_by=order)
        ranked = statement.add_columns(rank.label("place")).subquery()
        return sa.select(ranked).where(ranked.c.place <= limit).order_by(ranked.c.place)

    async def oldest_overdue(self, end: dt.datetime) -> dict[Any, list[dict[str, Any]]]:
        statement = self.tickets(*self.open_at(end), Ticket.resolution_due_at < end)
        statement = statement.with_only_columns(
            self.keys()[0].label("partner"),
            Ticket.id,
            Ticket.reference,
            Ticket.intent_code,
            Ticket.resolution_due_at,
            Ticket.language,
            Ticket.district,
        )
        ordered = self._first_per_partner(
            statement, [Ticket.resolution_due_at, Ticket.id], OVERDUE_LISTED
        )
        result: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for row in await self._grouped(ordered):
            due = row.resolution_due_at
            result[row.partner].append(
                {
                    "ticket_id": row.id,
                    "reference": row.reference,
                    "intent": row.intent_code,
                    "due_at": due.astimezone(dt.UTC).isoformat(),
                    "language": row.language,
                    "district": row.district,
                }
            )
        return result

    async def reopened(self, window: Window) -> dict[Any, int]:
        partner = self.keys()[0]
        statement = (
            sa.select(partner, sa.func.count(TicketEvent.id))
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(
                *self.restrictions(),
                TicketEvent.kind == EventKind.STATUS_CHANGED,
                window.contains(TicketEvent.created_at),
                TicketEvent.after["status"].as_string() == TicketStatus.REOPENED.value,
            )
            .group_by(partner)
        )
        return {row[0]: int(row[1]) for row in await self._grouped(statement)}

    async def comments(self, window: Window) -> dict[Any, list[dict[str, Any]]]:
        """Comments worth reading: unhappy ones first, then the newest."""
        statement = (
            sa.select(
                self.keys()[0].label("partner"),
                Ticket.id,
                Ticket.reference,
                Ticket.language,
                Rating.score,
                Rating.answer,
                Rating.comment,
            )
            .join(Ticket, Ticket.id == Rating.ticket_id)
            .where(
                *self.restrictions(),
                window.contains(Rating.created_at),
                sa.func.length(sa.func.trim(Rating.comment)) >= COMMENT_MIN_LENGTH,
            )
        )
        order = [
            sa.case((Rating.answer == RatingAnswer.NO, 0), else_=1),
            sa.func.coalesce(Rating.score, 6),
            Rating.created_at.desc(),
            Rating.id.desc(),
        ]
        result: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for row in await self._grouped(self._first_per_partner(statement, order, COMMENTS_LISTED)):
            result[row.partner].append(
                {
                    "ticket_id": row.id,
                    "reference": row.reference,
                    "language": row.language,
                    "score": row.score,
                    "answer": RatingAnswer(row.answer).value,
                    "text": row.comment.strip()[:COMMENT_MAX_LENGTH],
                }
            )
        return result

    async def per_day(self, day_starts: list[dt.datetime]) -> dict[Any, list[dict[str, int]]]:
        """New and resolved per local day (the days' UTC bounds come from the city's clock)."""
        days = list(itertools.pairwise(day_starts))
        window = Window(day_starts[0], day_starts[-1])
        partner = self.keys()[0]

        async def daily(moment: Any) -> dict[Any, list[int]]:
            sums = [
                sa.func.sum(sa.case((sa.and_(moment >= start, moment < end), 1), else_=0))
                for start, end in days
            ]
            statement = (
                self.tickets(window.contains(moment))
                .with_only_columns(partner, *sums)
                .group_by(partner)
            )
            rows = await self._grouped(statement)
            return {row[0]: [int(value or 0) for value in row[1:]] for row in rows}

        created, resolved = await daily(Ticket.created_at), await daily(Ticket.resolved_at)
        empty = [0] * len(days)
        return {
            key: [
                {"new": new, "resolved": done}
                for new, done in zip(created.get(key, empty), resolved.get(key, empty), strict=True)
            ]
            for key in set(created) | set(resolved)
        }

    async def intents(
        self, window: Window
    ) -> dict[Any, tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        """The most requested services, and the biggest rises against the previous weeks."""
        now = await self.count_by(Ticket.intent_code, window.contains(Ticket.created_at))
        earlier = Window(window.start - PREVIOUS_WEEKS_FOR_RISES * WEEK, window.start)
        before = await self.count_by(Ticket.intent_code, earlier.contains(Ticket.created_at))
        rows: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for (partner, intent), count in now.items():
            rows[partner].append(
                {
                    "intent": str(intent),
                    "count": count,
                    "previous_average": before.get((partner, intent), 0) / PREVIOUS_WEEKS_FOR_RISES,
                }
            )
        return {partner: _top_and_rises(found) for partner, found in rows.items()}


def _top_and_rises(
    rows: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    top = sorted(rows, key=lambda row: (-row["count"], row["intent"]))[:TOP_INTENTS]
    rises = [
        row
        for row in rows
        if row["count"] >= RISE_MIN_COUNT
        and row["count"] >= RISE_FACTOR * row["previous_average"]
        and row["count"] > row["previous_average"]
    ]
    rises.sort(key=lambda row: (-(row["count"] - row["previous_average"]), row["intent"]))
    return top, rises[:RISES_LISTED]
