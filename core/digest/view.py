"""What the digest says, as display text in the manager's language; the templates only place it.

Every sentence is a whole translatable string with named placeholders (filled with .format()),
so that translators can reorder it; counts in running text go through ngettext.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from core.digest import charts
from core.digest.equity import MIN_GROUP_SIZE, SCORE_GAP, SHARE_GAP, SLOWER_FACTOR
from core.digest.formatting import MISSING, DigestFormat, _noop
from core.digest.weeks import Week

HEADLINE = (  # compared with the previous week: (figure, label, kind of value)
    ("new", _noop("New tickets"), "count"),
    ("resolved", _noop("Resolved"), "count"),
    ("backlog", _noop("Open at the end of the week"), "count"),
    ("first_response_p50", _noop("Median time to first response"), "duration"),
    ("first_response_share", _noop("First responses within target"), "share"),
    ("resolution_p50", _noop("Median time to resolution"), "duration"),
    ("resolution_share", _noop("Resolved within target"), "share"),
    ("average", _noop("Average score (1 to 5)"), "score"),
)
ANSWERS = {"yes": _noop("fixed"), "no": _noop("not fixed"), "partly": _noop("partly fixed")}
_LANGUAGE, _DISTRICT, _UNKNOWN = "language", "district", "unknown"
FLAG_TEXT = {
    (_LANGUAGE, "first_response_p50"): _noop(
        "Residents writing in {group} waited {factor} times as long as everyone for a first "
        "response (median {value} against {overall})."
    ),
    (_LANGUAGE, "resolution_p50"): _noop(
        "Residents writing in {group} waited {factor} times as long as everyone for a "
        "resolution (median {value} against {overall})."
    ),
    (_LANGUAGE, "first_response_share"): _noop(
        "Only {value} of the first responses to residents writing in {group} came within "
        "target, against {overall} for everyone."
    ),
    (_LANGUAGE, "resolution_share"): _noop(
        "Only {value} of the tickets of residents writing in {group} were resolved within "
        "target, against {overall} for everyone."
    ),
    (_LANGUAGE, "average"): _noop(
        "Residents writing in {group} gave an average score of {value}, against {overall} "
        "for everyone."
    ),
    (_DISTRICT, "first_response_p50"): _noop(
        "Residents of the district {group} waited {factor} times as long as everyone for a "
        "first response (median {value} against {overall})."
    ),
    (_DISTRICT, "resolution_p50"): _noop(
        "Residents of the district {group} waited {factor} times as long as everyone for a "
        "resolution (median {value} against {overall})."
    ),
    (_DISTRICT, "first_response_share"): _noop(
        "Only {value} of the first responses to residents of the district {group} came within "
        "target, against {overall} for everyone."
    ),
    (_DISTRICT, "resolution_share"): _noop(
        "Only {value} of the tickets of residents of the district {group} were resolved within "
        "target, against {overall} for everyone."
    ),
    (_DISTRICT, "average"): _noop(
        "Residents of the district {group} gave an average score of {value}, against {overall} "
        "for everyone."
    ),
    (_UNKNOWN, "first_response_p50"): _noop(
        "Residents whose district is unknown waited {factor} times as long as everyone for a "
        "first response (median {value} against {overall})."
    ),
    (_UNKNOWN, "resolution_p50"): _noop(
        "Residents whose district is unknown waited {factor} times as long as everyone for a "
        "resolution (median {value} against {overall})."
    ),
    (_UNKNOWN, "first_response_share"): _noop(
        "Only {value} of the first responses to residents whose district is unknown came "
        "within target, against {overall} for everyone."
    ),
    (_UNKNOWN, "resolution_share"): _noop(
        "Only {value} of the tickets of residents whose district is unknown were resolved "
        "within target, against {overall} for everyone."
    ),
    (_UNKNOWN, "average"): _noop(
        "Residents whose district is unknown gave an average score of {value}, against "
        "{overall} for everyone."
    ),
}
EQUITY_RULE = _noop(
    "A group of residents is called out when at least {size} of its tickets were measured and "
    "its median time is over {factor} times everyone's, its share within target is {gap} "
    "points lower, or its average score is {score} lower."
)
NO_FLAGS = _noop("No group of residents was served markedly worse than everyone this week.")


def week_dates(figures: Mapping[str, Any]) -> tuple[dt.date, dt.date]:
    """The week's first and last local day."""
    days = figures.get("days") or [str(day) for day in Week.parse(str(figures["week"])).days()]
    return dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1])


def scope_name(figures: Mapping[str, Any], city_name: str) -> str:
    if figures.get("partner_id") is None:
        return city_name
    return str(figures.get("partner_name") or "") or f"#{figures['partner_id']}"


def headline_rows(figures: Mapping[str, Any], fmt: DigestFormat) -> list[dict[str, str]]:
    now, before = figures.get("headline") or {}, figures.get("previous") or {}
    values: dict[str, Callable[[Any], str]] = {
        "count": fmt.count,
        "duration": fmt.duration,
        "share": fmt.share,
        "score": fmt.decimal,
    }
    return [
        {
            "label": fmt._(label),
            "value": values[kind](now.get(key)),
            "previous": values[kind](before.get(key)),
            "change": fmt.change(now.get(key), before.get(key), kind),
        }
        for key, label, kind in HEADLINE
    ]


def flag_sentence(flag: Mapping[str, Any], fmt: DigestFormat) -> str:
    dimension, key, metric = flag["dimension"], str(flag["key"]), flag["metric"]
    kind = _LANGUAGE if dimension == "language" else (_DISTRICT if key else _UNKNOWN)
    template = FLAG_TEXT.get((kind, metric))
    if template is None:
        return ""
    value, overall = flag["value"], flag["overall"]
    if metric.endswith("_p50"):
        shown = {"value": fmt.duration(value), "overall": fmt.duration(overall)}
        shown["factor"] = fmt.decimal(value / overall) if overall else MISSING
    elif metric.endswith("_share"):
        shown = {"value": fmt.share(value), "overall": fmt.share(overall)}
    else:
        shown = {"value": fmt.decimal(value), "overall": fmt.decimal(overall)}
    group = fmt.language(key, in_sentence=True) if kind == _LANGUAGE else key
    return fmt._(template).format(group=group, **shown)


def equity_rule(fmt: DigestFormat) -> str:
    return fmt._(EQUITY_RULE).format(
        size=fmt.count(MIN_GROUP_SIZE),
        factor=fmt.decimal(SLOWER_FACTOR),
        gap=fmt.count(round(SHARE_GAP * 100)),
        score=fmt.decimal(SCORE_GAP),
    )


def flagged_metrics(figures: Mapping[str, Any], dimension: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for flag in figures.get("flags") or []:
        if flag.get("dimension") == dimension:
            found.setdefault(str(flag["key"]), set()).add(str(flag["metric"]))
    return found


def equity_rows(
    figures: Mapping[str, Any], dimension: str, fmt: DigestFormat
) -> list[dict[str, Any]]:
    flagged = flagged_metrics(figures, dimension)
    rows = []
    for row in (figures.get("groups") or {}).get(dimension) or []:
        key = str(row["key"])
        first, resolution = row["first_response"], row["resolution"]
        if dimension == "language":
            name, code = fmt.language(key), charts.chart_label(row, "language")
        else:
            name, code = fmt.district(key), ""
        rows.append(
            {
                "name": name,
                "code": code,
                "new": fmt.count(row["new"]),
                "first_p50": fmt.duration(first["p50"]),
                "resolution_p50": fmt.duration(resolution["p50"]),
                "share": fmt.share(resolution["share"]),
                "average": fmt.decimal(row["average"]),
                "ratings": fmt.count(row["ratings"]),
                "flagged": flagged.get(key, set()),
            }
        )
    return rows


def breakdown_rows(figures: Mapping[str, Any], fmt: DigestFormat) -> list[dict[str, Any]]:
    """Per partner (the city's digest) or per service (a partner's)."""
    groups = figures.get("groups") or {}
    dimension = "intent" if "intent" in groups else "partner"
    rows = []
    for row in groups.get(dimension) or []:
        key = str(row["key"])
        name = fmt.intent(key) if dimension == "intent" else fmt.partner(row)
        code = charts.chart_label(row, dimension)
        rows.append(
            {
                "name": name,
                "code": code if code != name else "",
                "new": fmt.count(row["new"]),
                "resolved": fmt.count(row["resolved"]),
                "backlog": fmt.count(row["backlog"]),
                "resolution_p50": fmt.duration(row["resolution"]["p50"]),
                "share": fmt.share(row["resolution"]["share"]),
                "average": fmt.decimal(row["average"]),
            }
        )
    return rows


def overdue_rows(
    figures: Mapping[str, Any], fmt: DigestFormat, public_url: str
) -> list[dict[str, str]]:
    return [
        {
            "reference": str(row["reference"]),
            "url": ticket_url(public_url, row["ticket_id"]),
            "service": fmt.intent(str(row["intent"])),
            "due": fmt._("due {moment}").format(moment=fmt.moment(row.get("due_at"))),
            "language": fmt.language(str(row.get("language") or "")),
            "district": fmt.district(str(row.get("district") or "")),
        }
        for row in figures.get("overdue") or []
    ]


def comment_rows(
    figures: Mapping[str, Any], fmt: DigestFormat, public_url: str
) -> list[dict[str, str]]:
    rows = []
    for comment in figures.get("comments") or []:
        details = [fmt._(ANSWERS.get(str(comment.get("answer")), ANSWERS["partly"]))]
        if comment.get("score") is not None:
            details.insert(0, fmt._("score {score} of 5").format(score=fmt.count(comment["score"])))
        details.append(fmt.language(str(comment.get("language") or "")))
        rows.append(
            {
                "reference": str(comment["reference"]),
                "url": ticket_url(public_url, comment["ticket_id"]),
                "details": " · ".join(details),
                "text": str(comment["text"]),
            }
        )
    return rows


def rise_sentence(rise: Mapping[str, Any], fmt: DigestFormat) -> str:
    return fmt.ngettext(
        "{service}: {count} new ticket this week, against {average} a week before.",
        "{service}: {count} new tickets this week, against {average} a week before.",
        int(rise["count"]),
    ).format(
        service=fmt.intent(str(rise["intent"])),
        count=fmt.count(rise["count"]),
        average=fmt.decimal(rise["previous_average"]),
    )


def ticket_url(public_url: str, ticket_id: Any) -> str:
    return f"{public_url.rstrip('/')}/tickets/{ticket_id}"


def digest_url(public_url: str, figures: Mapping[str, Any]) -> str:
    return f"{public_url.rstrip('/')}/digests/{figures['week']}"
