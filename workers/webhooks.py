"""Webhook actors and the scheduler's webhook jobs: thin, idempotent, taking ids only.

`deliver_webhook` makes one attempt (domain/webhooks/attempt.py) and enqueues what follows:
its own retry (delayed), or the next event of the same email. The fan-out job turns new audit
events into deliveries (domain/webhooks/fanout.py says why it is driven from the trail) and
enqueues them after its commit; the sweep job re-enqueues a delivery whose message was lost.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache

import dramatiq

from domain.records import utcnow
from domain.settings import Settings, get_settings
from domain.webhooks.attempt import Deliverer, DeliveryResult, Outcome
from domain.webhooks.fanout import CHUNK, fan_out
from domain.webhooks.maintenance import forget_old, lost_deliveries
from domain.webhooks.policy import RetryPolicy
from domain.webhooks.targets import TargetPolicy
from workers import metrics, runtime
from workers.broker import broker
from workers.db import session_scope
from workers.scheduler import Job
from workers.webhook_http import DnsResolver, HttpTransport

log = logging.getLogger("mailtrail.webhooks")
WEBHOOK_QUEUE = get_settings().queue_name("webhooks")
FANOUT_ROUNDS = 20
"""Chunks one fan-out run may take before it lets the other jobs run."""


def target_policy(settings: Settings) -> TargetPolicy:
    return TargetPolicy(
        require_https=settings.env == "production",
        allow_private=settings.webhook_private_targets_allowed(settings.env),
    )


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        base=settings.webhook_retry_base_seconds,
        cap=settings.webhook_retry_cap_seconds,
        horizon=settings.webhook_retry_horizon_seconds,
        disable_after=settings.webhook_disable_after_seconds,
    )


@lru_cache(maxsize=1)
def deliverer() -> Deliverer:
    settings = get_settings()
    return Deliverer(
        sessions=session_scope,
        transport=HttpTransport(),
        resolver=DnsResolver(),
        decrypt=runtime.cipher().decrypt,
        retry=retry_policy(settings),
        targets=target_policy(settings),
        timeout=settings.webhook_timeout_seconds,
        lease=timedelta(seconds=settings.webhook_lease_seconds),
    )


@dramatiq.actor(broker=broker, queue_name=WEBHOOK_QUEUE, max_retries=10, min_backoff=1000, max_backoff=60_000)
def deliver_webhook(delivery_id: str) -> None:
    """One attempt of one delivery; then its retry, or the next event of the same email."""
    result = deliverer().deliver(uuid.UUID(delivery_id))
    metrics.observe_webhook(result)
    log.debug("webhook %s: %s %s", delivery_id, result.outcome.value, result.detail)
    follow_up(delivery_id, result)


def follow_up(delivery_id: str, result: DeliveryResult) -> None:
    enqueue_deliveries(result.follow_up)
    if result.outcome in (Outcome.RETRY, Outcome.WAIT) and result.delay_seconds is not None:
        deliver_webhook.send_with_options(args=(delivery_id,), delay=max(1, int(result.delay_seconds * 1000)))


def enqueue_deliveries(ids: Iterable[uuid.UUID | str]) -> None:
    """Enqueue deliveries; call only after the commit that made them PENDING."""
    for delivery_id in ids:
        deliver_webhook.send(str(delivery_id))


def fanout_once(limit: int = CHUNK) -> int:
    """One fan-out transaction, its deliveries enqueued after the commit; the number of events read."""
    with session_scope() as session:
        result = fan_out(session, limit=limit)
    enqueue_deliveries(result.to_enqueue)
    metrics.WEBHOOK_FANOUT_EVENTS.inc(result.events)
    metrics.WEBHOOK_FANOUT_HOLES.set(result.open_holes)
    return result.events


def fanout_job() -> None:
    for _ in range(FANOUT_ROUNDS):
        if fanout_once() < CHUNK:
            return


def sweep_job(settings: Settings) -> None:
    stale = timedelta(seconds=settings.webhook_stale_seconds)
    lease = timedelta(seconds=settings.webhook_lease_seconds)
    with session_scope() as session:
        ids = lost_deliveries(session, utcnow(), stale, lease)
    if ids:
        log.info("re-enqueueing %d webhook deliveries whose message was lost", len(ids))
    enqueue_deliveries(ids)


def retention_job(settings: Settings) -> None:
    with session_scope() as session:
        forgotten = forget_old(session, utcnow() - timedelta(days=settings.webhook_retention_days))
    if forgotten:
        log.info("forgot %d webhook messages past retention", forgotten)


def webhook_jobs(settings: Settings) -> list[Job]:
    """The scheduler's webhook jobs."""
    return [
        Job("webhook_fanout", settings.webhook_fanout_interval_seconds, fanout_job),
        Job("webhook_sweep", max(1.0, settings.webhook_stale_seconds / 2), lambda: sweep_job(settings)),
        Job("webhook_retention", 3600.0, lambda: retention_job(settings)),
    ]
