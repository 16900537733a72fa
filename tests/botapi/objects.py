"""Bot API objects with the exact JSON shapes Telegram sends (aiogram validates them strictly)."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

_file_counter = itertools.count(1)
# Bookkeeping the stand-in keeps on stored messages; never part of an API response.
INTERNAL_FIELDS = frozenset({"raw", "upload", "edits", "keyboard"})


@dataclass(frozen=True)
class FakeUser:
    id: int
    first_name: str = "Resident"
    language_code: str | None = "en"
    username: str | None = None

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def as_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.username:
            chat["username"] = self.username
        return chat


def now() -> int:
    return int(time.time())


def file_ids() -> tuple[str, str]:
    number = next(_file_counter)
    return f"FILE{number:06d}-AgACAgIAAxkBAAI", f"UNIQ{number:06d}"


def photo_sizes(file_id: str, unique_id: str, size: int) -> list[dict[str, Any]]:
    return [
        {
            "file_id": f"{file_id}-s",
            "file_unique_id": f"{unique_id}s",
            "width": 90,
            "height": 67,
            "file_size": max(1, size // 20),
        },
        {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "width": 1280,
            "height": 960,
            "file_size": size,
        },
    ]


def bot_user(bot_id: int, username: str) -> dict[str, Any]:
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": "City Desk",
        "username": username,
        "can_join_groups": False,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }
