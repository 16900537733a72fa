"""A LibreTranslate-compatible stand-in on loopback: `POST /translate` answers with the text
tagged by the target language ("[uk] ..."), records every request, and can be told to fail."""

from __future__ import annotations

from typing import Any

from aiohttp import web


class TranslateStub:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.failing = False
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _translate(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.failing:
            return web.json_response({"error": "Translation service unavailable"}, status=500)
        if not isinstance(body.get("q"), str) or not body.get("target"):
            return web.json_response({"error": "Invalid request"}, status=400)
        return web.json_response({"translatedText": f"[{body['target']}] {body['q']}"})

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/translate", self._translate)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
