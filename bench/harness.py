"""What the benchmarks share: a fresh PostgreSQL database, an API server process, percentiles.

Benchmarks set MAILTRAIL_* in the environment *before* importing Mailtrail modules, through
`prepare()`, so every part reads the benchmark's own database.
"""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

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
def api_process(port: int, **env: str) -> Iterator[str]:
    """`mailtrail serve` in its own process, on the current environment plus `env`."""
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

        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the API process did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


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
def worker_processes(broker_url: str, processes: int = 2, threads: int = 8) -> Iterator[None]:
    """`dramatiq workers.actors` (what `mailtrail worker` runs) on a real broker."""
    process = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "workers.actors", "--processes", str(processes), "--threads", str(threads)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "MAILTRAIL_BROKER_URL": broker_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield
    finally:
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def count_by_status(ids: list[uuid.UUID]) -> dict[str, int]:
    from collections import Counter

    from sqlmodel import col, select

    from domain.records import OutboundEmail
    from workers.db import session_scope

    with session_scope() as session:
        rows = session.exec(select(OutboundEmail.status).where(col(OutboundEmail.id).in_(ids))).all()
    return dict(Counter(str(s) for s in rows))
