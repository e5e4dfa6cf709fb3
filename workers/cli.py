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
    """Run Dramatiq's worker CLI on our actors (one process per core is the usual sizing).

    On SIGTERM Dramatiq stops taking messages and lets the running ones finish (a send's Gmail
    call ends within its timeout) for up to `shutdown_ms`; a send cut short anyway is taken over
    after its lease by another worker, which looks in Sent first (domain/dispatch/).
    """
    from dramatiq.cli import main as dramatiq_main

    from workers.metrics_server import prepare_multiprocess_dir

    prepare_multiprocess_dir()
    settings = get_settings()
    shutdown_ms = int(1000 * max(settings.send_lease_seconds, 3 * settings.webhook_timeout_seconds))
    sys.argv = [
        "dramatiq",
        "workers.actors",
        "workers.webhooks",
        "--processes",
        str(processes),
        "--threads",
        str(threads),
        "--worker-shutdown-timeout",
        str(shutdown_ms),
    ]
    if settings.metrics_port:
        sys.argv += ["--fork-function", "workers.metrics_server:serve"]
    return int(dramatiq_main() or 0)  # type: ignore[no-untyped-call]


def scheduler_jobs() -> list[Job]:
    from workers.actors import enqueue_send
    from workers.db import session_scope
    from workers.periodic import account_jobs
    from workers.scheduler import Job, default_jobs
    from workers.webhooks import webhook_jobs

    settings = get_settings()
    heartbeat = Job("heartbeat", 5.0, lambda: touch("scheduler"))
    return default_jobs(
        session_scope,
        enqueue_send,
        interval=settings.scheduler_interval_seconds,
        stale=timedelta(seconds=settings.sweeper_stale_seconds),
        lease=timedelta(seconds=settings.send_lease_seconds),
        extra=[*account_jobs(settings), *webhook_jobs(settings), heartbeat],
    )


def touch(role: str) -> None:
    from workers.observability import touch as write

    write(role)


def run_scheduler() -> int:
    from workers.db import get_engine
    from workers.metrics_server import serve_in_thread
    from workers.scheduler import Scheduler
    from workers.tracing import instrument_engine, setup_tracing

    if setup_tracing(get_settings(), "scheduler"):
        instrument_engine(get_engine())
    serve_in_thread()
    scheduler = Scheduler(scheduler_jobs())
    signal.signal(signal.SIGTERM, lambda *_: scheduler.stop())
    signal.signal(signal.SIGINT, lambda *_: scheduler.stop())
    log.info("scheduler started")
    scheduler.run_forever()
    return 0
