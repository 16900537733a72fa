"""Equity: is any group of residents (a language, a district) served markedly worse than all?

A group is called out only when it is big enough for its figures to mean something, and only
for a gap a manager should act on; the thresholds are named here so the digest can say them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EQUITY_DIMENSIONS = ("language", "district")
MIN_GROUP_SIZE = 5  # tickets measured in the group this week
SLOWER_FACTOR = 1.5  # median time over 1.5x the whole scope's median
SHARE_GAP = 0.2  # share within target 20 points below the whole scope's
SCORE_GAP = 1.0  # average satisfaction a full point below


def _slower(
    dimension: str, row: Mapping[str, Any], overall: Mapping[str, Any]
) -> list[dict[str, Any]]:
    flags = []
    for metric in ("first_response", "resolution"):
        group, whole = row[metric], overall[metric]
        if group["count"] < MIN_GROUP_SIZE or not whole["p50"] or group["p50"] is None:
            continue
        if group["p50"] > SLOWER_FACTOR * whole["p50"]:
            flags.append(_flag(dimension, row, f"{metric}_p50", group["p50"], whole["p50"]))
        if (
            group["share"] is not None
            and whole["share"] is not None
            and group["with_target"] >= MIN_GROUP_SIZE
            and group["share"] < whole["share"] - SHARE_GAP
        ):
            flags.append(_flag(dimension, row, f"{metric}_share", group["share"], whole["share"]))
    return flags


def _flag(
    dimension: str, row: Mapping[str, Any], metric: str, value: float, whole: float
) -> dict[str, Any]:
    return {
        "dimension": dimension,
        "key": row["key"],
        "metric": metric,
        "value": value,
        "overall": whole,
    }


def equity_flags(
    overall: Mapping[str, Any], groups: Mapping[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Every group served markedly worse than the whole, worst gaps first."""
    flags: list[dict[str, Any]] = []
    for dimension in EQUITY_DIMENSIONS:
        for row in groups.get(dimension, []):
            flags += _slower(dimension, row, overall)
            if (
                row["ratings"] >= MIN_GROUP_SIZE
                and row["average"] is not None
                and overall["average"] is not None
                and row["average"] <= overall["average"] - SCORE_GAP
            ):
                flags.append(_flag(dimension, row, "average", row["average"], overall["average"]))
    return sorted(flags, key=_severity, reverse=True)


def _severity(flag: Mapping[str, Any]) -> float:
    value, whole = float(flag["value"]), float(flag["overall"])
    if flag["metric"].endswith("_p50"):
        return value / whole if whole else 0.0
    return 1 + (whole - value)  # shares and scores: the size of the gap
