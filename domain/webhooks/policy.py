"""When to try a webhook again, when to give up, and when to disable an endpoint. Pure rules.

Delays grow threefold from `base` up to `cap`, each drawn within ±20% (jitter, so a receiver
coming back is not hit by every retry at the same instant). With the defaults (10 s, cap 12 h)
the attempts land at about 0 s, 10 s, 40 s, 2 min, 6 min, 20 min, 1 h, 3 h, 9 h, then every
12 h, and a delivery is given up once the next one would fall past the horizon (3 days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

JITTER = 0.2
FACTOR = 3.0


@dataclass(frozen=True)
class RetryPolicy:
    base: float
    cap: float
    horizon: float
    disable_after: float


def retry_delay(attempts: int, policy: RetryPolicy, jitter: float) -> float:
    """Seconds before the next attempt after `attempts` failed ones; `jitter` is uniform in [0, 1)."""
    raw = min(policy.cap, policy.base * FACTOR ** max(0, attempts - 1))
    return raw * (1 - JITTER + 2 * JITTER * jitter)


def next_attempt(
    series_started_at: datetime, now: datetime, attempts: int, policy: RetryPolicy, jitter: float
) -> datetime | None:
    """When to try again, or None to give up (the next try would fall past the horizon)."""
    at = now + timedelta(seconds=retry_delay(attempts, policy, jitter))
    if at > series_started_at + timedelta(seconds=policy.horizon):
        return None
    return at


def should_disable(failing_since: datetime | None, now: datetime, policy: RetryPolicy) -> bool:
    """An endpoint that has not answered one delivery successfully for `disable_after` seconds."""
    return failing_since is not None and now - failing_since >= timedelta(seconds=policy.disable_after)


def is_success(status_code: int | None) -> bool:
    """Standard Webhooks: any 2xx acknowledges the message; anything else (a redirect too) is retried."""
    return status_code is not None and 200 <= status_code < 300
