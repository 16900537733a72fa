"""What the public dashboard shows: anonymised aggregates only, no ticket and no person.

Counts that could single someone out are already suppressed here (None): see
`core.publicdata.cells`. Labels are codes; the page translates them in the visitor's language.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class WeekColumn(BaseModel):
    label: str  # ISO week, "2026-W47"
    monday: dt.date
    current: bool  # the week in progress: its figures are so far


class Series(BaseModel):
    """New requests per week for one category or district, oldest week first."""

    code: str | None  # None: requests outside every district
    counts: list[int]
    total: int


class CrossRow(BaseModel):
    """One district's requests per category over the whole period (suppressed: None)."""

    district: str | None
    cells: list[int | None]  # in the order of Dashboard.groups


class Performance(BaseModel):
    """Time to resolution of the requests resolved in the period, for one service or partner."""

    code: str  # a service code, or a partner's name
    resolved: int
    median_seconds: float | None  # None below MIN_CELL resolved requests: too few to mean much
    within_target_share: float | None


class Satisfaction(BaseModel):
    ratings: int
    average_score: float | None
    fixed_share: float | None  # answered "yes, it was fixed"


class LanguageCount(BaseModel):
    code: str
    count: int | None  # None: fewer than MIN_CELL (a rare language could point at someone)


class Dashboard(BaseModel):
    generated_at: dt.datetime
    period_start: dt.datetime
    weeks: list[WeekColumn]
    groups: list[str]  # the catalog's groups that have public services, in catalog order
    by_group: list[Series]
    by_district: list[Series]
    district_by_group: list[CrossRow]
    by_service: list[Performance]
    by_partner: list[Performance]
    satisfaction: Satisfaction
    languages: list[LanguageCount]
    open_by_district: dict[str, int]
    open_outside_districts: int
    open_total: int
