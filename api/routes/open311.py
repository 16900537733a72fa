"""Open311 GeoReport v2 at /open311/v2/: JSON or XML by the resource's extension.

Thin: gather the parameters (query string and form body alike), call one Open311Service
method, render the document. Errors are the specification's array of {code, description}
in the requested format; nothing a client sends can make this a 500.
"""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET  # only to build XML, never to parse it
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import DeskServices, Session
from core.errors import ConfigurationError, DomainError, Forbidden, NotFound
from core.i18n import negotiate_locale
from core.open311.params import Params
from core.open311.service import Open311Service

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/open311/v2", tags=["open311"], include_in_schema=False)

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
DEFAULT_FORMAT = "xml"  # the specification's required format, for errors with no extension
# The element each list item gets in XML (the JSON is the same structure, as arrays).
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
STATUS_BY_ERROR = {NotFound: 404, Forbidden: 403}
Handler = Callable[[str], Awaitable[Response]]


# -- rendering -----------------------------------------------------------------------------


def _xml_value(element: ET.Element, data: Any) -> None:
    if isinstance(data, dict):
        for name, item in data.items():
            _xml_value(ET.SubElement(element, name), item)
    elif isinstance(data, list):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for item in data:
            _xml_value(ET.SubElement(element, item_name), item)
    elif isinstance(data, bool):
        element.text = "true" if data else "false"
    elif data is not None:  # None stays an empty element, as the specification shows
        element.text = str(data)


def render(fmt: str, root: str, data: Any, status: int = 200) -> Response:
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    else:
        element = ET.Element(root)
        _xml_value(element, data)
        body = ET.tostring(element, encoding="UTF-8", xml_declaration=True)
    return Response(body, status_code=status, media_type=FORMATS[fmt])


def error(fmt: str, status: int, description: str) -> Response:
    return render(fmt, "errors", [{"code": status, "description": description}], status)


def split_format(name: str) -> tuple[str, str | None]:
    """`pothole.json` -> ("pothole", "json"); an unknown or missing extension -> None."""
    stem, dot, extension = name.rpartition(".")
    if not dot or extension.lower() not in FORMATS:
        return name, None
    return stem, extension.lower()


async def guarded(fmt: str | None, handler: Handler) -> Response:
    """Runs a handler with the specification's error mapping: 404 for what is not there (or
    not public), 403 for a missing or bad key, 400 for anything else the client got wrong."""
    if fmt is None:
        return error(DEFAULT_FORMAT, 404, "unknown format: use .json or .xml")
    try:
        return await handler(fmt)
    except ConfigurationError as exc:  # the city's set-up, not the client, is at fault
        logger.error("Open311 request failed on the desk's configuration: %s", exc.message)
        return error(fmt, 503, "the service desk cannot take this request now")
    except DomainError as exc:
        status = next(
            (code for kind, code in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400
        )
        return error(fmt, status, exc.message)


# -- parameters ----------------------------------------------------------------------------


def locale_of(request: Request, default: str) -> str:
    """The first supported language of Accept-Language, by the client's preference (q)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            weight = 0.0
        if tag and tag != "*" and weight > 0:
            ranked.append((-weight, position, tag))
    for _, _, tag in sorted(ranked):
        locale = negotiate_locale(tag, "")
        if locale:
            return locale
    return default


async def parameters(request: Request, *, with_body: bool = False) -> Params:
    """Query string and form body together (the body wins): the specification lets a client
    send api_key either way."""
    params: dict[str, list[str]] = {}
    for name, item in request.query_params.multi_items():
        params.setdefault(name, []).append(item)
    if with_body:
        form = await request.form()
        body: dict[str, list[str]] = {}
        for name, item in form.multi_items():
            if isinstance(item, str):
                body.setdefault(name, []).append(item)
        params.update(body)
    return params


def desk(services: DeskServices) -> Open311Service:
    return Open311Service(services.tickets)


# -- resources -----------------------------------------------------------------------------


@router.get("/discovery.{fmt}")
async def discovery(fmt: str, services: DeskServices) -> Response:
    settings = services.settings
    base_url = settings.public_url.rstrip("/") + router.prefix
    contact = f"{settings.city_name} service desk, {settings.public_url}"

    async def handle(fmt: str) -> Response:
        return render(fmt, "discovery", desk(services).discovery(base_url, contact))

    return await guarded(split_format(f"discovery.{fmt}")[1], handle)


@router.get("/services.{fmt}")
async def services_list(fmt: str, request: Request, services: DeskServices) -> Response:
    locale = locale_of(request, services.settings.default_locale)

    async def handle(fmt: str) -> Response:
        return render(fmt, "services", desk(services).services(locale))

    return await guarded(split_format(f"services.{fmt}")[1], handle)


@router.get("/services/{name}")
async def service_definition(name: str, request: Request, services: DeskServices) -> Response:
    code, fmt = split_format(name)
    locale = locale_of(request, services.settings.default_locale)

    async def handle(fmt: str) -> Response:
        definition = desk(services).service_definition(code, locale)
        return render(fmt, "service_definition", definition)

    return await guarded(fmt, handle)


@router.get("/requests.{fmt}")
async def requests_list(
    fmt: str, request: Request, session: Session, services: DeskServices
) -> Response:
    locale = locale_of(request, services.settings.default_locale)

    async def handle(fmt: str) -> Response:
        found = await desk(services).requests(session, await parameters(request), locale)
        return render(fmt, "service_requests", found)

    return await guarded(split_format(f"requests.{fmt}")[1], handle)


@router.post("/requests.{fmt}")
async def create_request(
    fmt: str, request: Request, session: Session, services: DeskServices
) -> Response:
    locale = locale_of(request, services.settings.default_locale)

    async def handle(fmt: str) -> Response:
        try:
            params = await parameters(request, with_body=True)
        except Exception as exc:  # a body that is not a form: the client's mistake
            logger.info("unreadable Open311 POST body: %s", exc)
            return error(fmt, 400, "the body must be application/x-www-form-urlencoded")
        created = await desk(services).create(session, params, locale)
        return render(fmt, "service_requests", created)

    return await guarded(split_format(f"requests.{fmt}")[1], handle)


@router.get("/requests/{name}")
async def request_detail(
    name: str, request: Request, session: Session, services: DeskServices
) -> Response:
    reference, fmt = split_format(name)
    locale = locale_of(request, services.settings.default_locale)

    async def handle(fmt: str) -> Response:
        found = await desk(services).request(session, reference, locale)
        return render(fmt, "service_requests", found)

    return await guarded(fmt, handle)


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def elsewhere(rest: str) -> Response:
    """Anything else, tokens/{token} included: every service is realtime, so a POST answers
    with the service_request_id and there are no tokens to look up."""
    fmt = split_format(rest.rsplit("/", 1)[-1])[1] or DEFAULT_FORMAT
    return error(fmt, 404, "no such resource")
