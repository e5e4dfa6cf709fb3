"""messages.get for many ids through Gmail's batch endpoint, surviving inner errors part by part.

Gmail runs a batch's parts concurrently and answers the parts over the user's concurrency with
an inner `429 Too many concurrent requests for user`, from about 25 parts and sometimes about 10
(practitioner reports, gmail-api.md §1.4 and §7). So a batch holds 10 parts, a part refused for
rate or a transient fault is retried alone (never the whole batch) after a backoff, in batches
halved after each throttled round, and a part whose message was deleted meanwhile (inner 404
`notFound`) is skipped. Only a part still refused after every round, or a refusal retrying cannot
cure (revoked grant, bad request), fails the call.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain.gateway import GatewayError, PermanentError, RateLimited, TransientError
from workers.gmail.errors import translate

BATCH_SIZE = 10
"""Parts per batch request: under every concurrency cap reported (gmail-api.md §1.4: none seen at
25, some at ~10), where Google allows 100 and discourages more than 50. The cost is one HTTP
round trip per 10 messages; quota is per part either way."""
ROUNDS = 6
"""Attempts per part: with halving, a round of single-part batches comes by the fourth."""
BACKOFF_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0

Runner = Callable[[list[str]], dict[str, Any]]
"""Runs one batch request for these ids: id -> the response, or the exception of that part."""


@dataclass
class BatchOutcome:
    """What one round learned: the parts served, the parts to try again, whether Gmail throttled."""

    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    retry: list[str] = field(default_factory=list)
    last_error: GatewayError | None = None
    throttled: bool = False


def classify(outcome: BatchOutcome, message_id: str, answer: Any) -> None:
    """Sort one part's answer into the outcome; raise what retrying cannot cure."""
    if not isinstance(answer, BaseException):
        outcome.results[message_id] = answer
        return
    error = translate(answer)
    if isinstance(error, PermanentError) and error.status == 404 and error.reason == "notFound":
        return  # deleted between listing and fetching: nothing to read
    if isinstance(error, RateLimited) and not error.daily:
        outcome.throttled = True
    elif not isinstance(error, TransientError):
        raise error
    outcome.retry.append(message_id)
    outcome.last_error = error


def get_many(
    run: Runner,
    ids: list[str],
    sleep: Callable[[float], None],
    batch_size: int = BATCH_SIZE,
    rounds: int = ROUNDS,
) -> dict[str, dict[str, Any]]:
    """Every id's response (deleted messages left out), retrying refused parts only."""
    pending = list(dict.fromkeys(ids))
    results: dict[str, dict[str, Any]] = {}
    size = max(1, batch_size)
    for attempt in range(rounds):
        outcome = BatchOutcome()
        for start in range(0, len(pending), size):
            chunk = pending[start : start + size]
            try:
                answers = run(chunk)
            except (RateLimited, TransientError) as error:  # the batch request itself failed
                if isinstance(error, RateLimited) and error.daily:
                    raise
                answers = dict.fromkeys(chunk, error)
            for message_id in chunk:
                classify(outcome, message_id, answers.get(message_id, TransientError("no answer for this part")))
        results.update(outcome.results)
        if not outcome.retry:
            return results
        if attempt == rounds - 1:
            assert outcome.last_error is not None
            raise outcome.last_error
        pending = outcome.retry
        if outcome.throttled:
            size = max(1, size // 2)
        delay = min(BACKOFF_CAP_SECONDS, BACKOFF_SECONDS * 2**attempt)
        sleep(delay / 2 + random.random() * delay / 2)
    return results
