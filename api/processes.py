"""`mailtrail serve --processes N`: one API process per core, each with its own listening socket.

One Python process uses one core. The work an API process does per request is small, but a change
watched by a thousand dashboards is a thousand socket writes, one after another, and pages and
mutations wait behind them. With N processes the kernel spreads connections among them
(SO_REUSEPORT, socket(7): each process binds its own socket to the same port and the kernel
balances new connections across them by their addresses), so a broadcast's writes, and the
requests, run on N cores.

Nothing the processes hold must be shared: each has its own database pool and its own event hub
(LISTENing for every committed event, as separate API instances do; a subscription resumed on
another process replays from the database), rate-limit counters live in Redis (a process-local
counter would let a token make N times its limit, so that is refused), token caches expire within
`token_cache_seconds` as they do between instances, and metrics go through prometheus_client's
multiprocess mode (the open-subscriptions gauge is summed over the live processes).

The supervisor (this process) only starts the processes, starts a new one when one dies, and on
SIGTERM or SIGINT passes the signal on and waits for each to finish its graceful shutdown. A
process that keeps dying at start (five times within a minute) stops the whole service: a
configuration error is not hidden behind endless restarts.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import time
from collections import deque
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

from domain.settings import Settings

log = logging.getLogger("mailtrail.api")

BACKLOG = 2048
"""Pending connections each process's socket queues (thousands of dashboards reconnect at once
after a deploy)."""
RESTARTS_PER_MINUTE = 5
"""More deaths than this within a minute of their start: the service stops instead of restarting."""


def process_count_problem(settings: Settings, count: int) -> str | None:
    """Why the API cannot run as `count` processes with these settings, or None."""
    if count < 1:
        return "--processes must be at least 1"
    if count == 1:
        return None
    if not settings.port:
        return "several API processes share one port: it cannot be 0 (any free port)"
    if settings.embedded:
        return "the embedded mode runs its emulators and worker in one process: --processes must be 1"
    from api.ratelimit import storage_url

    if storage_url(settings).startswith("memory://"):
        return (
            "several API processes need shared rate-limit counters (each would otherwise allow the whole "
            "limit): set MAILTRAIL_RATE_LIMIT_STORAGE_URL=redis://..."
        )
    return None


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to `host:port` that other processes may bind too (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    return sock


def _serve_one(host: str, port: int) -> None:
    """The body of one API process (spawned: it imports and builds everything itself)."""
    from api.cli import serve_on

    serve_on(host, port, listening_socket(host, port))


class Supervisor:
    """Keeps `count` API processes running until told to stop."""

    def __init__(self, count: int, host: str, port: int) -> None:
        self.count = count
        self.host = host
        self.port = port
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[BaseProcess] = []
        self.started: dict[int, float] = {}
        self.deaths: deque[float] = deque(maxlen=RESTARTS_PER_MINUTE)
        self.stopping = False
        self.failed = False

    def start_one(self) -> None:
        process = self.context.Process(target=_serve_one, args=(self.host, self.port), name="mailtrail-api")
        process.start()
        assert process.pid is not None
        self.processes.append(process)
        self.started[process.pid] = time.monotonic()

    def stop(self, _signum: int = signal.SIGTERM, _frame: FrameType | None = None) -> None:
        """Tell every process to shut down gracefully.

        Always with SIGTERM: a Ctrl-C in a terminal has already sent SIGINT to the whole process
        group, and uvicorn takes a second SIGINT as "exit now", dropping requests in flight.
        """
        self.stopping = True
        for process in self.processes:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGTERM)

    def run(self) -> int:
        for _ in range(self.count):
            self.start_one()
        log.info("serving on %s:%d with %d processes", self.host, self.port, self.count)
        while self.processes:
            wait([p.sentinel for p in self.processes], timeout=1.0)
            for process in [p for p in self.processes if not p.is_alive()]:
                self.processes.remove(process)
                self._buried(process)
        return 1 if self.failed else 0

    def _buried(self, process: BaseProcess) -> None:
        assert process.pid is not None
        mark_dead(process.pid)
        started = self.started.pop(process.pid, 0.0)
        if self.stopping:
            return
        now = time.monotonic()
        log.error("API process %d ended (exit code %s); starting another", process.pid, process.exitcode)
        if now - started < 60:
            self.deaths.append(now)
        if len(self.deaths) == RESTARTS_PER_MINUTE and now - self.deaths[0] < 60:
            log.error("API processes keep dying as they start; stopping the service")
            self.failed = True
            self.stop()
            return
        self.start_one()


def mark_dead(pid: int) -> None:
    """Drop a dead process's live gauges from the multiprocess metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def supervise(count: int, host: str, port: int) -> int:
    """Run `count` API processes on `host:port` until SIGTERM or SIGINT; the exit status."""
    from workers.metrics_server import prepare_multiprocess_dir

    prepare_multiprocess_dir()  # before any process imports prometheus_client
    supervisor = Supervisor(count, host, port)
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    return supervisor.run()
