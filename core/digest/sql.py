"""SQL the digest needs on both PostgreSQL and SQLite: elapsed seconds between two timestamps,
and percentiles computed in the database (window functions), never by loading tickets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

PERCENTILES = (0.5, 0.9)


class seconds_between(FunctionElement[float]):
    """`seconds_between(later, earlier)`: elapsed seconds, as a float."""

    type = sa.Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


@compiles(seconds_between)
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    # Timestamps are stored as naive UTC text on SQLite (core.db.UTCDateTime).
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def _rank_positions(count: int, share: float) -> tuple[int, float]:
    """0-based position and fraction for linear interpolation (PostgreSQL's percentile_cont)."""
    exact = share * (count - 1)
    position = int(exact)
    return position, exact - position


def _wanted_rank_condition(rank: sa.ColumnElement[int], count: sa.ColumnElement[int]) -> Any:
    """Only the rows percentile interpolation needs: for each share, the row at floor(p·(n−1))
    and the one after it (integer division is floor for the non-negative counts here)."""
    conditions = []
    for share in PERCENTILES:
        tenths = round(share * 100)
        at = (count - 1) * tenths // 100 + 1
        conditions += [rank == at, rank == at + 1]
    return sa.or_(*conditions)


async def percentiles_by_group(
    session: AsyncSession,
    value: sa.ColumnElement[float],
    keys: Sequence[sa.ColumnElement[Any]],
    source: sa.Select[Any],
) -> dict[tuple[Any, ...], dict[str, float | int | None]]:
    """{(key values): {"count", "p50", "p90"}} of `value` over the rows `source` selects.

    `source` is a select with the FROM and WHERE to measure; its columns are replaced. The
    database ranks the values within each group; only the rows the percentiles need come back.
    """
    labelled = [key.label(f"key_{index}") for index, key in enumerate(keys)]
    ranked = source.with_only_columns(
        *labelled,
        value.label("value"),
        sa.func.row_number().over(partition_by=keys, order_by=value).label("rank"),
        sa.func.count().over(partition_by=keys).label("count"),
    ).subquery()
    key_columns = [ranked.c[f"key_{index}"] for index in range(len(keys))]
    wanted = sa.select(*key_columns, ranked.c["count"], ranked.c.rank, ranked.c.value).where(
        _wanted_rank_condition(ranked.c.rank, ranked.c["count"])
    )
    rows: dict[tuple[Any, ...], dict[int, float]] = defaultdict(dict)
    counts: dict[tuple[Any, ...], int] = {}
    for row in (await session.execute(wanted)).all():
        group_key = tuple(row[: len(keys)])
        count, rank, measured = row[len(keys) :]
        rows[group_key][int(rank) - 1] = float(measured)
        counts[group_key] = int(count)
    return {key_: _interpolate(counts[key_], rows[key_]) for key_ in counts}


def _interpolate(count: int, values: dict[int, float]) -> dict[str, float | int | None]:
    result: dict[str, float | int | None] = {"count": count}
    for share in PERCENTILES:
        position, fraction = _rank_positions(count, share)
        low = values[position]
        high = values.get(position + 1, low)
        result[f"p{round(share * 100)}"] = low + fraction * (high - low)
    return result


def percentile(values: Sequence[float], share: float) -> float | None:
    """The same interpolation in Python, for tests and hand-checked fixtures."""
    ordered = sorted(values)
    if not ordered:
        return None
    position, fraction = _rank_positions(len(ordered), share)
    high = ordered[min(position + 1, len(ordered) - 1)]
    return ordered[position] + fraction * (high - ordered[position])
