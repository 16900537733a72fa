"""The public dashboard's figures: SQL aggregates over public requests only, cached briefly.

Every query starts from `privacy.public_tickets` (no sensitive service, no private ticket) and
reads one period through an index on the moment it counts, so the cost follows the period's
volume. Definitions:
- period: the last `WEEKS_SHOWN` ISO weeks in the city's timezone, the current one included (its
  figures are "so far").
- requests per week: public requests created in each week, by category (the catalog's groups:
  a handful of readable lines, where some thirty services would be mostly empty cells) and by
  district; the district x category table sums the period, with small cells suppressed.
- time to resolution and share within target (per service, per partner): requests resolved in
  the period, as in the weekly digest (`core.digest.figures`), medians only from `MIN_CELL`
  resolved requests up.
- satisfaction: "was it fixed?" answers given in the period about public requests.
- languages: public requests created in the period per resident language, small counts hidden.
- open requests: public requests open now, per district (the map).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.digest.figures import WeekQueries, Window
from core.digest.weeks import Week
from core.intents.catalog import Catalog
from core.partners.models import Partner
from core.publicdata.cells import MIN_CELL, suppress_table
from core.publicdata.privacy import public_intent_codes, public_tickets
from core.publicdata.schemas import (
    CrossRow,
    Dashboard,
    LanguageCount,
    Performance,
    Satisfaction,
    Series,
    WeekColumn,
)
from core.tickets.models import Ticket, status_in
from core.tickets.status import OPEN_STATUSES

WEEKS_SHOWN = 12
CACHE_SECONDS = 60.0  # a public page: fresh enough, and reloading it cannot load the database


class PublicQueries(WeekQueries):
    """The digest's queries, restricted to what the public may see: every one of them applies
    `restrictions()`, so the privacy rule holds for all of them at once."""

    def __init__(self, session: AsyncSession, by_partner: bool, catalog: Catalog) -> None:
        super().__init__(session, by_partner)
        self.public = public_tickets(catalog)

    def restrictions(self) -> list[sa.ColumnElement[bool]]:
        return [self.public]


def shown_weeks(now: dt.datetime, timezone: ZoneInfo) -> list[Week]:
    current = Week.containing(now, timezone)
    return [current.previous(back) for back in range(WEEKS_SHOWN - 1, -1, -1)]


async def compute_dashboard(
    session: AsyncSession, catalog: Catalog, timezone: ZoneInfo, now: dt.datetime | None = None
) -> Dashboard:
    now = now or utcnow()
    weeks = shown_weeks(now, timezone)
    bounds = [week.bounds(timezone) for week in weeks]
    period = Window(bounds[0][0], bounds[-1][1])
    queries = PublicQueries(session, False, catalog)
    group_of = {code: catalog.intents[code].group for code in public_intent_codes(catalog)}
    groups = [group.code for group in catalog.groups if group.code in group_of.values()]
    groups += sorted(set(group_of.values()) - set(groups))  # groups the groups file forgot

    created = await _weekly(queries, bounds, period)
    by_group: dict[str, list[int]] = defaultdict(lambda: [0] * len(weeks))
    by_district: dict[str | None, list[int]] = defaultdict(lambda: [0] * len(weeks))
    cross: dict[tuple[str | None, str], int] = defaultdict(int)
    for (intent, district), counts in created.items():
        group = group_of[intent]
        for index, count in enumerate(counts):
            by_group[group][index] += count
            by_district[district][index] += count
        cross[(district, group)] += sum(counts)
    districts = sorted(by_district, key=lambda code: (code is None, code or ""))
    full = {(d, g): cross.get((d, g), 0) for d in districts for g in groups}
    shown = suppress_table(full)

    return Dashboard(
        generated_at=now,
        period_start=period.start,
        weeks=[
            WeekColumn(label=str(week), monday=week.monday, current=index == len(weeks) - 1)
            for index, week in enumerate(weeks)
        ],
        groups=groups,
        by_group=[_series(g, by_group.get(g, [0] * len(weeks))) for g in groups],
        by_district=[_series(d, by_district[d]) for d in districts],
        district_by_group=[
            CrossRow(district=d, cells=[shown[(d, g)] for g in groups]) for d in districts
        ],
        by_service=await _performance(queries, period, Ticket.intent_code, None),
        by_partner=await _performance(
            PublicQueries(session, True, catalog), period, None, await _partner_names(session)
        ),
        satisfaction=await _satisfaction(queries, period),
        languages=await _languages(queries, period),
        **await _open_now(queries),
    )


def _series(code: str | None, counts: list[int]) -> Series:
    return Series(code=code, counts=counts, total=sum(counts))


async def _weekly(
    queries: PublicQueries, bounds: list[tuple[dt.datetime, dt.datetime]], period: Window
) -> dict[tuple[str, str | None], list[int]]:
    """New requests per week for every (service, district) pair, in one pass over the period."""
    moment = Ticket.created_at
    sums = [
        sa.func.sum(sa.case((sa.and_(moment >= start, moment < end), 1), else_=0))
        for start, end in bounds
    ]
    statement = (
        queries.tickets(period.contains(moment))
        .with_only_columns(Ticket.intent_code, Ticket.district, *sums)
        .group_by(Ticket.intent_code, Ticket.district)
    )
    rows = (await queries.session.execute(statement)).all()
    return {(row[0], row[1]): [int(value or 0) for value in row[2:]] for row in rows}


async def _partner_names(session: AsyncSession) -> dict[Any, str]:
    """Partners are public institutions (departments, nonprofits): their names may be shown."""
    rows = await session.execute(sa.select(Partner.id, Partner.name))
    return {row[0]: row[1] for row in rows}


async def _performance(
    queries: PublicQueries,
    period: Window,
    group: Any,
    partner_names: dict[Any, str] | None,
) -> list[Performance]:
    measured = await queries.times("resolution", period, group)
    result = []
    for (partner, value), entry in measured.items():
        code = partner_names.get(partner, str(partner)) if partner_names else str(value)
        enough = entry["count"] >= MIN_CELL
        result.append(
            Performance(
                code=code,
                resolved=entry["count"],
                median_seconds=entry["p50"] if enough else None,
                within_target_share=entry["share"] if enough else None,
            )
        )
    return sorted(result, key=lambda row: (-row.resolved, row.code))


async def _satisfaction(queries: PublicQueries, period: Window) -> Satisfaction:
    rated = (await queries.satisfaction(period, None)).get((None, None), {})
    return Satisfaction(
        ratings=rated.get("ratings", 0),
        average_score=rated.get("average"),
        fixed_share=rated.get("fixed_share"),
    )


async def _languages(queries: PublicQueries, period: Window) -> list[LanguageCount]:
    counts = await queries.count_by(Ticket.language, period.contains(Ticket.created_at))
    # One column whose total the page shows: a lone hidden language would be total minus others.
    shown = suppress_table({(str(key[1]), "all"): count for key, count in counts.items()})
    ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0][1])))
    return [
        LanguageCount(code=str(key[1]), count=shown[(str(key[1]), "all")]) for key, _ in ordered
    ]


async def _open_now(queries: PublicQueries) -> dict[str, Any]:
    counts = await queries.count_by(Ticket.district, status_in(OPEN_STATUSES))
    by_district = {str(key[1]): count for key, count in counts.items() if key[1] is not None}
    outside = sum(count for key, count in counts.items() if key[1] is None)
    return {
        "open_by_district": by_district,
        "open_outside_districts": outside,
        "open_total": sum(counts.values()),
    }


class DashboardCache:
    """The last figures for `CACHE_SECONDS`; concurrent visitors wait for one computation
    rather than each starting their own (a burst of visitors costs one set of queries)."""

    def __init__(
        self, seconds: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds, self.clock = seconds, clock
        self._value: Dashboard | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def get(self, compute: Callable[[], Awaitable[Dashboard]]) -> Dashboard:
        if self._value is not None and self.clock() < self._expires:
            return self._value
        async with self._lock:
            if self._value is None or self.clock() >= self._expires:
                self._value = await compute()
                self._expires = self.clock() + self.seconds
            return self._value


async def public_dashboard(
    session: AsyncSession, catalog: Catalog, timezone: ZoneInfo, cache: DashboardCache
) -> Dashboard:
    """The dashboard as the public sees it, computed at most once per `CACHE_SECONDS`."""
    return await cache.get(lambda: compute_dashboard(session, catalog, timezone))
