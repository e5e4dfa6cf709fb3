"""What the benchmarks share: a fresh PostgreSQL database, an API server process, percentiles.

Benchmarks set MAILTRAIL_* in the environment *before* importing Mailtrail modules, through
`prepare()`, so every part reads the benchmark's own database.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("MAILTRAIL_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def fresh_database(prefix: str = "mailtrail_bench") -> Iterator[str]:
    """A new, migrated PostgreSQL database, dropped afterwards; its URL is put in the environment."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["MAILTRAIL_DATABASE_URL"] = url
    os.environ.setdefault("MAILTRAIL_LOG_LEVEL", "WARNING")
    os.environ.setdefault("MAILTRAIL_CREDENTIALS_KEYS", "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=")
    try:
        from api.cli import migrate

        migrate()
        yield url
    finally:
        with contextlib.suppress(Exception):
            from workers.db import get_engine

            get_engine().dispose()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


@contextlib.contextmanager
def api_server(port: int, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`mailtrail serve` in its own process, on the current environment plus `env`: (url, process)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            os.environ.get("BENCH_PRELUDE", "") + "from api.cli import main; main()",
            "serve",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 120  # a loaded two-core machine can take most of a minute
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the API process did not start")
            time.sleep(0.1)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_listening(pid: int, port: int, count: int, within: float = 120) -> None:
    """Until `count` API processes listen on `port` (the first one answering /healthz is not all of them)."""
    from bench.procstat import listening

    deadline = time.monotonic() + within
    while len(listening(pid, port)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} API processes did not start")
        time.sleep(0.1)


@contextlib.contextmanager
def api_process(port: int, **env: str) -> Iterator[str]:
    """`mailtrail serve` in its own process, on the current environment plus `env`."""
    with api_server(port, **env) as (url, _process):
        yield url


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "n": len(ordered),
        "p50": at(0.50),
        "p90": at(0.90),
        "p99": at(0.99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


def show(title: str, figures: dict[str, float], unit: str = "ms") -> None:
    parts = [f"n={int(figures['n'])}"] + [f"{k}={v:.1f}{unit}" for k, v in figures.items() if k != "n"]
    print(f"{title}: " + "  ".join(parts))


def sandbox_environment(emulator_url: str) -> dict[str, str]:
    """Settings that point Mailtrail's Gmail adapter and OAuth at an emulator."""
    return {
        "MAILTRAIL_GMAIL_API_URL": emulator_url,
        "MAILTRAIL_OAUTH_AUTH_URL": emulator_url + "/o/oauth2/auth",
        "MAILTRAIL_OAUTH_TOKEN_URL": emulator_url + "/token",
        "MAILTRAIL_OAUTH_REVOKE_URL": emulator_url + "/revoke",
        "MAILTRAIL_PUSH_CERTS_URL": emulator_url + "/oauth2/v1/certs",
        "MAILTRAIL_OAUTH_CLIENT_ID": "mailtrail-bench.apps.sandbox",
        "MAILTRAIL_OAUTH_CLIENT_SECRET": "bench-secret",
        "MAILTRAIL_DAILY_SEND_CAP": "10000000",
        "MAILTRAIL_QUOTA_UNITS_PER_MINUTE": "1000000000",
    }


def connected_tenant(
    emulator: object, address: str, name: str = "bench", organization: uuid.UUID | None = None
) -> tuple[str, uuid.UUID, uuid.UUID]:
    """(token, organization id, account id) for an organization whose account is an emulator mailbox
    (a further account of `organization` when given)."""
    from domain.records import AccountState, MailAccount
    from domain.settings import get_settings
    from domain.tokens import ensure_organization, issue_token
    from workers.credentials import CredentialCipher
    from workers.db import session_scope

    settings = get_settings()
    access, refresh = emulator.issue_token(address, list(settings.oauth_scopes))  # type: ignore[attr-defined]
    encrypted = CredentialCipher.from_settings(settings).encrypt(
        {"token": access, "refresh_token": refresh, "scopes": list(settings.oauth_scopes)}
    )
    with session_scope() as session:
        org_id = organization or ensure_organization(session, name).id
        token = issue_token(session, org_id, name=name)
        account = MailAccount(
            organization_id=org_id,
            email=address,
            state=AccountState.ACTIVE,
            credentials_encrypted=encrypted,
            scopes=list(settings.oauth_scopes),
            history_id=emulator.store.mailbox(address).history_id,  # type: ignore[attr-defined]
        )
        session.add(account)
        session.flush()
        return token, org_id, account.id


@contextlib.contextmanager
def worker_group(broker_url: str, processes: int = 2, threads: int = 8) -> Iterator[subprocess.Popen[bytes]]:
    """What `mailtrail worker` runs (workers.cli.run_worker: Dramatiq's workers on every actor module,
    the metrics endpoint on a port of this run's own) on a real broker; its parent process."""
    samples = tempfile.mkdtemp(prefix="mailtrail-bench-metrics-")
    run = f"import sys; from workers.cli import run_worker; sys.exit(run_worker({processes}, {threads}))"
    process = subprocess.Popen(
        [sys.executable, "-c", run],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "MAILTRAIL_BROKER_URL": broker_url,
            "MAILTRAIL_METRICS_PORT": str(free_port()),
            "PROMETHEUS_MULTIPROC_DIR": samples,
            "MAILTRAIL_HEARTBEAT_DIR": samples,  # its liveness file too: this run's own, removed after
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(samples, ignore_errors=True)


@contextlib.contextmanager
def worker_processes(broker_url: str, processes: int = 2, threads: int = 8) -> Iterator[None]:
    """What `mailtrail worker` runs, on a real broker."""
    with worker_group(broker_url, processes, threads):
        yield


UNLIMITED = {"MAILTRAIL_RATE_LIMIT_PER_MINUTE": "100000000"}
"""The API's environment in a benchmark: thousands of requests and sockets on one token, and the
per-token rate limit is not what is measured."""

OBSERVER = "mailtrail-bench-observer"
"""The `application_name` of the benchmark's own status polling: its backend is left out of the
CPU a benchmark charges to Mailtrail's PostgreSQL (bench.ratio_send)."""

STATUS_COUNTS = "SELECT status, count(*) FROM outbound_email WHERE id = ANY(%s) GROUP BY status"


def database_conninfo() -> str:
    """The run's database (MAILTRAIL_DATABASE_URL) as a libpq connection string."""
    return os.environ["MAILTRAIL_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")


def count_by_status(ids: list[uuid.UUID], conn: Any = None) -> dict[str, int]:
    """How many of `ids` are in each status, read on `conn` (or a connection of its own)."""
    if conn is None:
        with observer() as own:
            return count_by_status(ids, own)
    return {str(status): int(n) for status, n in conn.execute(STATUS_COUNTS, (ids,)).fetchall()}


def observer() -> psycopg.Connection[Any]:
    """A connection for the benchmark's own reads, named OBSERVER."""
    return psycopg.connect(database_conninfo(), application_name=OBSERVER, autocommit=True)


def wait_all_sent(ids: list[uuid.UUID], timeout: float = 600, conn: psycopg.Connection[Any] | None = None) -> float:
    """Poll until every email is SENT (the time it happened); fail on a FAILED one or at the timeout.

    One array-bound statement per poll on an OBSERVER connection (`conn`, else one of its own): the
    poll is the benchmark's own work, on a backend the send's CPU meter can tell apart."""
    if conn is None:
        with observer() as own:
            return wait_all_sent(ids, timeout, own)
    deadline = time.time() + timeout
    while time.time() < deadline:
        counts = count_by_status(ids, conn)
        if counts.get("SENT", 0) == len(ids):
            return time.time()
        if counts.get("FAILED"):
            raise RuntimeError(f"emails failed: {counts}")
        time.sleep(0.05)
    raise RuntimeError(f"not all sent in time: {count_by_status(ids, conn)}")


RUN_BROKER = f"redis://127.0.0.1:6379/{1 + uuid.uuid4().int % 15}"
"""This benchmark run's Redis database (1..15, drawn for the run; its queues also carry the run's namespace)."""


@dataclass
class World:
    """A benchmark's emulator, and one organization whose accounts are its mailboxes."""

    gmail: Any
    token: str
    organization_id: uuid.UUID
    addresses: list[str]
    accounts: list[uuid.UUID]


@contextlib.contextmanager
def sending_world(broker_url: str, accounts: int) -> Iterator[World]:
    """A fresh database, broker queues of this run's own (a namespace no other run uses), an
    emulator with Gmail's limits lifted, and `accounts` connected accounts of one organization;
    settings point at all of them."""
    from domain.settings import get_settings
    from sandbox import Emulator
    from sandbox.gmail import Limits

    os.environ["MAILTRAIL_BROKER_URL"] = broker_url
    os.environ["MAILTRAIL_QUEUE_NAMESPACE"] = f"bench{os.getpid()}{uuid.uuid4().hex[:6]}"
    with fresh_database(), Emulator(limits=Limits(units_per_minute=10**12, daily_send_cap=10**9)) as gmail:
        os.environ.update(sandbox_environment(gmail.base_url))
        get_settings.cache_clear()
        settings = get_settings()
        gmail.register_client(settings.oauth_client_id, settings.oauth_client_secret.get_secret_value())
        addresses = [f"sender{n}@mailtrail.test" for n in range(accounts)]
        for address in addresses:
            gmail.create_mailbox(address)
        token, org_id, first = connected_tenant(gmail, addresses[0])
        ids = [first] + [connected_tenant(gmail, a, organization=org_id)[2] for a in addresses[1:]]
        yield World(gmail, token, org_id, addresses, ids)
