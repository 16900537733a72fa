"""Machine translation through a LibreTranslate-compatible server (CIVICDESK_TRANSLATE_URL)."""

from __future__ import annotations

import httpx

from core.config import Settings
from core.notifications.ports import TemporaryFailure

TIMEOUT_SECONDS = 10.0
LANGUAGE_CODES = {"zh": "zh-Hans"}  # LibreTranslate's name for Simplified Chinese


class LibreTranslate:
    def __init__(self, url: str, api_key: str | None = None) -> None:
        self.api_key = api_key
        self.client = httpx.AsyncClient(base_url=url.rstrip("/"), timeout=TIMEOUT_SECONDS)

    @classmethod
    def from_settings(cls, settings: Settings) -> LibreTranslate | None:
        if not settings.translate_url:
            return None
        key = settings.translate_api_key
        return cls(settings.translate_url, key.get_secret_value() if key else None)

    async def translate(self, text: str, source: str, target: str) -> str:
        body = {
            "q": text,
            "source": LANGUAGE_CODES.get(source, source),
            "target": LANGUAGE_CODES.get(target, target),
            "format": "text",
        }
        if self.api_key:
            body["api_key"] = self.api_key
        try:
            answer = await self.client.post("/translate", json=body)
        except httpx.HTTPError as exc:
            raise TemporaryFailure(f"translation server: {type(exc).__name__}: {exc}") from exc
        if answer.status_code != 200:
            raise TemporaryFailure(f"translation server: HTTP {answer.status_code}")
        translated = answer.json().get("translatedText")
        if not isinstance(translated, str):
            raise TemporaryFailure("translation server: no translatedText in the answer")
        return translated

    async def close(self) -> None:
        await self.client.aclose()
