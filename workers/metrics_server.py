"""The Prometheus endpoint of `mailtrail worker` and `mailtrail scheduler` (port `metrics_port`).

The worker's Dramatiq processes each write their samples under PROMETHEUS_MULTIPROC_DIR; this
endpoint, run by Dramatiq as a fork process of the worker, adds them up on each scrape.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from domain.settings import get_settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess_dir() -> str:
    """A fresh directory for this worker's samples (set before any process imports prometheus_client)."""
    path = os.environ.get(MULTIPROC_ENV) or str(Path(tempfile.gettempdir()) / f"mailtrail-metrics-{os.getpid()}")
    shutil.rmtree(path, ignore_errors=True)  # samples of a previous run would be added to this one's
    Path(path).mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = path
    return path


def serve() -> None:
    """Dramatiq fork function: expose the worker processes' metrics until the worker stops."""
    port = get_settings().metrics_port
    if not port:
        return
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    start_http_server(port, registry=registry)
    while True:
        time.sleep(3600)


def serve_in_thread() -> None:
    """The scheduler's endpoint: a single process, its own registry."""
    port = get_settings().metrics_port
    if port:
        from prometheus_client import start_http_server

        start_http_server(port)
