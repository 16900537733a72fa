"""Who is signed in to the web inbox, their language, and CSRF checks for every form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from api.deps import Session
from api.state import AppState, app_state
from api.web.session import Sessions, WebSession, csrf_valid, password_fingerprint
from core.access import StaffActor
from core.errors import Forbidden
from core.i18n import negotiate_locale
from core.staff.models import Staff
from core.staff.repository import StaffRepository


class SignInRequired(Exception):
    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PasswordChangeRequired(Exception):
    pass


async def sessions(state: AppState = Depends(app_state)) -> Sessions:
    cached: Sessions | None = getattr(state, "web_sessions", None)
    if cached is None:
        cached = Sessions(state.settings)
        state.web_sessions = cached  # type: ignore[attr-defined]
    return cached


async def web_session(request: Request, manager: Sessions = Depends(sessions)) -> WebSession:
    cached: WebSession | None = getattr(request.state, "web_session", None)
    if cached is None:
        cached = manager.read(request)
        request.state.web_session = cached
    return cached


async def visitor_locale(request: Request, state: AppState = Depends(app_state)) -> str:
    return locale_for_visitor(request, state)


def locale_for_visitor(request: Request, state: AppState) -> str:
    """The language for pages seen before signing in: the browser's, else the city's default."""
    header = request.headers.get("accept-language", "").split(",")[0].strip()
    return negotiate_locale(header or None, state.settings.default_locale)


@dataclass
class Staffer:
    staff: Staff
    actor: StaffActor
    web: WebSession

    @property
    def locale(self) -> str:
        return self.staff.locale


async def signed_in(
    request: Request, db: Session, web: WebSession = Depends(web_session)
) -> Staffer:
    staff = await StaffRepository(db).get(web.staff_id) if web.staff_id else None
    if (
        staff is None
        or not staff.active
        or web.fingerprint != password_fingerprint(staff.password_hash)
    ):
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(quote(path, safe="/?=&"))
    if staff.must_change_password and request.url.path != "/password":
        raise PasswordChangeRequired()
    return Staffer(staff, StaffActor(staff.id, staff.role, staff.partner_id), web)


SignedIn = Annotated[Staffer, Depends(signed_in)]


def require_csrf(web: WebSession, token: str | None) -> None:
    if not csrf_valid(web, token):
        raise Forbidden("the form has expired or did not come from this site; please try again")
