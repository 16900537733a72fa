"""Sending at a pace the channel accepts: a global rate and one message per chat per interval.

The global limit is a sliding window, not a token bucket: a bucket lets a full burst follow a
full second of steady sending, twice the limit within one second, and Telegram counts that.

Telegram counts a message when it arrives, which is some time after we decided to send it. So a
send holds its place in the window from the moment it is decided until it has completed, and
then counts from its completion: Telegram received it in between, so no second of arrivals can
hold more than the limit, however late a request gets there. A send whose worker died frees its
place after IN_FLIGHT_SECONDS.

`MemoryPacer` serves one process; `worker.pacing.RedisPacer` shares the same limits among
several workers.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Protocol

WINDOW_SECONDS = 1.0
IN_FLIGHT_SECONDS = 60.0  # longer than any send may take (the notifier times out first)


class Pacer(Protocol):
    async def take_slot(self) -> str:
        """Wait until one more message may go out under the global rate; returns the slot."""

    async def release_slot(self, slot: str, chat_id: int | None = None) -> None:
        """The send that took `slot` has completed (or failed): it counts from now on, and so
        does the chat's interval."""

    async def chat_wait(self, chat_id: int) -> float:
        """0 and the chat's turn is taken, or how many seconds until the chat may get another."""

    async def pause(self, seconds: float) -> None:
        """Stop all sending for a while (the channel said "too many requests")."""


class MemoryPacer:
    def __init__(self, per_second: float, chat_interval: float) -> None:
        self.limit = max(1, int(per_second))
        self.chat_interval = chat_interval
        self._counted: dict[str, float] = {}  # slot -> when it stops counting
        self._chat_last: dict[int, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self._names = (str(n) for n in itertools.count())

    def _wait_needed(self, now: float) -> float:
        if now < self._paused_until:
            return self._paused_until - now
        self._counted = {slot: until for slot, until in self._counted.items() if until > now}
        if len(self._counted) < self.limit:
            return 0.0
        return min(self._counted.values()) - now

    async def take_slot(self) -> str:
        async with self._lock:
            # Waiting for time to pass, not for an event.
            while (wait := self._wait_needed(time.monotonic())) > 0:  # noqa: ASYNC110
                await asyncio.sleep(wait)
            slot = next(self._names)
            self._counted[slot] = time.monotonic() + IN_FLIGHT_SECONDS
            return slot

    async def release_slot(self, slot: str, chat_id: int | None = None) -> None:
        now = time.monotonic()
        if slot in self._counted:
            self._counted[slot] = now + WINDOW_SECONDS
        if chat_id is not None:
            self._chat_last[chat_id] = now

    async def chat_wait(self, chat_id: int) -> float:
        now = time.monotonic()
        last = self._chat_last.get(chat_id)
        if last is not None and now - last < self.chat_interval:
            return self.chat_interval - (now - last)
        self._chat_last[chat_id] = now
        if len(self._chat_last) > 100_000:  # forget chats whose interval is long over
            self._chat_last = {
                chat: moment
                for chat, moment in self._chat_last.items()
                if now - moment < self.chat_interval
            }
        return 0.0

    async def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
