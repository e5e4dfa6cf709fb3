"""Per-token rate limits: HTTP 429 with Retry-After once a token has used its requests for the minute.

Counting uses the `limits` library's sliding-window counter (two counters per token, no list of
timestamps), in Redis so every API process shares the count, or in memory in the embedded mode
(one process). The limit is the organization's own figure when it has one, else the setting. If
the counter store fails, requests are let through and the failure logged: a rate limiter must not
take the API down with it.

A busy token does not cost a Redis round trip per request (the round trip was ~6% of a
sendEmail's CPU in the API). A process takes several of its hits from the shared count at once, a
lease, and spends them locally. Leases start at one hit, so a token that is not busy is counted
exactly, one request at a time. They double while each is used up within `LEASE_GROWS_WITHIN`,
up to 1/`LEASE_SHARE` of the limit and at most `LEASE_MAX`. Near the limit, a lease the shared
count cannot give is asked again as a single hit. What this costs in exactness:
- hits are counted when leased, so the shared count never lets more than the limit through in a
  window; a token may be refused early by the hits other processes hold unspent;
- a remainder spent in a later window was counted in the earlier one;
- either way, by at most `LEASE_SHARE`-th of the limit per process.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from api.auth import Principal
from domain.settings import Settings

log = logging.getLogger("mailtrail.api")


STORE_TIMEOUT = 2.0
"""Seconds a request waits for the counter store before it is let through (hit's whole round trip)."""
LEASE_SHARE = 64
"""A lease holds at most this fraction (1/64) of the token's limit: a limit under 128 is counted
one hit at a time."""
LEASE_MAX = 64
"""Hits one lease may hold, whatever the limit: one round trip per 64 requests at most."""
LEASE_GROWS_WITHIN = 1.0
"""Seconds: a lease used up this soon after it was taken makes the next one twice as large."""
LEASES_KEPT = 10_000
"""Tokens whose leases a process remembers; the oldest are forgotten (their unspent hits with them)."""


@dataclass(slots=True)
class Lease:
    """The hits this process took from a token's shared count and has not spent yet."""

    left: int
    size: int
    """How many hits the take that made it asked for."""
    taken_at: float


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
    """Counts each token's requests; `hit` answers how long to wait, or None to go ahead.

    `leases`: take hits from the shared count several at a time (the module's docstring); on by
    default for a store other processes share, off for the in-memory one (no round trip to save).
    """

    def __init__(
        self,
        settings: Settings,
        storage: Storage | None = None,
        timeout: float = STORE_TIMEOUT,
        leases: bool | None = None,
        clock: Any = time.monotonic,
    ) -> None:
        self.default = settings.rate_limit_per_minute
        self.timeout = timeout
        self.storage = storage or make_storage(settings)
        self.limiter = SlidingWindowCounterRateLimiter(self.storage)
        self.leases = not isinstance(self.storage, MemoryStorage) if leases is None else leases
        self.clock = clock
        self._items: dict[int, RateLimitItem] = {}
        self._leases: dict[tuple[str, int], Lease] = {}
        self._taking: set[tuple[str, int]] = set()
        """Tokens (with their limit) whose lease a request is taking from the shared count now."""

    def _item(self, per_minute: int) -> RateLimitItem:
        item = self._items.get(per_minute)
        if item is None:
            item = self._items[per_minute] = RateLimitItemPerMinute(per_minute)
        return item

    async def hit(self, principal: Principal) -> int | None:
        """Count one request; None when allowed, else the seconds to wait (at least 1)."""
        per_minute = principal.rate_limit or self.default
        key = principal.limit_key
        index = (key, per_minute)
        leasing = self.leases and per_minute >= 2 * LEASE_SHARE  # below that, a lease is one hit
        held = self._leases.get(index) if leasing else None
        if held is not None and held.left > 0:
            held.left -= 1
            return None
        item = self._item(per_minute)
        # One take at a time grows a lease: requests that find it empty while another's take is on
        # its way count one hit each, so a burst cannot lease the limit away many times over.
        size = 1 if index in self._taking else self._next_size(held, per_minute)
        if size > 1:
            self._taking.add(index)
        try:
            async with asyncio.timeout(self.timeout):
                if await self.limiter.hit(item, key, cost=size):
                    if leasing:
                        self._lease(index, size)
                    return None
                if size > 1 and await self.limiter.hit(item, key):  # near the limit: one at a time
                    self._lease(index, 1)
                    return None
                if held is not None:  # refused: the next take asks for one hit again
                    held.taken_at = -math.inf
                stats = await self.limiter.get_window_stats(item, key)
        except Exception as error:
            log.warning("rate limiter unavailable, request let through: %r", error)
            return None
        finally:
            if size > 1:
                self._taking.discard(index)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _next_size(self, held: Lease | None, per_minute: int) -> int:
        """How many hits to take: twice the last lease if it was spent quickly, else one."""
        if held is None or self.clock() - held.taken_at > LEASE_GROWS_WITHIN:
            return 1
        return max(1, min(held.size * 2, per_minute // LEASE_SHARE, LEASE_MAX))

    def _lease(self, index: tuple[str, int], size: int) -> None:
        """Note `size` hits taken for (token, limit) `index`, one of them spent by this request."""
        held = self._leases.pop(index, None)
        left = size - 1 + (held.left if held is not None else 0)  # another request's take may have landed
        self._leases[index] = Lease(left, size, self.clock())  # re-inserted: the newest in the order
        if len(self._leases) > LEASES_KEPT:
            del self._leases[next(iter(self._leases))]
