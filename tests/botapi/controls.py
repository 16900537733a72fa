"""Test controls: act as residents, read what the bot did, inject failures."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import TYPE_CHECKING, Any

import aiohttp

from tests.botapi.objects import INTERNAL_FIELDS, FakeUser, file_ids, now, photo_sizes

if TYPE_CHECKING:
    from tests.botapi.server import BotApiStub

DEFAULT_TIMEOUT = 10.0
QUIET_PERIOD = 0.2  # after the expected replies arrive, wait this long for more
WEBHOOK_ATTEMPTS = 3
_callback_ids = itertools.count(1)


class ResidentControls:
    # -- updates ---------------------------------------------------------------------------

    async def push(self: BotApiStub, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), kind: payload}
        if self.webhook_url:
            self._webhook_queue.put_nowait(update)
        else:
            self._pending.append(update)
            async with self._changed:
                self._changed.notify_all()
        return update

    def _message_from(self: BotApiStub, user: FakeUser, **fields: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids[user.id]),
            "from": user.as_user(),
            "chat": user.as_chat(),
            "date": now(),
        }
        message.update(fields)
        return message

    async def _act(
        self: BotApiStub,
        user: FakeUser,
        kind: str,
        payload: dict[str, Any],
        expect: int,
        timeout: float,
    ) -> list[dict[str, Any]]:
        start = len(self.activity)
        await self.push(kind, payload)
        return await self.wait_activity(user.id, start, expect, timeout)

    async def wait_activity(
        self: BotApiStub, chat_id: int, start: int, expect: int, timeout: float = DEFAULT_TIMEOUT
    ) -> list[dict[str, Any]]:
        """Messages sent or edited in a chat since `start`: `expect` or more, then a pause."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout

        def seen() -> list[dict[str, Any]]:
            unique: dict[int, dict[str, Any]] = {}
            for chat, message in self.activity[start:]:
                if chat == chat_id:
                    unique[message["message_id"]] = message
            return list(unique.values())

        async with self._changed:
            while len(seen()) < expect:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise AssertionError(
                        f"chat {chat_id}: expected {expect} bot message(s), got "
                        f"{[m.get('text') for m in seen()]}"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
        while True:  # let stragglers arrive
            count = len(self.activity)
            await asyncio.sleep(QUIET_PERIOD)
            if len(self.activity) == count:
                return seen()

    async def say(
        self: BotApiStub,
        user: FakeUser,
        text: str,
        *,
        expect: int = 1,
        reply_to: dict[str, Any] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> list[dict[str, Any]]:
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is not None:
            fields["reply_to_message"] = reply_to
        return await self._act(user, "message", self._message_from(user, **fields), expect, timeout)

    async def press(
        self: BotApiStub,
        user: FakeUser,
        message: dict[str, Any],
        data: str,
        *,
        expect: int = 1,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> list[dict[str, Any]]:
        visible = {key: value for key, value in message.items() if key not in INTERNAL_FIELDS}
        query = {
            "id": str(next(_callback_ids)),
            "from": user.as_user(),
            "message": visible,
            "chat_instance": f"ci-{user.id}",
            "data": data,
        }
        return await self._act(user, "callback_query", query, expect, timeout)

    async def send_location(
        self: BotApiStub, user: FakeUser, latitude: float, longitude: float, *, expect: int = 1
    ) -> list[dict[str, Any]]:
        message = self._message_from(user, location={"latitude": latitude, "longitude": longitude})
        return await self._act(user, "message", message, expect, DEFAULT_TIMEOUT)

    def _register_file(self: BotApiStub, content: bytes, extension: str) -> tuple[str, str]:
        file_id, unique_id = file_ids()
        self.files[file_id] = (f"files/{unique_id}.{extension}", content)
        return file_id, unique_id

    async def send_photo(
        self: BotApiStub,
        user: FakeUser,
        content: bytes = b"\xff\xd8photo",
        *,
        caption: str | None = None,
        expect: int = 1,
    ) -> list[dict[str, Any]]:
        file_id, unique_id = self._register_file(content, "jpg")
        fields: dict[str, Any] = {"photo": photo_sizes(file_id, unique_id, len(content))}
        if caption:
            fields["caption"] = caption
        return await self._act(
            user, "message", self._message_from(user, **fields), expect, DEFAULT_TIMEOUT
        )

    async def send_voice(
        self: BotApiStub, user: FakeUser, duration: int = 4, *, expect: int = 1
    ) -> list[dict[str, Any]]:
        file_id, unique_id = self._register_file(b"OggS-voice", "oga")
        voice = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 10,
        }
        return await self._act(
            user, "message", self._message_from(user, voice=voice), expect, DEFAULT_TIMEOUT
        )

    async def send_other(
        self: BotApiStub, user: FakeUser, kind: str, *, expect: int = 1
    ) -> list[dict[str, Any]]:
        """A sticker, animation (GIF), document or contact."""
        file_id, unique_id = file_ids()
        payloads: dict[str, dict[str, Any]] = {
            "sticker": {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
            "animation": {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "width": 320,
                "height": 240,
                "duration": 3,
            },
            "document": {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "file_name": "scan.pdf",
                "mime_type": "application/pdf",
                "file_size": 2048,
            },
            "contact": {"phone_number": "+15550100", "first_name": "Friend"},
        }
        message = self._message_from(user, **{kind: payloads[kind]})
        return await self._act(user, "message", message, expect, DEFAULT_TIMEOUT)

    async def edit(
        self: BotApiStub, user: FakeUser, message_id: int, text: str, *, expect: int = 1
    ) -> list[dict[str, Any]]:
        edited = self._message_from(user, text=text, edit_date=now())
        edited["message_id"] = message_id
        return await self._act(user, "edited_message", edited, expect, DEFAULT_TIMEOUT)

    # -- reading -------------------------------------------------------------------------

    def messages(self: BotApiStub, chat_id: int) -> list[dict[str, Any]]:
        return list(self.chats[chat_id].messages)

    def last(self: BotApiStub, chat_id: int) -> dict[str, Any]:
        return self.chats[chat_id].messages[-1]

    # -- failures ------------------------------------------------------------------------

    def fail(
        self: BotApiStub,
        method: str,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        from tests.botapi.server import Failure

        for _ in range(times):
            self._failures[method].append(Failure(status, description, retry_after, chat_id))

    def block(self: BotApiStub, chat_id: int) -> None:
        """The resident blocked the bot: every send to them is a 403 from now on."""
        self._blocked.add(chat_id)

    # -- webhook -------------------------------------------------------------------------

    async def _deliver_webhooks(self: BotApiStub) -> None:
        while True:
            update = await self._webhook_queue.get()
            for _attempt in range(WEBHOOK_ATTEMPTS):
                if not self.webhook_url or self._http is None:
                    self._pending.append(update)
                    break
                headers = (
                    {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret}
                    if self.webhook_secret
                    else {}
                )
                try:
                    async with self._http.post(
                        self.webhook_url, json=update, headers=headers
                    ) as response:
                        self.webhook_responses.append(response.status)
                        if response.status < 300:
                            break
                except aiohttp.ClientError:
                    self.webhook_responses.append(0)
                await asyncio.sleep(0.2)
