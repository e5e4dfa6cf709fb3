"""Periodic account jobs the scheduler runs: watch renewal and the safety sync for lost pushes."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import col, delete, select

from domain.records import AccountSendHour, AccountState, MailAccount, PushReceipt, utcnow
from domain.settings import Settings
from workers.db import session_scope
from workers.scheduler import Job

log = logging.getLogger("mailtrail.periodic")


def renew_watches_job(settings: Settings) -> None:
    from workers import runtime
    from workers.connect import renew_watches

    renewed = renew_watches(settings, session_scope, runtime.gateway(), runtime.cipher())
    if renewed:
        log.info("renewed %d Gmail watches", renewed)


def safety_sync_job() -> None:
    """Pushes can be delayed or dropped (Gmail sends at most one per second per user): sync anyway."""
    from workers.actors import enqueue_sync

    with session_scope() as session:
        ids = session.exec(select(MailAccount.id).where(MailAccount.state == AccountState.ACTIVE)).all()
    for account_id in ids:
        enqueue_sync(account_id)


PUSH_RETENTION = timedelta(days=7)
"""Pub/Sub redelivers a push for at most its message retention, 7 days by default."""


def forget_old_push_receipts_job() -> None:
    """A receipt only has to outlive the redeliveries of its push."""
    with session_scope() as session:
        session.exec(delete(PushReceipt).where(col(PushReceipt.received_at) < utcnow() - PUSH_RETENTION))


SEND_HOURS_KEPT = timedelta(hours=48)
"""The claim adds up the last 25 hours' sends (domain/dispatch/claim_read.py); older counts are idle."""


def forget_old_send_hours_job() -> None:
    with session_scope() as session:
        session.exec(delete(AccountSendHour).where(col(AccountSendHour.hour) < utcnow() - SEND_HOURS_KEPT))


def account_jobs(settings: Settings) -> list[Job]:
    return [
        Job("renew_watches", 3600.0, lambda: renew_watches_job(settings)),
        Job("safety_sync", settings.safety_sync_minutes * 60.0, safety_sync_job),
        Job("forget_old_push_receipts", 3600.0, forget_old_push_receipts_job),
        Job("forget_old_send_hours", 3600.0, forget_old_send_hours_job),
    ]
