"""Assemble one scope's week: headline figures, groups, equity, the previous week to compare.

The result is plain JSON (stored in `digests.figures`), so that a digest rendered months later
shows exactly what its managers were sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.digest.equity import equity_flags
from core.digest.figures import ScopeQueries, Window
from core.digest.weeks import Week
from core.tickets.models import Ticket

FIGURES_VERSION = 1
UNKNOWN_DISTRICT = ""


def _groupings(partner_id: int | None) -> dict[str, Any]:
    """What a scope is broken down by: languages and districts (equity), and partners for the
    city or services for one partner (the "share within target" chart)."""
    groups: dict[str, Any] = {
        "language": Ticket.language,
        "district": sa.func.coalesce(Ticket.district, UNKNOWN_DISTRICT),
    }
    if partner_id is None:
        groups["partner"] = Ticket.partner_id
    else:
        groups["intent"] = Ticket.intent_code
    return groups


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


async def overall_figures(queries: ScopeQueries, window: Window) -> dict[str, Any]:
    """The scope's figures as a whole (no breakdown)."""
    return {
        "new": (await queries.count_by(None, window.contains(Ticket.created_at))).get(None, 0),
        "resolved": (await queries.count_by(None, window.contains(Ticket.resolved_at))).get(
            None, 0
        ),
        "first_response": (await queries.times("first_response", window, None)).get(
            None, _empty_times()
        ),
        "resolution": (await queries.times("resolution", window, None)).get(None, _empty_times()),
        "backlog": (await queries.backlog(window.end)).get(None, _empty_backlog()),
        **(await queries.satisfaction(window, None)).get(None, _empty_satisfaction()),
    }


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


def _key(value: Hashable) -> str:
    return "" if value is None else str(value)


async def _groups(
    queries: ScopeQueries, window: Window, names: Mapping[str, str]
) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    for dimension, column in _groupings(queries.partner_id).items():
        new = await queries.count_by(column, window.contains(Ticket.created_at))
        resolved = await queries.count_by(column, window.contains(Ticket.resolved_at))
        first = await queries.times("first_response", window, column)
        resolution = await queries.times("resolution", window, column)
        rated = await queries.satisfaction(window, column)
        backlog = await queries.backlog(window.end, column)
        keys = set(new) | set(resolved) | set(first) | set(resolution) | set(rated) | set(backlog)
        rows = [
            {
                "key": _key(key),
                "label": names.get(_key(key)) if dimension == "partner" else None,
                "new": new.get(key, 0),
                "resolved": resolved.get(key, 0),
                "backlog": backlog.get(key, {}).get("count", 0),
                "first_response": first.get(key, _empty_times()),
                "resolution": resolution.get(key, _empty_times()),
                **rated.get(key, _empty_satisfaction()),
            }
            for key in keys
        ]
        rows.sort(key=lambda row: (-row["new"], -row["resolved"], row["key"]))
        result[dimension] = rows
    return result


async def compute_scope(
    session: AsyncSession,
    week: Week,
    timezone: ZoneInfo,
    partner_id: int | None,
    partner_names: Mapping[str, str],
) -> dict[str, Any]:
    """All figures of one week for the city (`partner_id` None) or one partner."""
    day_starts = week.day_starts(timezone)
    window = Window(day_starts[0], day_starts[-1])
    previous = Window(*week.previous().bounds(timezone))
    queries = ScopeQueries(session, partner_id)
    overall = await overall_figures(queries, window)
    closed = await queries.count_by(None, window.contains(Ticket.closed_at))
    top, rises = await queries.intents(window)
    groups = await _groups(queries, window, partner_names)
    return {
        "version": FIGURES_VERSION,
        "week": str(week),
        "partner_id": partner_id,
        "partner_name": partner_names.get(str(partner_id)) if partner_id is not None else None,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "days": [day.isoformat() for day in week.days()],
        "computed_at": utcnow().isoformat(),
        "totals": {
            "new": overall["new"],
            "resolved": overall["resolved"],
            "closed": closed.get(None, 0),
            "reopened": await queries.reopened(window),
        },
        "headline": headline(overall),
        "previous": headline(await overall_figures(queries, previous)),
        "overall": overall,
        "overdue": await queries.oldest_overdue(window.end),
        "comments": await queries.comments(window),
        "per_day": await queries.per_day(day_starts),
        "top_intents": top,
        "rises": rises,
        "groups": groups,
        "flags": equity_flags(overall, groups),
    }


def week_of(figures: Mapping[str, Any]) -> Week:
    return Week.parse(figures["week"])


def end_of(figures: Mapping[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(figures["end"])
