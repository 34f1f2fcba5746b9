"""Rate limits: a window opens at a key's first attempt and allows `limit` attempts in it.

In memory for one process; in Redis when instances share the load (REDIS_URL set).
"""

from __future__ import annotations

import math
import time
from typing import Protocol


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Count one attempt. Returns seconds to wait when over the limit, else None."""

    async def close(self) -> None: ...


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        now = time.monotonic()
        started, count = self._windows.get(key, (now, 0))
        if now - started >= window_seconds:
            started, count = now, 0
        count += 1
        self._windows[key] = (started, count)
        if len(self._windows) > 100_000:  # bound memory under a credential-stuffing flood
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < window_seconds}
        if count > limit:
            return max(1, math.ceil(started + window_seconds - now))
        return None

    async def close(self) -> None:
        return None


class RedisRateLimiter:
    def __init__(self, redis_url: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
        self._fallback = MemoryRateLimiter()

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        redis_key = f"salescore:rl:{key}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                count, _, ttl = await (
                    pipe.incr(redis_key).expire(redis_key, window_seconds, nx=True).ttl(redis_key).execute()
                )
        except Exception:  # noqa: BLE001 - Redis down must not open the gate: limit locally
            return await self._fallback.hit(key, limit, window_seconds)
        if count > limit:
            return max(1, int(ttl))
        return None

    async def close(self) -> None:
        await self._redis.aclose()


def build_rate_limiter(redis_url: str | None) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()
