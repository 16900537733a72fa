"""Errors as JSON for the APIs (stable code, clear message, the right 4xx) and as pages for
people using the inbox. A malformed request is never a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from api.web.deps import PasswordChangeRequired, SignInRequired
from core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)

logger = logging.getLogger(__name__)
STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotFound: 404,
    Forbidden: 403,
    InvalidTransition: 409,
    Conflict: 409,
    ValidationFailed: 422,
}
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid_request",
    429: "too_many_requests",
}
MACHINE_PREFIXES = (
    "/api/",
    "/open311/",
    "/telegram/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/public/data/",  # open data downloads: machines read them
)


def error_body(code: str, message: str, details: object = None) -> dict[str, object]:
    body: dict[str, object] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(MACHINE_PREFIXES)


def _page(request: Request, status: int, message: str) -> Response:
    from api.web.deps import locale_for_visitor
    from api.web.templating import render

    locale = locale_for_visitor(request, request.app.state.civicdesk)
    return render(
        request,
        "error.html",
        {"status": status, "message": message},
        locale=locale,
        status_code=status,
    )


def _respond(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: object = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if wants_json(request):
        return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)
    return _page(request, status, message)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        status = next(
            (code for kind, code in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 500
        )
        if status == 500:
            logger.error(
                "unexpected domain error on %s %s: %s", request.method, request.url.path, exc
            )
        return _respond(request, status, exc.code, exc.message, exc.details or None)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(part) for part in error["loc"]), "problem": error["msg"]}
            for error in exc.errors()
        ]
        message = "the request is not valid"
        if not wants_json(request):
            message += ": " + "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return _respond(request, 422, "invalid_request", message, problems)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _respond(
            request,
            exc.status_code,
            HTTP_CODES.get(exc.status_code, "http_error"),
            str(exc.detail),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/login?next={exc.next_url}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def password_change(request: Request, exc: PasswordChangeRequired) -> Response:
        return RedirectResponse("/password", status_code=303)
