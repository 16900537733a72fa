"""Signed session cookies for the web inbox, and CSRF tokens bound to them.

The cookie holds the staff id, a fingerprint of the password hash (changing the password ends
every other session), a CSRF token and an expiry, signed with CIVICDESK_SECRET_KEY. It is
HttpOnly, SameSite=Lax, and Secure whenever the app is reached over HTTPS.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from core.config import Settings

COOKIE = "civicdesk_session"
SESSION_SECONDS = 12 * 3600  # a working day, then sign in again
SALT = "civicdesk-session-v1"


@dataclass
class WebSession:
    csrf: str
    staff_id: int | None = None
    fingerprint: str | None = None

    @classmethod
    def anonymous(cls) -> WebSession:
        return cls(csrf=secrets.token_urlsafe(24))


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


class Sessions:
    def __init__(self, settings: Settings) -> None:
        self._serializer = URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt=SALT)
        self._https = settings.public_url.startswith("https://")

    def read(self, request: Request) -> WebSession:
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                data = self._serializer.loads(raw, max_age=SESSION_SECONDS)
                return WebSession(
                    csrf=str(data["c"]), staff_id=data.get("s"), fingerprint=data.get("f")
                )
            except (BadSignature, KeyError, TypeError, ValueError):
                pass
        return WebSession.anonymous()

    def write(self, request: Request, response: Response, session: WebSession) -> None:
        payload = {"c": session.csrf, "s": session.staff_id, "f": session.fingerprint}
        response.set_cookie(
            COOKIE,
            self._serializer.dumps(payload),
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="lax",
            secure=self._https or request.url.scheme == "https",
            path="/",
        )

    @staticmethod
    def clear(response: Response) -> None:
        response.delete_cookie(COOKIE, path="/")


def csrf_valid(session: WebSession, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(
        session.csrf.encode(), (submitted or "").encode()
    )
