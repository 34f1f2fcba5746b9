"""Fixed-window rate limits: in memory for one process, Redis when instances share the load."""

from __future__ import annotations

import time
from typing import Protocol


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Count one attempt. Returns seconds to wait when over the limit, else None."""

    async def close(self) -> None: ...


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        now = int(time.time())
        window = now // window_seconds
        current_window, count = self._windows.get(key, (window, 0))
        if current_window != window:
            count = 0
        count += 1
        self._windows[key] = (window, count)
        if len(self._windows) > 100_000:  # bound memory under a credential-stuffing flood
            self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        if count > limit:
            return (window + 1) * window_seconds - now
        return None

    async def close(self) -> None:
        return None


class RedisRateLimiter:
    def __init__(self, redis_url: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
        self._fallback = MemoryRateLimiter()

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        window = int(time.time()) // window_seconds
        redis_key = f"salescore:rl:{key}:{window}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                count, _ = await pipe.incr(redis_key).expire(redis_key, window_seconds).execute()
        except Exception:  # noqa: BLE001 - Redis down must not open the gate: limit locally
            return await self._fallback.hit(key, limit, window_seconds)
        if count > limit:
            return (window + 1) * window_seconds - int(time.time())
        return None

    async def close(self) -> None:
        await self._redis.aclose()


def build_rate_limiter(redis_url: str | None) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()
