"""Sign in, sign out, change password, choose the interface language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import DeskServices, Session
from api.state import AppState, app_state
from api.web.deps import SignedIn, require_csrf, sessions, visitor_locale, web_session
from api.web.session import Sessions, WebSession, password_fingerprint
from api.web.templating import render
from api.web.throttle import SignInThrottle
from core.errors import ValidationFailed

router = APIRouter(include_in_schema=False)


async def throttle(state: AppState = Depends(app_state)) -> SignInThrottle:
    cached: SignInThrottle | None = getattr(state, "sign_in_throttle", None)
    if cached is None:
        cached = SignInThrottle(state.redis)
        state.sign_in_throttle = cached  # type: ignore[attr-defined]
    return cached


def safe_next(target: str | None) -> str:
    """Only a path on this site: never send someone elsewhere after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/inbox"


@router.get("/login")
async def login_page(
    request: Request,
    next: str = "/inbox",
    web: WebSession = Depends(web_session),
    manager: Sessions = Depends(sessions),
    locale: str = Depends(visitor_locale),
) -> Response:
    response = render(
        request, "login.html", {"csrf": web.csrf, "next": safe_next(next)}, locale=locale
    )
    manager.write(request, response, web)
    return response


@router.post("/login")
async def login(
    request: Request,
    db: Session,
    services: DeskServices,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/inbox",
    web: WebSession = Depends(web_session),
    manager: Sessions = Depends(sessions),
    limiter: SignInThrottle = Depends(throttle),
    locale: str = Depends(visitor_locale),
) -> Response:
    require_csrf(web, csrf_token)
    address = request.client.host if request.client else "?"
    if await limiter.blocked(email, address):
        response = render(
            request,
            "login.html",
            {"csrf": web.csrf, "next": safe_next(next), "error": "throttled", "email": email},
            locale=locale,
            status_code=429,
        )
        return response
    staff = await services.staff.authenticate(db, email, password)
    if staff is None:
        await limiter.failed(email, address)
        return render(
            request,
            "login.html",
            {"csrf": web.csrf, "next": safe_next(next), "error": "wrong", "email": email},
            locale=locale,
            status_code=401,
        )
    await limiter.succeeded(email, address)
    # A new session (and CSRF token) at sign-in: nothing from before carries over.
    signed = WebSession.anonymous()
    signed.staff_id, signed.fingerprint = staff.id, password_fingerprint(staff.password_hash)
    target = "/password" if staff.must_change_password else safe_next(next)
    response = RedirectResponse(target, status_code=303)
    manager.write(request, response, signed)
    return response


@router.post("/logout")
async def logout(staffer: SignedIn, csrf_token: Annotated[str, Form()] = "") -> Response:
    require_csrf(staffer.web, csrf_token)
    response = RedirectResponse("/login", status_code=303)
    Sessions.clear(response)
    return response


@router.get("/password")
async def password_page(request: Request, staffer: SignedIn) -> Response:
    return render(
        request,
        "password.html",
        {"staffer": staffer, "csrf": staffer.web.csrf},
        locale=staffer.locale,
    )


@router.post("/password")
async def change_password(
    request: Request,
    staffer: SignedIn,
    db: Session,
    services: DeskServices,
    current: Annotated[str, Form(max_length=1000)] = "",
    new: Annotated[str, Form(max_length=1000)] = "",
    repeat: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form()] = "",
    manager: Sessions = Depends(sessions),
) -> Response:
    require_csrf(staffer.web, csrf_token)
    error = "mismatch" if new != repeat else None
    if error is None:
        try:
            await services.staff.change_password(db, staffer.staff.id, current, new)
        except ValidationFailed as exc:
            error = str(exc.details.get("field", "invalid"))
    if error:
        return render(
            request,
            "password.html",
            {"staffer": staffer, "csrf": staffer.web.csrf, "error": error},
            locale=staffer.locale,
            status_code=422,
        )
    response = RedirectResponse("/inbox", status_code=303)
    staffer.web.fingerprint = password_fingerprint(staffer.staff.password_hash)
    manager.write(request, response, staffer.web)
    return response


@router.post("/preferences/language")
async def set_language(
    staffer: SignedIn,
    db: Session,
    services: DeskServices,
    locale: Annotated[str, Form(max_length=8)] = "en",
    csrf_token: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/inbox",
) -> Response:
    require_csrf(staffer.web, csrf_token)
    await services.staff.set_locale(db, staffer.staff.id, locale)
    return RedirectResponse(safe_next(back), status_code=303)
