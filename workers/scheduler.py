"""The scheduler: due drafts to PENDING, a sweeper for lost jobs, and the periodic account jobs.

Several schedulers may run: rows are claimed with FOR UPDATE SKIP LOCKED, so each due draft is
queued by exactly one of them, and a draft being unscheduled (row locked) is simply skipped.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import col, or_, select

from domain import expiry, send_window
from domain.dispatch import Sessions
from domain.lifecycle import Action, EmailStatus
from domain.records import OutboundEmail, utcnow
from domain.sending import queue

log = logging.getLogger("mailtrail.scheduler")
ACTOR = "scheduler"


def release_due_drafts(sessions: Sessions, now: datetime, limit: int = 200) -> list[uuid.UUID]:
    """Move drafts whose planned time has come to PENDING; return their ids (enqueue after this commit).

    A draft whose sendBefore has passed too (the scheduler was down, say) is FAILED instead.
    """
    with sessions() as session:
        rows = session.exec(
            select(OutboundEmail)
            .where(OutboundEmail.status == EmailStatus.DRAFT, col(OutboundEmail.planned_send_at) <= now)
            .order_by(col(OutboundEmail.planned_send_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        due = []
        for email in rows:
            queue(session, email, ACTOR, now, Action.PLANNED_TIME_REACHED)
            if send_window.expired(now, email.send_before):
                expiry.fail_expired(session, email, now, ACTOR)
            else:
                due.append(email.id)
        return due


def expire_overdue(sessions: Sessions, now: datetime, lease: timedelta) -> list[uuid.UUID]:
    """FAIL the PENDING emails whose sendBefore passed while they waited (domain/expiry.py)."""
    with sessions() as session:
        return expiry.expire_overdue(session, now, lease, ACTOR)


def stale_pending(
    sessions: Sessions, now: datetime, stale: timedelta, lease: timedelta, limit: int = 500
) -> list[uuid.UUID]:
    """PENDING emails whose job seems lost: due long ago and unclaimed, or claimed past the lease."""
    E = OutboundEmail
    with sessions() as session:
        rows = session.exec(
            select(E.id)
            .where(
                E.status == EmailStatus.PENDING,
                or_(
                    col(E.attempt_token).is_(None) & (col(E.next_attempt_at) <= now - stale),
                    col(E.attempt_token).is_not(None) & (col(E.attempt_started_at) <= now - lease),
                    # past sendBefore with a send to look for: the worker settles it now
                    col(E.attempt_token).is_(None) & (col(E.send_before) <= now),
                ),
            )
            .limit(limit)
        ).all()
        return list(rows)


@dataclass
class Job:
    name: str
    every: float
    run: Callable[[], None]
    next_at: float = 0.0


@dataclass
class Scheduler:
    """Runs jobs at their intervals until stopped; a failing job is logged and tried again later."""

    jobs: list[Job]
    stop_event: threading.Event = field(default_factory=threading.Event)

    def run_forever(self) -> None:
        while not self.stop_event.is_set():
            now = time.monotonic()
            for job in self.jobs:
                if now >= job.next_at:
                    job.next_at = now + job.every
                    try:
                        job.run()
                    except Exception:  # keep the loop alive; the job runs again next interval
                        log.exception("scheduled job %s failed", job.name)
            next_due = min(job.next_at for job in self.jobs)
            self.stop_event.wait(max(0.01, next_due - time.monotonic()))

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="mailtrail-scheduler", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stop_event.set()


def default_jobs(
    sessions: Sessions,
    enqueue_send: Callable[[uuid.UUID], None],
    *,
    interval: float,
    stale: timedelta,
    lease: timedelta,
    extra: list[Job] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> list[Job]:
    def enqueue_each(ids: list[uuid.UUID], what: str) -> None:
        """Enqueue every id; one the broker refuses stays PENDING for the next sweep."""
        failed = 0
        for email_id in ids:
            try:
                enqueue_send(email_id)
            except Exception as error:
                failed += 1
                last = error
        if failed:
            log.warning("%d of %d %s emails not enqueued (the sweeper retries them): %r", failed, len(ids), what, last)

    def release() -> None:
        now = clock()
        enqueue_each(release_due_drafts(sessions, now), "due")
        expired = expire_overdue(sessions, now, lease)
        if expired:
            log.info("%d PENDING emails passed their sendBefore and FAILED", len(expired))

    def sweep() -> None:
        ids = stale_pending(sessions, clock(), stale, lease)
        if ids:
            log.info("re-enqueueing %d stale PENDING emails", len(ids))
        enqueue_each(ids, "stale")

    sweep_every = max(1.0, min(30.0, stale.total_seconds() / 2))
    return [
        Job("release_due_drafts", interval, release),
        Job("sweep_stale_pending", sweep_every, sweep),
        *(extra or []),
    ]
