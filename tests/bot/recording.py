"""A recording aiogram session: the real Bot and dispatcher, with API calls captured in memory."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncGenerator
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import EditMessageText, SendDocument, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Message, User

BOT = User(id=1, is_bot=True, first_name="City Desk", username="city_desk_test_bot")


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self._ids = itertools.count(1)

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.calls.append(method)
        if isinstance(method, SendMessage | SendDocument | EditMessageText):
            chat_id = int(method.chat_id or 0)
            return Message(
                message_id=next(self._ids),
                date=int(time.time()),  # type: ignore[return-value]
                chat=Chat(id=chat_id, type="private"),
                from_user=BOT,
                text=getattr(method, "text", None),
            )
        return True  # type: ignore[return-value]

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""

    async def close(self) -> None:
        return None

    def texts(self) -> list[str]:
        return [
            str(getattr(call, "text", "") or getattr(call, "caption", ""))
            for call in self.calls
            if isinstance(call, SendMessage | EditMessageText | SendDocument)
        ]
