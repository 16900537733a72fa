"""Assemble a week's figures for the city and for every partner: headline figures, groups,
equity, and the previous week to compare.

Every query runs twice per week whatever the number of partners: once for the whole city, once
grouped by partner for all partners together. The result is plain JSON per scope (stored in
`digests.figures`), so that a digest rendered months later shows exactly what was sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.digest.equity import equity_flags
from core.digest.figures import Key, WeekQueries, Window
from core.digest.weeks import Week
from core.tickets.models import Ticket

FIGURES_VERSION = 1
UNKNOWN_DISTRICT = ""
EQUITY_GROUPINGS = {
    "language": Ticket.language,
    "district": sa.func.coalesce(Ticket.district, UNKNOWN_DISTRICT),
}
# The city is also broken down by partner, a partner by service (the "within target" chart).
CITY_GROUPINGS = {**EQUITY_GROUPINGS, "partner": Ticket.partner_id}
PARTNER_GROUPINGS = {**EQUITY_GROUPINGS, "intent": Ticket.intent_code}


def _empty_times() -> dict[str, Any]:
    return {"count": 0, "p50": None, "p90": None, "within": 0, "with_target": 0, "share": None}


def _empty_backlog() -> dict[str, Any]:
    return {
        "count": 0,
        "age_p50": None,
        "age_p90": None,
        "older_than_week": 0,
        "older_than_month": 0,
        "overdue": 0,
    }


def _empty_satisfaction() -> dict[str, Any]:
    return {"ratings": 0, "average": None, "fixed_share": None}


class Measured:
    """The week's measurements in one mode (city, or all partners), by (partner, group)."""

    def __init__(self) -> None:
        self.new: dict[Key, int] = {}
        self.resolved: dict[Key, int] = {}
        self.first: dict[Key, dict[str, Any]] = {}
        self.resolution: dict[Key, dict[str, Any]] = {}
        self.rated: dict[Key, dict[str, Any]] = {}
        self.backlog: dict[Key, dict[str, Any]] = {}

    @classmethod
    async def of(cls, queries: WeekQueries, window: Window, group: Any = None) -> Measured:
        measured = cls()
        measured.new = await queries.count_by(group, window.contains(Ticket.created_at))
        measured.resolved = await queries.count_by(group, window.contains(Ticket.resolved_at))
        measured.first = await queries.times("first_response", window, group)
        measured.resolution = await queries.times("resolution", window, group)
        measured.rated = await queries.satisfaction(window, group)
        measured.backlog = await queries.backlog(window.end, group)
        return measured

    def keys(self) -> set[Key]:
        return (
            set(self.new)
            | set(self.resolved)
            | set(self.first)
            | set(self.resolution)
            | set(self.rated)
            | set(self.backlog)
        )

    def overall(self, key: Key) -> dict[str, Any]:
        return {
            "new": self.new.get(key, 0),
            "resolved": self.resolved.get(key, 0),
            "first_response": self.first.get(key, _empty_times()),
            "resolution": self.resolution.get(key, _empty_times()),
            "backlog": self.backlog.get(key, _empty_backlog()),
            **self.rated.get(key, _empty_satisfaction()),
        }

    def group_rows(
        self, partner: Any, dimension: str, names: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        rows = []
        for key in self.keys():
            if key[0] != partner:
                continue
            figures = self.overall(key)
            label = str(key[1]) if key[1] is not None else ""
            rows.append(
                {
                    "key": label,
                    "label": names.get(label) if dimension == "partner" else None,
                    **figures,
                    "backlog": figures["backlog"]["count"],
                }
            )
        rows.sort(key=lambda row: (-row["new"], -row["resolved"], row["key"]))
        return rows


def headline(overall: Mapping[str, Any]) -> dict[str, Any]:
    """The few figures compared week on week."""
    return {
        "new": overall["new"],
        "resolved": overall["resolved"],
        "backlog": overall["backlog"].get("count", 0),
        "first_response_p50": overall["first_response"]["p50"],
        "first_response_share": overall["first_response"]["share"],
        "resolution_p50": overall["resolution"]["p50"],
        "resolution_share": overall["resolution"]["share"],
        "average": overall["average"],
    }


class ModeFigures:
    """Everything one mode measures for a week, then cut per scope."""

    def __init__(self, queries: WeekQueries, groupings: Mapping[str, Any]) -> None:
        self.queries = queries
        self.groupings = groupings

    async def measure(self, week: Week, timezone: ZoneInfo) -> None:
        queries = self.queries
        self.day_starts = week.day_starts(timezone)
        self.window = window = Window(self.day_starts[0], self.day_starts[-1])
        previous = Window(*week.previous().bounds(timezone))
        self.now = await Measured.of(queries, window)
        self.before = await Measured.of(queries, previous)
        self.groups = {
            name: await Measured.of(queries, window, column)
            for name, column in self.groupings.items()
        }
        self.closed = await queries.count_by(None, window.contains(Ticket.closed_at))
        self.reopened = await queries.reopened(window)
        self.overdue = await queries.oldest_overdue(window.end)
        self.comments = await queries.comments(window)
        self.per_day = await queries.per_day(self.day_starts)
        self.intents = await queries.intents(window)

    def scope(self, week: Week, partner: int | None, names: Mapping[str, str]) -> dict[str, Any]:
        key = (partner, None)
        overall = self.now.overall(key)
        groups = {
            name: measured.group_rows(partner, name, names)
            for name, measured in self.groups.items()
        }
        top, rises = self.intents.get(partner, ([], []))
        return {
            "version": FIGURES_VERSION,
            "week": str(week),
            "partner_id": partner,
            "partner_name": names.get(str(partner)) if partner is not None else None,
            "start": self.window.start.isoformat(),
            "end": self.window.end.isoformat(),
            "days": [day.isoformat() for day in week.days()],
            "computed_at": utcnow().isoformat(),
            "totals": {
                "new": overall["new"],
                "resolved": overall["resolved"],
                "closed": self.closed.get(key, 0),
                "reopened": self.reopened.get(partner, 0),
            },
            "headline": headline(overall),
            "previous": headline(self.before.overall(key)),
            "overall": overall,
            "overdue": self.overdue.get(partner, []),
            "comments": self.comments.get(partner, []),
            "per_day": self.per_day.get(partner, [{"new": 0, "resolved": 0} for _ in range(7)]),
            "top_intents": top,
            "rises": rises,
            "groups": groups,
            "flags": equity_flags(overall, groups),
        }


async def compute_week(
    session: AsyncSession,
    week: Week,
    timezone: ZoneInfo,
    partner_names: Mapping[str, str],
    *,
    city: bool = True,
    partners: Iterable[int] = (),
) -> dict[int | None, dict[str, Any]]:
    """The week's figures for the city (key None, if `city`) and for each of `partners`."""
    wanted = list(partners)
    result: dict[int | None, dict[str, Any]] = {}
    if city:
        whole = ModeFigures(WeekQueries(session, by_partner=False), CITY_GROUPINGS)
        await whole.measure(week, timezone)
        result[None] = whole.scope(week, None, partner_names)
    if wanted:
        each = ModeFigures(WeekQueries(session, by_partner=True), PARTNER_GROUPINGS)
        await each.measure(week, timezone)
        for partner in wanted:
            result[partner] = each.scope(week, partner, partner_names)
    return result


async def compute_scope(
    session: AsyncSession,
    week: Week,
    timezone: ZoneInfo,
    partner_id: int | None,
    partner_names: Mapping[str, str],
) -> dict[str, Any]:
    """One week's figures for the city (`partner_id` None) or one partner."""
    partners = [partner_id] if partner_id is not None else []
    computed = await compute_week(
        session, week, timezone, partner_names, city=partner_id is None, partners=partners
    )
    return computed[partner_id]


def end_of(figures: Mapping[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(figures["end"])
