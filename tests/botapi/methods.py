"""The Bot API methods the stand-in answers (mixed into BotApiStub)."""

from __future__ import annotations

import asyncio
import html
import re
from typing import TYPE_CHECKING, Any

from tests.botapi.objects import file_ids, now, photo_sizes

if TYPE_CHECKING:
    from tests.botapi.server import BotApiStub

TAG = re.compile(r"<[^>]+>")
MAX_TEXT = 4096
CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


class ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def visible_text(text: str, parse_mode: str | None) -> str:
    """What a Telegram client shows: HTML tags gone, entities unescaped."""
    if parse_mode and parse_mode.upper() == "HTML":
        return html.unescape(TAG.sub("", text))
    return text


def _attach_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
    """Like Telegram: only inline keyboards come back on a message; reply keyboards (and their
    removal) are kept aside under "keyboard" for the tests to read."""
    if not markup:
        return
    if "inline_keyboard" in markup:
        message["reply_markup"] = markup
    else:
        message["keyboard"] = markup


class ApiMethods:
    async def api_getme(self: BotApiStub, params: dict[str, Any]) -> Any:
        return self.bot

    async def api_getupdates(self: BotApiStub, params: dict[str, Any]) -> Any:
        if self.webhook_url:
            raise ApiError(409, CONFLICT)
        offset = _int(params.get("offset")) or 0
        limit = min(_int(params.get("limit")) or 100, 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            while not self._pending and not self.webhook_url:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    break
        return self._pending[:limit]

    def _chat_of(self: BotApiStub, params: dict[str, Any]) -> int:
        chat_id = _int(params.get("chat_id"))
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    async def _record(self: BotApiStub, chat_id: int, message: dict[str, Any]) -> dict[str, Any]:
        chat = self.chats[chat_id]
        chat.messages.append(message)
        chat.by_id[message["message_id"]] = message
        self.activity.append((chat_id, message))
        async with self._changed:
            self._changed.notify_all()
        return message

    def _new_message(self: BotApiStub, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids[chat_id]),
            "from": self.bot,
            "date": now(),
            "chat": {"id": chat_id, "type": "private", "first_name": "Resident"},
        }
        _attach_markup(message, params.get("reply_markup"))
        return message

    async def api_sendmessage(self: BotApiStub, params: dict[str, Any]) -> Any:
        chat_id = self._chat_of(params)
        raw = str(params.get("text") or "")
        if not raw.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        text = visible_text(raw, params.get("parse_mode"))
        if len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        message = self._new_message(chat_id, params)
        message.update(text=text, raw=raw)
        return await self._record(chat_id, message)

    async def _send_file(self: BotApiStub, kind: str, params: dict[str, Any]) -> Any:
        chat_id = self._chat_of(params)
        message = self._new_message(chat_id, params)
        upload = next((value for key, value in params.items() if key.startswith("@file:")), None)
        content = upload[1] if upload else b""
        filename = upload[0] if upload else None
        if upload is not None:
            self.uploads.append((kind, filename or "", content))
        file_id, unique_id = file_ids()
        if kind == "photo":
            message["photo"] = photo_sizes(file_id, unique_id, len(content) or 1000)
        else:
            message["document"] = {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "file_name": filename or "file",
                "file_size": len(content),
            }
        if params.get("caption"):
            message["caption"] = visible_text(str(params["caption"]), params.get("parse_mode"))
        message["upload"] = content
        return await self._record(chat_id, message)

    async def api_sendphoto(self: BotApiStub, params: dict[str, Any]) -> Any:
        return await self._send_file("photo", params)

    async def api_senddocument(self: BotApiStub, params: dict[str, Any]) -> Any:
        return await self._send_file("document", params)

    async def api_sendlocation(self: BotApiStub, params: dict[str, Any]) -> Any:
        chat_id = self._chat_of(params)
        message = self._new_message(chat_id, params)
        message["location"] = {
            "latitude": float(params["latitude"]),
            "longitude": float(params["longitude"]),
        }
        return await self._record(chat_id, message)

    async def _edit(self: BotApiStub, params: dict[str, Any], text: bool) -> Any:
        chat_id = self._chat_of(params)
        message = self.chats[chat_id].by_id.get(_int(params.get("message_id")) or 0)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if text:
            message["text"] = visible_text(str(params.get("text") or ""), params.get("parse_mode"))
            message["raw"] = str(params.get("text") or "")
        if "reply_markup" in params or text:
            message.pop("reply_markup", None)
            _attach_markup(message, params.get("reply_markup"))
        message["edit_date"] = now()
        message["edits"] = message.get("edits", 0) + 1
        self.activity.append((chat_id, message))
        async with self._changed:
            self._changed.notify_all()
        return message

    async def api_editmessagetext(self: BotApiStub, params: dict[str, Any]) -> Any:
        return await self._edit(params, text=True)

    async def api_editmessagereplymarkup(self: BotApiStub, params: dict[str, Any]) -> Any:
        return await self._edit(params, text=False)

    async def api_deletemessage(self: BotApiStub, params: dict[str, Any]) -> Any:
        chat_id = self._chat_of(params)
        self.chats[chat_id].by_id.pop(_int(params.get("message_id")) or 0, None)
        return True

    async def api_answercallbackquery(self: BotApiStub, params: dict[str, Any]) -> Any:
        self.callback_answers.append(params)
        return True

    async def api_sendchataction(self: BotApiStub, params: dict[str, Any]) -> Any:
        self._chat_of(params)
        return True

    async def api_setmycommands(self: BotApiStub, params: dict[str, Any]) -> Any:
        return True

    async def api_getfile(self: BotApiStub, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": file_id[-8:],
            "file_size": len(content),
            "file_path": path,
        }

    async def api_setwebhook(self: BotApiStub, params: dict[str, Any]) -> Any:
        self.webhook_url = str(params.get("url") or "") or None
        self.webhook_secret = params.get("secret_token") or None
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            self._pending.clear()
        for update in self._pending:
            self._webhook_queue.put_nowait(update)
        self._pending.clear()
        async with self._changed:
            self._changed.notify_all()
        return True

    async def api_deletewebhook(self: BotApiStub, params: dict[str, Any]) -> Any:
        self.webhook_url = None
        self.webhook_secret = None
        return True

    async def api_getwebhookinfo(self: BotApiStub, params: dict[str, Any]) -> Any:
        return {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
