"""Prometheus metrics: one definition per family, shared by the API, the workers and the scheduler.

Counters are incremented where the thing happens, in this layer only (the domain knows nothing
of Prometheus): send outcomes around the dispatcher, Gmail latency and errors around the
gateway adapter (workers/instrumented.py), webhook outcomes in the webhook actor, and bounces
and quota waits from the audit events each transaction commits (a session listener below).
State gauges (queue lag, sync lag, backlog, open subscriptions) are read by the API when it
is scraped (api/ops.py).

Worker processes: `mailtrail worker` sets PROMETHEUS_MULTIPROC_DIR before Dramatiq forks, so
every process writes its samples to shared files and the worker's own endpoint
(`metrics_port`) adds them up (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter as Tally
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.orm import Session

from domain.records import OutboundEmailEvent

log = logging.getLogger("mailtrail.metrics")

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

SENDS = Counter("mailtrail_sends", "Send attempts by outcome (sent, failed, retry, wait, skipped).", ["outcome"])
QUOTA_WAITS = Counter(
    "mailtrail_quota_waits", "Sends made to wait for the account's Gmail budget, by reason.", ["reason"]
)
GMAIL_CALL_SECONDS = Histogram(
    "mailtrail_gmail_call_seconds", "Gmail API call latency by operation.", ["operation"], buckets=LATENCY_BUCKETS
)
GMAIL_ERRORS = Counter(
    "mailtrail_gmail_errors", "Failed Gmail API calls by operation and kind of error.", ["operation", "kind"]
)
BOUNCES = Counter(
    "mailtrail_bounces", "Bounced recipients linked to an email, by reason and permanence.", ["reason", "permanence"]
)
WEBHOOK_DELIVERIES = Counter(
    "mailtrail_webhook_deliveries", "Webhook attempts by outcome (delivered, retry, failed, refused...).", ["outcome"]
)
WEBHOOK_SECONDS = Histogram(
    "mailtrail_webhook_delivery_seconds", "Webhook receiver answer time.", buckets=LATENCY_BUCKETS
)
WEBHOOK_FANOUT_EVENTS = Counter("mailtrail_webhook_fanout_events", "Audit events read by the webhook fan-out.")
WEBHOOK_FANOUT_HOLES = Gauge(
    "mailtrail_webhook_fanout_open_holes", "Seqs the fan-out waits on (uncommitted).", multiprocess_mode="max"
)
QUEUE_LAG = Gauge(
    "mailtrail_send_queue_lag_seconds",
    "How long the longest-waiting due PENDING email has waited for a worker.",
    multiprocess_mode="max",
)
PENDING_EMAILS = Gauge("mailtrail_pending_emails", "Emails PENDING (due or waiting).", multiprocess_mode="max")
SYNC_LAG = Gauge(
    "mailtrail_sync_lag_seconds",
    "Time since each active account's last mailbox sync.",
    ["account"],
    multiprocess_mode="max",
)
OPEN_SUBSCRIPTIONS = Gauge(
    "mailtrail_open_subscriptions", "Open GraphQL subscriptions in this API process.", multiprocess_mode="livesum"
)
WEBHOOK_BACKLOG = Gauge(
    "mailtrail_webhook_backlog",
    "Webhook deliveries PENDING (due, retrying or waiting their turn).",
    multiprocess_mode="max",
)


def observe_send(outcome: str) -> None:
    SENDS.labels(outcome).inc()


def observe_webhook(result: Any) -> None:
    """Count one webhook actor run (a domain.webhooks.attempt.DeliveryResult)."""
    outcome = "refused" if result.refused else result.outcome.value
    WEBHOOK_DELIVERIES.labels(outcome).inc()
    if result.latency_ms is not None and not result.refused:
        WEBHOOK_SECONDS.observe(result.latency_ms / 1000)


def quota_reason(text: str) -> str:
    """A small, fixed set of labels for the wait reasons the dispatcher writes."""
    lowered = text.lower()
    if "daily send cap" in lowered:
        return "daily_cap"
    if "units per minute" in lowered:
        return "per_minute"
    if "daily sending limit" in lowered:
        return "gmail_daily_limit"
    if "rate limit" in lowered:
        return "gmail_rate_limit"
    return "other"


def bounce_labels(recipient: dict[str, Any]) -> tuple[str, str]:
    """(reason, permanence) of one bounced recipient as stored in an event's bounce_details."""
    reason, permanence = recipient.get("reason"), recipient.get("permanence")
    if reason is None or permanence is None:
        from domain.bounces.classify import classify

        verdict = classify(
            recipient.get("status_code"), recipient.get("diagnostic") or "", recipient.get("action") or "failed"
        )
        reason, permanence = verdict.reason, verdict.permanence.value
    return str(reason), str(permanence)


# -- counting committed audit events --------------------------------------------------------

_PENDING = "mailtrail_metrics_events"
_COUNTED = {"bounce_detected", "rate_limited"}
_installed = threading.Lock()
_is_installed = False


def count_events(events: list[tuple[str, dict[str, Any]]]) -> None:
    """Count what committed events say (called after the commit, never on rollback)."""
    bounces: Tally[tuple[str, str]] = Tally()
    for kind, data in events:
        if kind == "bounce_detected":
            for recipient in (data.get("bounce_details") or {}).get("bounced_recipients", []):
                if recipient.get("action", "failed") != "delayed":
                    bounces[bounce_labels(recipient)] += 1
        elif kind == "rate_limited":
            QUOTA_WAITS.labels(quota_reason(str(data.get("reason", "")))).inc()
    for (reason, permanence), count in bounces.items():
        BOUNCES.labels(reason, permanence).inc(count)


def _collect(session: Session, _context: Any) -> None:
    written = [(e.kind, dict(e.data or {})) for e in session.new if isinstance(e, OutboundEmailEvent)]
    written = [item for item in written if item[0] in _COUNTED]
    if written:
        session.info.setdefault(_PENDING, []).extend(written)


def _after_commit(session: Session) -> None:
    items = session.info.pop(_PENDING, None)
    if items:
        try:
            count_events(items)
        except Exception:  # metrics must never break a committed transaction's caller
            log.exception("counting committed events failed")


def _discard(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING, None)


def install_event_counters() -> None:
    """Listen to every session of this process (idempotent)."""
    global _is_installed
    with _installed:
        if _is_installed:
            return
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _discard)
        _is_installed = True


install_event_counters()
