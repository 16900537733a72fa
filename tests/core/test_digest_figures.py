"""The digest's figures against a week computed by hand, on SQLite and PostgreSQL.

The week is 2026-W43 in Europe/Berlin: Monday 19 October 00:00 CEST (18 Oct 22:00 UTC) to
Monday 26 October 00:00 CET (25 Oct 23:00 UTC). Clocks go back on Sunday 25 October, so the
week lasts 169 hours and its Sunday 25.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.digest.compute import compute_scope, compute_week
from core.digest.equity import equity_flags
from core.digest.sql import percentile
from core.digest.weeks import Week
from core.services import Services
from core.tickets.models import (
    ActorType,
    Channel,
    EventKind,
    Rating,
    RatingAnswer,
    Ticket,
    TicketEvent,
    Visibility,
)
from core.tickets.status import TicketStatus
from tests.factories import create_partner

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = Week(2026, 43)
_references = itertools.count(1)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def hours(value: float) -> float:
    return value * 3600


async def add_ticket(
    session: AsyncSession,
    partner_id: int,
    created: str,
    status: TicketStatus,
    *,
    intent: str = "pothole",
    language: str = "en",
    district: str | None = "north",
    first_response: str | None = None,
    resolved: str | None = None,
    closed: str | None = None,
    first_due: str | None = None,
    resolution_due: str | None = None,
) -> Ticket:
    ticket = Ticket(
        reference=f"FX-{next(_references):05d}",
        intent_code=intent,
        partner_id=partner_id,
        status=status,
        channel=Channel.TELEGRAM,
        language=language,
        district=district,
        created_at=utc(created),
        updated_at=utc(created),
        first_response_at=utc(first_response) if first_response else None,
        resolved_at=utc(resolved) if resolved else None,
        closed_at=utc(closed) if closed else None,
        first_response_due_at=utc(first_due) if first_due else None,
        resolution_due_at=utc(resolution_due) if resolution_due else None,
    )
    session.add(ticket)
    await session.flush()
    return ticket


async def rate(
    session: AsyncSession,
    ticket: Ticket,
    at: str,
    answer: RatingAnswer,
    score: int | None,
    text: str,
) -> None:
    session.add(
        Rating(ticket_id=ticket.id, answer=answer, score=score, comment=text, created_at=utc(at))
    )


async def reopen(session: AsyncSession, ticket: Ticket, at: str) -> None:
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            kind=EventKind.STATUS_CHANGED,
            actor_type=ActorType.RESIDENT,
            before={"status": "resolved"},
            after={"status": "reopened"},
            visibility=Visibility.PUBLIC,
            created_at=utc(at),
        )
    )


async def fixture_week(session: AsyncSession, services: Services) -> dict[str, Any]:
    roads = await create_partner(session, services, "fx-roads")
    parks = await create_partner(session, services, "fx-parks")
    S = TicketStatus
    a = await add_ticket(  # created the week before; answered after 70 h, resolved after 96 h
        session, roads.id, "2026-10-16 10:00", S.RESOLVED,
        first_response="2026-10-19 08:00", resolved="2026-10-20 10:00",
        first_due="2026-10-16 18:00", resolution_due="2026-10-21 00:00",
    )  # fmt: skip
    b = await add_ticket(  # the week's first instant (Monday 00:00 local)
        session, roads.id, "2026-10-18 22:00", S.CLOSED,
        first_response="2026-10-19 00:00", resolved="2026-10-19 02:00",
        closed="2026-10-26 00:00", first_due="2026-10-19 06:00",
        resolution_due="2026-10-19 22:00",
    )  # fmt: skip
    c = await add_ticket(
        session, roads.id, "2026-10-20 08:00", S.RESOLVED, language="uk", district="south",
        first_response="2026-10-20 18:00", resolved="2026-10-21 04:00",
        first_due="2026-10-20 16:00", resolution_due="2026-10-20 20:00",
    )  # fmt: skip
    d = await add_ticket(
        session, parks.id, "2026-10-21 09:00", S.IN_PROGRESS, intent="streetlight",
        language="uk", district="south", first_response="2026-10-21 10:00",
        first_due="2026-10-21 17:00", resolution_due="2026-10-23 09:00",
    )  # fmt: skip
    await add_ticket(  # Sunday 23:59 CET, the week's last minute (00:59 Monday at CEST)
        session, parks.id, "2026-10-25 22:59", S.NEW, intent="graffiti", language="ar",
        district=None, resolution_due="2026-10-28 09:00",
    )  # fmt: skip
    f = await add_ticket(  # Sunday 23:59 CEST the week before: not this week's
        session, parks.id, "2026-10-18 21:59", S.NEW, resolution_due="2026-10-19 10:00"
    )
    await add_ticket(session, roads.id, "2026-10-25 23:00", S.NEW)  # next week's first instant
    h = await add_ticket(  # open at the week's end: resolved only after it
        session, roads.id, "2026-09-01 00:00", S.RESOLVED, resolved="2026-10-27 09:00",
        first_response="2026-09-01 09:00", resolution_due="2026-09-05 00:00",
    )  # fmt: skip
    await add_ticket(  # rejected during the week
        session, parks.id, "2026-10-10 10:00", S.REJECTED, closed="2026-10-22 10:00"
    )
    await reopen(session, a, "2026-10-22 12:00")
    await reopen(session, a, "2026-10-17 12:00")  # the week before
    await rate(session, a, "2026-10-21 08:00", RatingAnswer.YES, 5, "Fixed quickly, thank you!")
    await rate(session, c, "2026-10-22 08:00", RatingAnswer.NO, 2, "The hole is still there")
    await rate(session, b, "2026-10-23 08:00", RatingAnswer.PARTLY, None, "ok")
    await session.flush()
    return {"roads": roads, "parks": parks, "d": d, "f": f, "h": h}


async def test_city_week_matches_the_hand_computed_figures(
    session: AsyncSession, services: Services
) -> None:
    made = await fixture_week(session, services)
    names = {str(made["roads"].id): "Roads", str(made["parks"].id): "Parks"}
    figures = await compute_scope(session, WEEK, BERLIN, None, names)

    assert figures["start"] == "2026-10-18T22:00:00+00:00"
    assert figures["end"] == "2026-10-25T23:00:00+00:00"
    assert figures["totals"] == {"new": 4, "resolved": 3, "closed": 1, "reopened": 1}
    assert figures["previous"]["new"] == 2  # a, and f at 23:59 on the Sunday before

    first = figures["overall"]["first_response"]  # a 70 h, b 2 h, c 10 h, d 1 h
    assert first["count"] == 4
    assert first["p50"] == pytest.approx(hours(6))
    assert first["p90"] == pytest.approx(hours(52))
    assert (first["within"], first["with_target"], first["share"]) == (2, 4, 0.5)
    resolution = figures["overall"]["resolution"]  # a 96 h, b 4 h, c 20 h
    assert resolution["p50"] == pytest.approx(hours(20))
    assert resolution["p90"] == pytest.approx(hours(80.8))
    assert (resolution["within"], resolution["with_target"]) == (2, 3)

    backlog = figures["overall"]["backlog"]  # d, e, f, and h (resolved after the week)
    assert backlog["count"] == 4
    ages = [hours(110), 60, hours(169) + 60, hours(1319)]
    assert backlog["age_p50"] == pytest.approx(percentile(ages, 0.5))
    assert (backlog["older_than_week"], backlog["older_than_month"]) == (2, 1)
    assert backlog["overdue"] == 3
    overdue = [row["ticket_id"] for row in figures["overdue"]]
    assert overdue == [made["h"].id, made["f"].id, made["d"].id]

    # Local days: Sunday the 25th has 25 hours, and 22:59 UTC is still in it.
    assert [day["new"] for day in figures["per_day"]] == [1, 1, 1, 0, 0, 0, 1]
    assert [day["resolved"] for day in figures["per_day"]] == [1, 1, 1, 0, 0, 0, 0]
    assert figures["days"][0] == "2026-10-19" and figures["days"][-1] == "2026-10-25"

    assert figures["overall"]["ratings"] == 3
    assert figures["overall"]["average"] == pytest.approx(3.5)
    assert figures["overall"]["fixed_share"] == pytest.approx(1 / 3)
    comments = [comment["text"] for comment in figures["comments"]]
    assert comments == ["The hole is still there", "Fixed quickly, thank you!"]

    assert [(row["intent"], row["count"]) for row in figures["top_intents"]] == [
        ("pothole", 2),
        ("graffiti", 1),
        ("streetlight", 1),
    ]
    partners = {row["key"]: row for row in figures["groups"]["partner"]}
    roads, parks = partners[str(made["roads"].id)], partners[str(made["parks"].id)]
    assert (roads["label"], roads["new"], roads["resolved"], roads["backlog"]) == ("Roads", 2, 3, 1)
    assert (parks["new"], parks["resolved"], parks["backlog"]) == (2, 0, 3)
    languages = {row["key"]: row for row in figures["groups"]["language"]}
    assert languages["uk"]["resolution"]["p50"] == pytest.approx(hours(20))
    assert languages["ar"]["new"] == 1
    districts = {row["key"] for row in figures["groups"]["district"]}
    assert "" in districts  # tickets without a district are a group of their own


async def test_partner_scope_counts_only_its_tickets(
    session: AsyncSession, services: Services
) -> None:
    made = await fixture_week(session, services)
    figures = await compute_scope(session, WEEK, BERLIN, made["parks"].id, {})
    assert figures["totals"] == {"new": 2, "resolved": 0, "closed": 1, "reopened": 0}
    assert figures["overall"]["backlog"]["count"] == 3
    assert figures["overall"]["resolution"]["count"] == 0
    assert figures["overall"]["ratings"] == 0
    assert "partner" not in figures["groups"] and "intent" in figures["groups"]


async def test_all_partners_at_once_agree_with_the_city(
    session: AsyncSession, services: Services
) -> None:
    made = await fixture_week(session, services)
    ids = [made["roads"].id, made["parks"].id]
    computed = await compute_week(session, WEEK, BERLIN, {}, partners=ids)
    city, roads, parks = computed[None], computed[ids[0]], computed[ids[1]]
    for figure in ("new", "resolved", "closed", "reopened"):
        assert city["totals"][figure] == roads["totals"][figure] + parks["totals"][figure]
    backlog = [scope["overall"]["backlog"]["count"] for scope in (city, roads, parks)]
    assert backlog == [4, 1, 3]
    assert [row["ticket_id"] for row in parks["overdue"]] == [made["f"].id, made["d"].id]
    assert [row["ticket_id"] for row in roads["overdue"]] == [made["h"].id]
    assert [day["new"] for day in roads["per_day"]] == [1, 1, 0, 0, 0, 0, 0]
    assert len(roads["comments"]) == 2 and parks["comments"] == []


def _group(key: str, p50_hours: float, count: int = 10, share: float = 0.8) -> dict[str, Any]:
    times = {"count": count, "p50": hours(p50_hours), "with_target": count, "share": share}
    return {"key": key, "first_response": times, "resolution": times, "ratings": 0,
            "average": None}  # fmt: skip


def test_equity_calls_out_groups_served_markedly_worse() -> None:
    overall = _group("", 10)
    overall["average"] = 4.0
    slow = _group("ar", 16)  # 1.6x the median: called out
    borderline = _group("uk", 15)  # exactly 1.5x: not "over"
    too_small = _group("tr", 40, count=4)  # too few tickets to judge
    unhappy = _group("es", 10) | {"ratings": 6, "average": 2.5}
    flags = equity_flags(overall, {"language": [slow, borderline, too_small, unhappy]})
    called = {(flag["key"], flag["metric"]) for flag in flags}
    assert called == {
        ("ar", "first_response_p50"),
        ("ar", "resolution_p50"),
        ("es", "average"),
    }


def test_week_parsing_and_bounds() -> None:
    assert str(Week.parse("2026-W03")) == "2026-W03"
    with pytest.raises(ValueError, match="no week 54"):
        Week.parse("2026-W54")
    with pytest.raises(ValueError, match="ISO week"):
        Week.parse("last week")
    spring = Week(2026, 13)  # clocks go forward on Sunday 29 March
    start, end = spring.bounds(BERLIN)
    assert end - start == dt.timedelta(hours=167)
    assert Week.last_complete(utc("2026-10-26 08:00"), BERLIN) == WEEK
    assert Week(2027, 1).previous() == Week(2026, 53)
