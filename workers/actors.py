"""Dramatiq actors: thin, idempotent, taking ids only (messages may be delivered more than once)."""

from __future__ import annotations

import logging
import uuid

import dramatiq

from domain.dispatch import Outcome
from domain.settings import get_settings
from workers import runtime
from workers.broker import broker

log = logging.getLogger("mailtrail.actors")
SEND_QUEUE = get_settings().queue_name("send")


@dramatiq.actor(broker=broker, queue_name=SEND_QUEUE, max_retries=20, min_backoff=1000, max_backoff=300_000)
def send_email(email_id: str) -> None:
    """Send one PENDING email; schedule the next attempt when it must wait or retry."""
    result = runtime.dispatcher().send(uuid.UUID(email_id))
    log.info("send %s: %s %s", email_id, result.outcome.value, result.detail)
    if result.outcome in (Outcome.RETRY, Outcome.WAIT) and result.delay_seconds is not None:
        send_email.send_with_options(args=(email_id,), delay=max(1, int(result.delay_seconds * 1000)))


def enqueue_send(email_id: uuid.UUID | str) -> None:
    """Enqueue a send; call only after the commit that made the email PENDING."""
    send_email.send(str(email_id))


SYNC_QUEUE = get_settings().queue_name("sync")


@dramatiq.actor(broker=broker, queue_name=SYNC_QUEUE, max_retries=10, min_backoff=1000, max_backoff=60_000)
def sync_account(account_id: str) -> None:
    """Sync one mailbox from its history cursor; if a sync of it is running, run again shortly."""
    result = runtime.syncer().sync(uuid.UUID(account_id))
    if result is None:
        sync_account.send_with_options(args=(account_id,), delay=1000)
    else:
        log.info("sync %s: %s", account_id, result)


def enqueue_sync(account_id: uuid.UUID | str) -> None:
    sync_account.send(str(account_id))
