"""The Bot API stand-in: an aiohttp server that answers like api.telegram.org.

Methods: getMe, getUpdates (offset, limit, real long-poll timeout), sendMessage, sendPhoto,
sendLocation, sendDocument, editMessageText, editMessageReplyMarkup, answerCallbackQuery,
sendChatAction, getFile (+ /file/bot<token>/<path> download), setWebhook (updates are then
POSTed with the secret header), deleteWebhook, getWebhookInfo, setMyCommands, deleteMessage.
Requests may be JSON, url-encoded or multipart (aiogram uploads files as multipart).

Test controls play residents (`say`, `press`, `send_location`, `send_photo`, ...), read what the
bot sent to a chat, and inject errors (429 with retry_after, 403, 400, 5xx).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.botapi.controls import ResidentControls
from tests.botapi.methods import ApiError, ApiMethods, _int
from tests.botapi.objects import INTERNAL_FIELDS, bot_user

QUIET_PERIOD = 0.15  # after the expected replies, wait this long for stragglers
COMPLEX_FIELDS = {
    "reply_markup",
    "entities",
    "caption_entities",
    "allowed_updates",
    "commands",
    "link_preview_options",
    "reply_parameters",
    "scope",
    "media",
}


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None
    chat_id: int | None = None  # None: any chat


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float


@dataclass
class Chat:
    messages: list[dict[str, Any]] = field(default_factory=list)  # everything the bot sent
    by_id: dict[int, dict[str, Any]] = field(default_factory=dict)


class BotApiStub(ApiMethods, ResidentControls):
    def __init__(self, token: str = "123456:TEST-token", bot_id: int = 123456) -> None:
        self.token = token
        self.bot = bot_user(bot_id, "city_desk_test_bot")
        self.chats: dict[int, Chat] = defaultdict(Chat)
        self.calls: list[Call] = []
        self.activity: list[tuple[int, dict[str, Any]]] = []  # (chat, message sent or edited)
        self.files: dict[str, tuple[str, bytes]] = {}
        self.uploads: list[tuple[str, str, bytes]] = []  # method, filename, content
        self.callback_answers: list[dict[str, Any]] = []
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_responses: list[int] = []
        self._failures: dict[str, list[Failure]] = defaultdict(list)
        self._blocked: set[int] = set()
        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(100_001)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._changed = asyncio.Condition()
        self._webhook_queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self.url = ""

    # -- server -------------------------------------------------------------------------

    async def start(self, port: int = 0) -> str:
        app = web.Application(client_max_size=50 * 2**20)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        self._http = aiohttp.ClientSession()
        self._webhook_task = asyncio.create_task(self._deliver_webhooks())
        return self.url

    async def stop(self) -> None:
        if self._webhook_task:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._http:
            await self._http.close()
        if self._runner:
            await self._runner.cleanup()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.method == "POST":
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[f"@file:{key}"] = (value.filename, value.file.read())
                else:
                    params[key] = value
        for key in COMPLEX_FIELDS & params.keys():
            if isinstance(params[key], str):
                params[key] = json.loads(params[key])
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append(Call(method, params, time.monotonic()))
        failure = self._take_failure(method, params)
        if failure is not None:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return web.json_response(body, status=failure.status)
        handler = getattr(self, f"api_{method.lower()}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        try:
            result = await handler(params)
        except ApiError as exc:
            return web.json_response(
                {"ok": False, "error_code": exc.status, "description": exc.description},
                status=exc.status,
            )
        if isinstance(result, dict):  # our bookkeeping fields are not part of the API
            result = {key: value for key, value in result.items() if key not in INTERNAL_FIELDS}
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            raise web.HTTPUnauthorized()
        for path, content in self.files.values():
            if path == request.match_info["path"]:
                return web.Response(body=content)
        raise web.HTTPNotFound()

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        chat_id = _int(params.get("chat_id"))
        if chat_id in self._blocked and method.startswith(("send", "edit")):
            return Failure(403, "Forbidden: bot was blocked by the user")
        queue = self._failures.get(method, [])
        for index, failure in enumerate(queue):
            if failure.chat_id is None or failure.chat_id == chat_id:
                return queue.pop(index)
        return None
