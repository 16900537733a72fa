"""The delivery pace shared by every worker through Redis (see core.notifications.pacing).

Times come from the Redis server's clock inside the scripts, so workers on machines whose
clocks disagree still share one window. The window is a sorted set of slots scored by the time
each stops counting: "in flight" slots far in the future, completed ones one window after they
completed.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import socket
from typing import Any

from redis.asyncio import Redis

from core.notifications.pacing import IN_FLIGHT_SECONDS, WINDOW_SECONDS

KEY_PREFIX = "civicdesk:delivery:"
WINDOW_KEY, PAUSE_KEY = KEY_PREFIX + "window", KEY_PREFIX + "paused"

NOW_MS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# Returns 0 when a slot was taken, else the milliseconds to wait before asking again.
TAKE_SLOT = (
    NOW_MS
    + """
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 1000)
  return 0
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(first[2]) - now)
"""
)

# The send completed: its slot counts for one more window; the chat waits its interval.
RELEASE_SLOT = (
    NOW_MS
    + """
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
if KEYS[2] then redis.call('SET', KEYS[2], '1', 'PX', tonumber(ARGV[3])) end
return 0
"""
)

# Returns 0 when the chat's turn was taken, else the milliseconds until it may get another.
TAKE_CHAT_TURN = """
if redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then return 0 end
return math.max(1, redis.call('PTTL', KEYS[1]))
"""


class RedisPacer:
    def __init__(self, redis: Redis, per_second: float, chat_interval: float) -> None:
        self.redis = redis
        self.limit = max(1, int(per_second))
        self.chat_interval_ms = int(chat_interval * 1000)
        self._take_slot: Any = redis.register_script(TAKE_SLOT)
        self._release_slot: Any = redis.register_script(RELEASE_SLOT)
        self._take_chat_turn: Any = redis.register_script(TAKE_CHAT_TURN)
        # Slots must be unique across every pacer sharing the window: two with the same name
        # would count as one send. (Containers often share pids; hostnames can repeat.)
        prefix = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._names = (f"{prefix}:{n}" for n in itertools.count())

    async def take_slot(self) -> str:
        slot = next(self._names)
        args = [self.limit, int(IN_FLIGHT_SECONDS * 1000), slot]
        # Waiting for time to pass, not for an event.
        while (wait_ms := int(await self._take_slot(keys=[WINDOW_KEY, PAUSE_KEY], args=args))) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait_ms / 1000)
        return slot

    async def release_slot(self, slot: str, chat_id: int | None = None) -> None:
        keys = [WINDOW_KEY]
        if chat_id is not None and self.chat_interval_ms > 0:
            keys.append(f"{KEY_PREFIX}chat:{chat_id}")
        args = [int(WINDOW_SECONDS * 1000), slot, self.chat_interval_ms]
        await self._release_slot(keys=keys, args=args)

    async def chat_wait(self, chat_id: int) -> float:
        if self.chat_interval_ms <= 0:
            return 0.0
        wait_ms = int(
            await self._take_chat_turn(
                keys=[f"{KEY_PREFIX}chat:{chat_id}"], args=[self.chat_interval_ms]
            )
        )
        return wait_ms / 1000

    async def pause(self, seconds: float) -> None:
        milliseconds = max(1, int(seconds * 1000))
        # Never shorten a longer pause another worker already set.
        current = int(await self.redis.pttl(PAUSE_KEY))
        if current < milliseconds:
            await self.redis.set(PAUSE_KEY, "1", px=milliseconds)
