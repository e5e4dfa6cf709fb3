"""When a queued email may still go out: its `sendBefore`, the send deadline, the account's state.
Pure: no I/O.

An email that cannot go out before its `sendBefore` (waiting on the quota, on retries, or on an
account that needs re-authorisation) becomes FAILED with "expired before it could be sent", never
sent late. The worker's claim, the scheduler and the sweeper all ask these rules. An account that
needs re-authorisation makes its PENDING emails wait (`waitReason` ACCOUNT_NEEDS_REAUTH) until the
earlier of `sendBefore` and the send deadline; reconnecting it resumes them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.errors import DomainError, ErrorCode

EXPIRED = "expired before it could be sent"
NEEDS_REAUTH = "ACCOUNT_NEEDS_REAUTH"
"""The `waitReason` of an email waiting for its account to be reconnected."""


def expired(now: datetime, send_before: datetime | None) -> bool:
    """Whether `sendBefore` has passed."""
    return send_before is not None and now >= send_before


def misses(moment: datetime, send_before: datetime | None) -> bool:
    """Whether a send that can start only at `moment` would start too late."""
    return send_before is not None and moment >= send_before


def expired_message(detail: str | None = None) -> str:
    """The FAILED email's error message."""
    return f"{EXPIRED}: {detail}" if detail else EXPIRED


def reauth_wait_until(send_before: datetime | None, queued_at: datetime, deadline: timedelta) -> datetime:
    """How long an email may wait for its account to be reconnected."""
    until = queued_at + deadline
    return min(until, send_before) if send_before is not None else until


def check_send_before(send_before: datetime | None, planned: datetime | None, now: datetime) -> None:
    """A `sendBefore` must carry a timezone, lie in the future, and after the planned send time."""
    if send_before is None:
        return
    if send_before.tzinfo is None or send_before.utcoffset() is None:
        raise DomainError(ErrorCode.NAIVE_DATETIME, "sendBefore must include a timezone offset", "sendBefore")
    if send_before <= now:
        raise DomainError(ErrorCode.SEND_WINDOW_INVALID, "sendBefore must be in the future", "sendBefore")
    if planned is not None and send_before <= planned:
        raise DomainError(ErrorCode.SEND_WINDOW_INVALID, "sendBefore must be after plannedSendAt", "sendBefore")
