"""Past weekly digests in the inbox: the list of weeks, a week's digest, its charts."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import Session
from api.web.deps import SignedIn
from api.web.templating import render
from core.db import utcnow
from core.digest.charts import CHART_NAMES
from core.digest.delivery import DigestRenderer
from core.digest.models import CITY_SCOPE, partner_scope
from core.digest.service import digest_for, finished_week, frozen_weeks, readable_scope
from core.digest.weeks import Week
from core.errors import NotFound
from core.partners.repository import PartnerRepository

router = APIRouter(include_in_schema=False)
RECENT_WEEKS = 12
ScopeParam = Annotated[str | None, Query(max_length=40)]
WeekParam = Annotated[str, Path(max_length=8)]


def _renderer(request: Request) -> DigestRenderer:
    """One per app: it keeps the charts it drew, so a page and its images draw them once."""
    renderer: DigestRenderer | None = getattr(request.app.state, "digest_renderer", None)
    if renderer is None:
        state = request.app.state.civicdesk
        settings = state.settings
        renderer = DigestRenderer(
            state.services.context.catalog, settings.city_name, settings.public_url, settings.tz
        )
        request.app.state.digest_renderer = renderer
    return renderer


@router.get("/digests")
async def digest_weeks(
    request: Request, staffer: SignedIn, db: Session, scope: ScopeParam = None
) -> Response:
    readable = await readable_scope(db, staffer.actor, scope or None)
    tz = request.app.state.civicdesk.settings.tz
    latest = Week.last_complete(utcnow(), tz)
    frozen = set(await frozen_weeks(db, readable))
    recent = {str(latest.previous(weeks)) for weeks in range(RECENT_WEEKS)}
    scopes: list[tuple[str, str]] = []
    own = await readable_scope(db, staffer.actor)
    if own == CITY_SCOPE:
        scopes = [(CITY_SCOPE, request.app.state.civicdesk.settings.city_name)] + [
            (partner_scope(partner.id), partner.name)
            for partner in await PartnerRepository(db).all()
            if not partner.is_coordination_unit
        ]
    context = {
        "staffer": staffer,
        "weeks": sorted(frozen | recent, reverse=True),
        "frozen": frozen,
        "scope": readable,
        "scope_query": quote(readable, safe=""),
        "scopes": scopes,
    }
    return render(request, "digests.html", context, locale=staffer.locale)


@router.get("/digests/{week}")
async def digest_page(
    request: Request, staffer: SignedIn, db: Session, week: WeekParam, scope: ScopeParam = None
) -> Response:
    readable = await readable_scope(db, staffer.actor, scope or None)
    finished = finished_week(week, request.app.state.civicdesk.settings.tz)
    query = quote(readable, safe="")
    renderer = _renderer(request)
    rendered = await renderer.render(
        db,
        finished,
        readable,
        staffer.locale,
        image_src=lambda name: f"/digests/{finished}/charts/{name}.png?scope={query}",
    )
    return HTMLResponse(rendered.html)


@router.get("/digests/{week}/charts/{name}.png")
async def digest_chart(
    request: Request,
    staffer: SignedIn,
    db: Session,
    week: WeekParam,
    name: Annotated[str, Path(max_length=40)],
    scope: ScopeParam = None,
) -> Response:
    readable = await readable_scope(db, staffer.actor, scope or None)
    finished = finished_week(week, request.app.state.civicdesk.settings.tz)
    if name not in CHART_NAMES:
        raise NotFound("no such chart")
    tz = request.app.state.civicdesk.settings.tz
    figures = await digest_for(db, finished, readable, tz)
    charts = await _renderer(request).charts(str(finished), readable, figures)
    return Response(charts[name], media_type="image/png", headers={"Cache-Control": "private"})
