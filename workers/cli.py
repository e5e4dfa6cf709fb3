"""Entry points for `mailtrail worker` and `mailtrail scheduler`."""

from __future__ import annotations

import logging
import signal
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from domain.settings import get_settings

if TYPE_CHECKING:
    from workers.scheduler import Job

log = logging.getLogger("mailtrail.workers")


def run_worker(processes: int = 1, threads: int = 8) -> int:
    """Run Dramatiq's worker CLI on our actors (one process per core is the usual sizing)."""
    from dramatiq.cli import main as dramatiq_main

    sys.argv = ["dramatiq", "workers.actors", "--processes", str(processes), "--threads", str(threads)]
    return int(dramatiq_main() or 0)  # type: ignore[no-untyped-call]


def scheduler_jobs() -> list[Job]:
    from workers.actors import enqueue_send
    from workers.db import session_scope
    from workers.periodic import account_jobs
    from workers.scheduler import default_jobs

    settings = get_settings()
    return default_jobs(
        session_scope,
        enqueue_send,
        interval=settings.scheduler_interval_seconds,
        stale=timedelta(seconds=settings.sweeper_stale_seconds),
        lease=timedelta(seconds=settings.send_lease_seconds),
        extra=account_jobs(settings),
    )


def run_scheduler() -> int:
    from workers.scheduler import Scheduler

    scheduler = Scheduler(scheduler_jobs())
    signal.signal(signal.SIGTERM, lambda *_: scheduler.stop())
    signal.signal(signal.SIGINT, lambda *_: scheduler.stop())
    log.info("scheduler started")
    scheduler.run_forever()
    return 0
