"""The public dashboard and open data downloads: no sign-in, anonymised, in every language.

What may be shown is decided in `core.publicdata` (the same exclusions as Open311, coarsened
locations, small counts suppressed); these routes only parse, call it and render.
"""

from __future__ import annotations

from typing import Annotated, Any

from babel.dates import format_skeleton
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from api.deps import Session
from api.errors import error_body
from api.state import AppState, state_of
from api.web.deps import locale_for_visitor
from api.web.templating import render
from core.db import utcnow
from core.digest.formatting import DigestFormat
from core.i18n import SUPPORTED_LOCALES
from core.publicdata import opendata
from core.publicdata.cells import MIN_CELL
from core.publicdata.dashboard import DashboardCache, public_dashboard
from core.publicdata.svgmap import draw_districts

router = APIRouter(prefix="/public", tags=["public data"])
# Anyone may cache these for as long as the dashboard itself is cached.
CACHE_HEADERS = {"Cache-Control": "public, max-age=60"}
TextParam = Annotated[str | None, Query()]  # validated by core, so a bad value is a 400


def _cache(request: Request) -> DashboardCache:
    """One per app (per process): the page is public, so visitors share the figures."""
    cache: DashboardCache | None = getattr(request.app.state, "public_dashboard", None)
    if cache is None:
        cache = DashboardCache()
        request.app.state.public_dashboard = cache
    return cache


def _locale(request: Request, lang: str | None) -> str:
    """`?lang=xx` when it is one of ours, else the browser's language, else the city's."""
    if lang in SUPPORTED_LOCALES:
        return str(lang)
    return locale_for_visitor(request, state_of(request))


def _licence(state: AppState) -> dict[str, str]:
    settings = state.settings
    return opendata.licence(
        settings.open_data_licence, settings.open_data_licence_url, settings.city_name
    )


@router.get("", include_in_schema=False)
async def public_page(request: Request, db: Session, lang: TextParam = None) -> Response:
    state = state_of(request)
    locale = _locale(request, lang)
    context = state.services.context
    dashboard = await public_dashboard(db, context.catalog, state.settings.tz, _cache(request))
    groups = {group.code: group.label for group in context.catalog.groups}
    context_values: dict[str, Any] = {
        "dash": dashboard,
        "num": DigestFormat(locale, state.settings.tz, context.catalog),
        "group_label": lambda code: (
            (groups.get(code) or {}).get(locale) or (groups.get(code) or {}).get("en") or code
        ),
        "district_name": lambda code: (
            district.name if code and (district := context.districts.get(code)) else code
        ),
        "map": draw_districts(context.districts, dashboard.open_by_district),
        "schema": opendata.schema_document(locale, _licence(state)),
        "min_cell": MIN_CELL,
        "week_label": lambda monday: format_skeleton("MMMd", monday, locale=locale),
    }
    response = render(request, "public.html", context_values, locale=locale)
    response.headers.update(CACHE_HEADERS)
    response.headers["Vary"] = "Accept-Language"
    return response


def _bad_request(exc: opendata.BadParameter) -> JSONResponse:
    return JSONResponse(error_body("bad_request", str(exc)), status_code=400)


async def _download(
    request: Request, db: Session, since: str | None, page: str | None
) -> opendata.DownloadPage | JSONResponse:
    state = state_of(request)
    try:
        start = opendata.parse_since(since, utcnow(), state.settings.tz)
        number = opendata.parse_page(page)
    except opendata.BadParameter as exc:
        return _bad_request(exc)
    return await opendata.requests_page(
        db, state.services.context.catalog, state.settings.tz, start, number
    )


def _next_url(request: Request, found: opendata.DownloadPage) -> str | None:
    """The next page pins `since` to the instant this one used, so pages never shift."""
    if not found.has_next:
        return None
    following = request.url.include_query_params(since=found.since.isoformat(), page=found.page + 1)
    return str(following)


def _headers(next_url: str | None) -> dict[str, str]:
    headers = dict(CACHE_HEADERS)
    if next_url:
        headers["Link"] = f'<{next_url}>; rel="next"'
    return headers


@router.get("/data/requests.json")
async def requests_json(
    request: Request, db: Session, since: TextParam = None, page: TextParam = None
) -> Response:
    """Public requests created since `since` (default: the last 90 days), 1,000 a page."""
    found = await _download(request, db, since, page)
    if isinstance(found, JSONResponse):
        return found
    next_url = _next_url(request, found)
    body = {
        "licence": _licence(state_of(request)),
        "since": found.since.isoformat(),
        "page": found.page,
        "next": next_url,
        "requests": found.rows,
    }
    return JSONResponse(body, headers=_headers(next_url))


@router.get("/data/requests.csv")
async def requests_csv(
    request: Request, db: Session, since: TextParam = None, page: TextParam = None
) -> Response:
    """The same rows as CSV (UTF-8, a header line); the next page is in the `Link` header."""
    found = await _download(request, db, since, page)
    if isinstance(found, JSONResponse):
        return found
    headers = _headers(_next_url(request, found))
    headers["Content-Disposition"] = f'attachment; filename="requests-page-{found.page}.csv"'
    return Response(opendata.to_csv(found.rows), media_type="text/csv", headers=headers)


@router.get("/data/schema")
async def data_schema(request: Request, lang: TextParam = None) -> JSONResponse:
    """The downloads' fields, licence and privacy rules."""
    document = opendata.schema_document(_locale(request, lang), _licence(state_of(request)))
    return JSONResponse(document, headers=CACHE_HEADERS)
