"""Throttling failed sign-ins, per account and per address (shared through Redis if configured)."""

from __future__ import annotations

import time
from collections import defaultdict

from redis.asyncio import Redis

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


class SignInThrottle:
    def __init__(self, redis: Redis | None) -> None:
        self.redis = redis
        self._memory: dict[str, list[float]] = defaultdict(list)

    async def _count(self, key: str) -> int:
        if self.redis is not None:
            return int(await self.redis.get(key) or 0)
        cutoff = time.monotonic() - WINDOW_SECONDS
        self._memory[key] = [moment for moment in self._memory[key] if moment > cutoff]
        return len(self._memory[key])

    async def _add(self, key: str) -> None:
        if self.redis is not None:
            count = await self.redis.incr(key)
            if count == 1:
                await self.redis.expire(key, WINDOW_SECONDS)
            return
        self._memory[key].append(time.monotonic())

    @staticmethod
    def _keys(email: str, address: str) -> tuple[str, str]:
        return (
            f"civicdesk:signin:account:{email.strip().lower()}",
            f"civicdesk:signin:address:{address}",
        )

    async def blocked(self, email: str, address: str) -> bool:
        account, ip = self._keys(email, address)
        return (
            await self._count(account) >= MAX_FAILURES_PER_ACCOUNT
            or await self._count(ip) >= MAX_FAILURES_PER_ADDRESS
        )

    async def failed(self, email: str, address: str) -> None:
        for key in self._keys(email, address):
            await self._add(key)

    async def succeeded(self, email: str, address: str) -> None:
        account, _ = self._keys(email, address)
        if self.redis is not None:
            await self.redis.delete(account)
        else:
            self._memory.pop(account, None)
