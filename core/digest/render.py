"""The weekly digest rendered for one manager: an HTML mail with its charts inline, a plain-text
part, and a short summary for Telegram, all in the manager's language.

The figures are the frozen JSON of `compute.compute_scope`; the charts carry no words (see
`charts`), so the caller may draw them once per scope and pass them in for every language.
Resident comments are untrusted: the HTML template autoescapes everything it is given.
"""

from __future__ import annotations

import email.utils
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, StrictUndefined

from core.db import utcnow
from core.digest import view
from core.digest.charts import (
    FLAGGED_COLOUR,
    LANGUAGE_COLOUR,
    NEW_COLOUR,
    RESOLUTION_BY_LANGUAGE,
    RESOLVED_COLOUR,
    SHARE_COLOUR,
    VOLUME,
    WITHIN_TARGET,
    png_size,
    render_charts,
)
from core.digest.formatting import DigestFormat, _noop
from core.i18n import template_environment
from core.intents.catalog import Catalog

TEMPLATES = Path(__file__).resolve().parent / "templates"
SUMMARY_LIMIT = 1000  # characters: a Telegram photo caption holds 1024
RLM = "\u200f"

CHART_TEXT = {  # name -> (caption, alt text)
    VOLUME: (
        _noop("New and resolved tickets per day, Monday to Sunday ({dates})."),
        _noop(
            "Bar chart: new and resolved tickets for each day of the week; {new} new and "
            "{resolved} resolved in all."
        ),
    ),
    RESOLUTION_BY_LANGUAGE: (
        _noop(
            "Median time to resolution in hours, per resident language (language codes), "
            "slowest first. Dashed line: the median for everyone."
        ),
        _noop(
            "Bar chart: median time to resolution in hours for each resident language; the "
            "table gives the same figures."
        ),
    ),
}
WITHIN_TARGET_TEXT = {  # the city's digest (per partner) or a partner's (per service)
    "partner": (
        _noop(
            "Percent of the tickets resolved within target, per partner, lowest first. Dashed "
            "line: the share for the whole city."
        ),
        _noop(
            "Bar chart: percent of the tickets resolved within target for each partner; the "
            "table gives the same figures."
        ),
    ),
    "intent": (
        _noop(
            "Percent of the tickets resolved within target, per service (service codes), lowest "
            "first. Dashed line: the share for the partner as a whole."
        ),
        _noop(
            "Bar chart: percent of the tickets resolved within target for each service; the "
            "table gives the same figures."
        ),
    ),
}
LEGENDS = {
    VOLUME: ((NEW_COLOUR, _noop("New")), (RESOLVED_COLOUR, _noop("Resolved"))),
    RESOLUTION_BY_LANGUAGE: (
        (LANGUAGE_COLOUR, _noop("Median time to resolution")),
        (FLAGGED_COLOUR, _noop("Called out below (hatched)")),
    ),
    WITHIN_TARGET: ((SHARE_COLOUR, _noop("Resolved within target")),),
}


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str  # the plain-text part
    html: str  # full HTML document; images referenced via image_src(name)
    images: dict[str, bytes]  # chart name -> PNG (the same names as render_charts)
    summary: str  # short plain-text Telegram summary, <= 1000 characters (a photo caption)


@functools.cache
def environment(locale: str) -> Environment:
    return template_environment(
        TEMPLATES, locale, undefined=StrictUndefined, keep_trailing_newline=True
    )


def render_digest(
    figures: Mapping[str, Any],
    locale: str,
    *,
    city_name: str,
    public_url: str,
    timezone: ZoneInfo,
    catalog: Catalog | None = None,
    charts: Mapping[str, bytes] | None = None,
    image_src: Callable[[str], str] = lambda name: f"cid:{name}",
) -> RenderedDigest:
    """One scope's week (`compute_scope`'s figures) for one manager, in `locale`."""
    images = dict(charts) if charts is not None else render_charts(figures)
    fmt = DigestFormat(locale, timezone, catalog)
    first, last = view.week_dates(figures)
    name = view.scope_name(figures, city_name)
    dates = fmt.days(first, last)
    context = _context(figures, fmt, city_name, public_url, images, image_src)
    subject = " ".join(
        fmt._("Weekly digest for {name}: {dates}").format(name=name, dates=dates).split()
    )
    title = fmt._("Weekly digest for {name}").format(name=name)
    context.update(subject=subject, title=title, name=name, dates=dates)
    return RenderedDigest(
        subject=subject,
        text=environment(locale).get_template("digest.txt").render(context),
        html=environment(locale).get_template("digest.html").render(context),
        images=images,
        summary=summary(figures, fmt, name, dates, view.digest_url(public_url, figures)),
    )


def _context(
    figures: Mapping[str, Any],
    fmt: DigestFormat,
    city_name: str,
    public_url: str,
    images: Mapping[str, bytes],
    image_src: Callable[[str], str],
) -> dict[str, Any]:
    overall, totals = figures.get("overall") or {}, figures.get("totals") or {}
    backlog = overall.get("backlog") or {}
    partner = figures.get("partner_id") is not None
    week_number = int(str(figures["week"]).split("-W")[-1])
    return {
        "locale": fmt.locale,
        "dir": "rtl" if fmt.rtl else "ltr",
        "start": "right" if fmt.rtl else "left",
        "end": "left" if fmt.rtl else "right",
        "city": city_name,
        "partner": partner,
        "week_label": fmt._("Week {number}").format(number=fmt.count(week_number)),
        "headline": view.headline_rows(figures, fmt),
        "totals": [
            (fmt._("New"), fmt.count(totals.get("new"))),
            (fmt._("Resolved"), fmt.count(totals.get("resolved"))),
            (fmt._("Closed"), fmt.count(totals.get("closed"))),
            (fmt._("Reopened"), fmt.count(totals.get("reopened"))),
        ],
        "per_day": _per_day(figures, fmt),
        "backlog": [
            (fmt._("Open at the end of the week"), fmt.count(backlog.get("count"))),
            (fmt._("Median age"), fmt.duration(backlog.get("age_p50"))),
            (fmt._("90th percentile of age"), fmt.duration(backlog.get("age_p90"))),
            (fmt._("Older than a week"), fmt.count(backlog.get("older_than_week"))),
            (fmt._("Older than a month"), fmt.count(backlog.get("older_than_month"))),
            (fmt._("Overdue"), fmt.count(backlog.get("overdue"))),
        ],
        "times": [
            _times(fmt._("First response"), overall.get("first_response"), fmt),
            _times(fmt._("Resolution"), overall.get("resolution"), fmt),
        ],
        "overdue": view.overdue_rows(figures, fmt, public_url),
        "overdue_note": _overdue_note(figures, fmt),
        "satisfaction": [
            (fmt._("Ratings"), fmt.count(overall.get("ratings", 0))),
            (fmt._("Average score (1 to 5)"), fmt.decimal(overall.get("average"))),
            (fmt._("Answered “fixed”"), fmt.share(overall.get("fixed_share"))),
        ],
        "comments": view.comment_rows(figures, fmt, public_url),
        "top_intents": [
            (fmt.intent(str(row["intent"])), fmt.count(row["count"]))
            for row in figures.get("top_intents") or []
        ],
        "rises": [view.rise_sentence(rise, fmt) for rise in figures.get("rises") or []],
        "flags": [
            text for flag in figures.get("flags") or [] if (text := view.flag_sentence(flag, fmt))
        ],
        "no_flags": fmt._(view.NO_FLAGS),
        "equity_rule": view.equity_rule(fmt),
        "languages": view.equity_rows(figures, "language", fmt),
        "districts": view.equity_rows(figures, "district", fmt),
        "breakdown": view.breakdown_rows(figures, fmt),
        "charts": _charts(figures, fmt, images, image_src),
        "link": view.digest_url(public_url, figures),
        "computed": fmt.moment(figures.get("computed_at")),
    }


def _times(label: str, measured: Mapping[str, Any] | None, fmt: DigestFormat) -> dict[str, str]:
    measured = measured or {}
    return {
        "label": label,
        "count": fmt.count(measured.get("count", 0)),
        "p50": fmt.duration(measured.get("p50")),
        "p90": fmt.duration(measured.get("p90")),
        "share": fmt.share(measured.get("share")),
        "within": fmt._("{within} of {total}").format(
            within=fmt.count(measured.get("within", 0)),
            total=fmt.count(measured.get("with_target", 0)),
        ),
    }


def _per_day(figures: Mapping[str, Any], fmt: DigestFormat) -> list[tuple[str, str, str]]:
    days = figures.get("days") or []
    return [
        (fmt.weekday(day), fmt.count(counts.get("new", 0)), fmt.count(counts.get("resolved", 0)))
        for day, counts in zip(days, figures.get("per_day") or [], strict=False)
    ]


def _overdue_note(figures: Mapping[str, Any], fmt: DigestFormat) -> str:
    total = int(((figures.get("overall") or {}).get("backlog") or {}).get("overdue") or 0)
    listed = len(figures.get("overdue") or [])
    if not total and not listed:
        return fmt._("Nothing was overdue at the end of the week.")
    note = fmt.ngettext(
        "{count} ticket was overdue at the end of the week.",
        "{count} tickets were overdue at the end of the week.",
        total,
    ).format(count=fmt.count(total))
    if listed < total:
        note += " " + fmt._("The oldest {listed}:").format(listed=fmt.count(listed))
    return note


def _charts(
    figures: Mapping[str, Any],
    fmt: DigestFormat,
    images: Mapping[str, bytes],
    image_src: Callable[[str], str],
) -> dict[str, dict[str, Any]]:
    totals = figures.get("totals") or {}
    dimension = "intent" if "intent" in (figures.get("groups") or {}) else "partner"
    texts = {**CHART_TEXT, WITHIN_TARGET: WITHIN_TARGET_TEXT[dimension]}
    found = {}
    for name, data in images.items():
        caption, alt = texts.get(name, ("", ""))
        width, height = png_size(data)
        found[name] = {
            "src": image_src(name),
            "width": width,
            "height": height,
            "caption": fmt._(caption).format(dates=fmt.days(*view.week_dates(figures)))
            if caption
            else "",
            "alt": fmt._(alt).format(
                new=fmt.count(totals.get("new", 0)), resolved=fmt.count(totals.get("resolved", 0))
            )
            if alt
            else name,
            "legend": [(colour, fmt._(label)) for colour, label in LEGENDS.get(name, ())],
        }
    return found


def summary(figures: Mapping[str, Any], fmt: DigestFormat, name: str, dates: str, link: str) -> str:
    """A few short lines for Telegram (a photo caption, so at most SUMMARY_LIMIT characters)."""
    now, before = figures.get("headline") or {}, figures.get("previous") or {}
    overall = figures.get("overall") or {}
    backlog = overall.get("backlog") or {}
    flags = len(figures.get("flags") or [])
    lines = [
        fmt._("New: {new} ({new_change}), resolved: {resolved} ({resolved_change})").format(
            new=fmt.count(now.get("new")),
            new_change=fmt.change(now.get("new"), before.get("new"), "count"),
            resolved=fmt.count(now.get("resolved")),
            resolved_change=fmt.change(now.get("resolved"), before.get("resolved"), "count"),
        ),
        fmt._("Open at the end of the week: {count}, of them overdue: {overdue}").format(
            count=fmt.count(backlog.get("count", 0)), overdue=fmt.count(backlog.get("overdue", 0))
        ),
        fmt._("Resolved within target: {share}").format(
            share=fmt.share(now.get("resolution_share"))
        ),
        fmt._("Satisfaction: average {average}, answered “fixed” {fixed}").format(
            average=fmt.decimal(overall.get("average")), fixed=fmt.share(overall.get("fixed_share"))
        )
        if overall.get("ratings")
        else fmt._("Satisfaction: no ratings this week"),
        fmt.ngettext(
            "{count} group of residents served markedly worse than everyone",
            "{count} groups of residents served markedly worse than everyone",
            flags,
        ).format(count=fmt.count(flags))
        if flags
        else fmt._("No group of residents served markedly worse than everyone"),
        fmt._("Full digest: {link}").format(link=link),
    ]
    mark = RLM if fmt.rtl else ""  # each line starts right to left in Arabic
    lines = [mark + line for line in lines]
    title = mark + fmt._("Weekly digest for {name}: {dates}")
    room = SUMMARY_LIMIT - len("\n".join(["", *lines])) - len(title.format(name="", dates=dates))
    if len(name) > room:
        name = name[: max(room - 1, 0)] + "…"
    return "\n".join([title.format(name=name, dates=dates), *lines])[:SUMMARY_LIMIT]


def digest_mail(rendered: RenderedDigest, sender: str, recipient: str) -> EmailMessage:
    """multipart/alternative: the text, then multipart/related with the HTML and its charts
    (each inline, with the Content-ID its `cid:` reference names)."""
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = email.utils.format_datetime(utcnow())
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2] or "civicdesk.invalid"
    message["Message-ID"] = email.utils.make_msgid("digest", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    html_part = next(part for part in message.iter_parts() if part.get_content_subtype() == "html")
    for name, data in rendered.images.items():
        html_part.add_related(
            data,
            maintype="image",
            subtype="png",
            cid=f"<{name}>",
            filename=f"{name}.png",
            disposition="inline",
        )
    return message
