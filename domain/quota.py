"""Per-account Gmail budget, so sends wait for a slot instead of hitting Gmail's limits.

Gmail allows each user 15,000 quota units per minute (250 per second) and `messages.send` costs
100 units; daily sending is capped at 2,000 messages for Workspace and 500 for consumer accounts
(shared reference gmail-api.md §4.3 and §7). Accounts share nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

SEND_UNITS = 100
DAY = timedelta(hours=24)
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Wait:
    """No slot now: try again at `until`, for the human-readable `reason`."""

    until: datetime
    reason: str


def next_slot(
    now: datetime,
    sent_last_day: Sequence[datetime],
    attempts_last_minute: Sequence[datetime],
    daily_cap: int,
    units_per_minute: int,
) -> Wait | None:
    """None when a send may start now; otherwise when the earliest slot opens and why.

    `sent_last_day` and `attempts_last_minute` are the account's send times in the rolling
    windows, oldest first.
    """
    per_minute = sends_per_minute(units_per_minute)
    return next_slot_from_marks(
        now,
        sent_last_day[len(sent_last_day) - daily_cap] if 0 < daily_cap <= len(sent_last_day) else None,
        attempts_last_minute[len(attempts_last_minute) - per_minute]
        if per_minute <= len(attempts_last_minute)
        else None,
        daily_cap,
        units_per_minute,
    )


def sends_per_minute(units_per_minute: int) -> int:
    return max(1, units_per_minute // SEND_UNITS)


def next_slot_from_marks(
    now: datetime,
    day_mark: datetime | None,
    minute_mark: datetime | None,
    daily_cap: int,
    units_per_minute: int,
) -> Wait | None:
    """`next_slot` from the only sends that matter: the `daily_cap`-th most recent send of the last
    day and the `sends_per_minute`-th most recent attempt of the last minute (None when the
    window holds fewer). The database finds these two with an index, whatever the volume.
    """
    if daily_cap <= 0:
        return Wait(now + DAY, "daily send cap is 0 for this account")
    if day_mark is not None:
        opens = day_mark + DAY
        return Wait(opens, f"daily send cap of {daily_cap} reached; next slot at {opens.isoformat()}")
    if minute_mark is not None:
        opens = minute_mark + MINUTE
        return Wait(
            opens, f"Gmail quota of {units_per_minute} units per minute reached; next slot at {opens.isoformat()}"
        )
    return None


def backoff_seconds(attempt: int, unit: float, cap: float, jitter: float) -> float:
    """Exponential backoff with jitter: `jitter` in [0, 1) picks a point in the upper half of the step."""
    step = min(cap, unit * 2.0 ** max(0, attempt - 1))
    return step * (0.5 + 0.5 * jitter)
