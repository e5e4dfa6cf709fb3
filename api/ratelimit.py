"""Per-token rate limits: HTTP 429 with Retry-After once a token has used its requests for the minute.

Counting uses the `limits` library's sliding-window counter (two counters per token, no list of
timestamps), in Redis so every API process shares the count, or in memory in the embedded mode
(one process). The limit is the organization's own figure when it has one, else the setting. If
the counter store fails, requests are let through and the failure logged: a rate limiter must not
take the API down with it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from api.auth import Principal
from domain.settings import Settings

log = logging.getLogger("mailtrail.api")


STORE_TIMEOUT = 2.0
"""Seconds a request waits for the counter store before it is let through (hit's whole round trip)."""


def storage_url(settings: Settings) -> str:
    """Where the counters live: the setting, else memory (embedded) or the broker's Redis."""
    if settings.rate_limit_storage_url:
        return settings.rate_limit_storage_url
    if not settings.embedded and settings.broker_url.startswith(("redis://", "rediss://")):
        return settings.broker_url
    return "memory://"


def make_storage(settings: Settings) -> Storage:
    url = storage_url(settings)
    if url.startswith("memory://"):
        return MemoryStorage()
    prefix = f"mailtrail:{settings.queue_namespace or 'default'}:ratelimit"
    # No per-operation socket timeout: RateLimiter.hit bounds the whole call. redis-py writes under
    # a socket timeout through asyncio.wait_for, a task per command (~20 us of every request).
    timeouts: dict[str, Any] = {"socket_timeout": None, "socket_connect_timeout": STORE_TIMEOUT}  # None: typed out
    return RedisStorage(url, implementation="redispy", key_prefix=prefix, **timeouts)


class RateLimiter:
    """Counts each token's requests; `hit` answers how long to wait, or None to go ahead."""

    def __init__(self, settings: Settings, storage: Storage | None = None, timeout: float = STORE_TIMEOUT) -> None:
        self.default = settings.rate_limit_per_minute
        self.timeout = timeout
        self.storage = storage or make_storage(settings)
        self.limiter = SlidingWindowCounterRateLimiter(self.storage)
        self._items: dict[int, RateLimitItem] = {}

    def _item(self, per_minute: int) -> RateLimitItem:
        item = self._items.get(per_minute)
        if item is None:
            item = self._items[per_minute] = RateLimitItemPerMinute(per_minute)
        return item

    async def hit(self, principal: Principal) -> int | None:
        """Count one request; None when allowed, else the seconds to wait (at least 1)."""
        item = self._item(principal.rate_limit or self.default)
        key = principal.limit_key
        try:
            async with asyncio.timeout(self.timeout):
                if await self.limiter.hit(item, key):
                    return None
                stats = await self.limiter.get_window_stats(item, key)
        except Exception as error:
            log.warning("rate limiter unavailable, request let through: %r", error)
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))
