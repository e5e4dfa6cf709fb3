"""What a send attempt answers, the policy it runs under, and the few names every step shares."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session

ACTOR = "worker:send"
MAILTRAIL_ID_HEADER = "X-Mailtrail-Id"
SEARCH_SKEW = timedelta(minutes=1)
"""Clock skew allowed between us and Gmail when searching Sent for an uncertain attempt."""


class Outcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    RETRY = "retry"
    WAIT = "wait"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    delay_seconds: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class Policy:
    lease: timedelta = timedelta(seconds=120)
    deadline: timedelta = timedelta(hours=1)
    daily_cap: int = 500
    units_per_minute: int = 15000
    backoff_unit: float = 2.0
    backoff_cap: float = 300.0
    max_message_bytes: int = 36_700_160
    """messages.send's `maxSize` in Gmail's discovery document (35 MB)."""


Sessions = Callable[[], AbstractContextManager[Session]]
Doubt = tuple[datetime | None, int | None]
"""Since when, and from which history cursor, an earlier attempt may have reached Gmail unseen."""
Failpoint = Callable[[str], None]


def no_failpoint(_name: str) -> None:
    return None
