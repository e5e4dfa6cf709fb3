"""The emulator's switches: quotas, history retention, and the Gmail behaviours a test may turn
up or down (batch concurrency, search indexing lag, where history ids start)."""

from __future__ import annotations

from dataclasses import dataclass

UINT64_MAX = 2**64 - 1
HISTORY_ID_HEADROOM = 2**40
"""History ids a mailbox may still take after its start, so a base near 2**64 never overflows."""


@dataclass
class Limits:
    """The emulator's switches; `Emulator.set_limits` and `POST /_control/limits` change them live."""

    units_per_minute: int = 15000
    daily_send_cap: int = 2000
    history_retention: int = 10_000  # history records kept per mailbox before the oldest expire
    rewrite_message_id: bool = True
    batch_concurrency: int | None = 25
    """Parts of one batch served at once per user; the others get an inner 429 "Too many concurrent
    requests for user" (practitioners see it from ~25 parts, some at ~10: gmail-api.md §1.4, §7).
    None: no limit."""
    search_lag_seconds: float = 0.0
    """A message is visible to `q=` searches only this long after it was added (search indexing
    lag; whether Gmail has one after a send is unverified, gmail-api.md §5). Reads and history
    see it at once."""
    history_id_base: int = 0
    """New mailboxes start their history ids just above this (uint64: up to 2**64 - 2**40)."""

    def __post_init__(self) -> None:
        check_limits(self)


def check_limits(limits: Limits) -> None:
    """ValueError for a switch of the wrong type or out of range (the control API answers 400)."""
    for name in ("units_per_minute", "daily_send_cap", "history_retention", "history_id_base"):
        if not _is_int(getattr(limits, name)):
            raise ValueError(f"{name} must be an integer")
    if not isinstance(limits.rewrite_message_id, bool):
        raise ValueError("rewrite_message_id must be true or false")
    if limits.batch_concurrency is not None and not _is_int(limits.batch_concurrency):
        raise ValueError("batch_concurrency must be an integer or null")
    if not (_is_int(limits.search_lag_seconds) or isinstance(limits.search_lag_seconds, float)):
        raise ValueError("search_lag_seconds must be a number")
    if limits.batch_concurrency is not None and limits.batch_concurrency < 1:
        raise ValueError("batch_concurrency must be at least 1, or None for no limit")
    if limits.search_lag_seconds < 0:
        raise ValueError("search_lag_seconds must not be negative")
    check_history_id_base(limits.history_id_base)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_history_id_base(base: int) -> None:
    if not _is_int(base) or not 0 <= base <= UINT64_MAX + 1 - HISTORY_ID_HEADROOM:
        raise ValueError(f"history_id_base must be between 0 and 2**64 - 2**40, not {base}")
