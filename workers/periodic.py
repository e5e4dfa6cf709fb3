"""Periodic account jobs the scheduler runs: watch renewal and the safety sync for lost pushes."""

from __future__ import annotations

import logging

from sqlmodel import select

from domain.records import AccountState, MailAccount
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


def account_jobs(settings: Settings) -> list[Job]:
    return [
        Job("renew_watches", 3600.0, lambda: renew_watches_job(settings)),
        Job("safety_sync", settings.safety_sync_minutes * 60.0, safety_sync_job),
    ]
