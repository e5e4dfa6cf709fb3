"""Shared fixtures: a real PostgreSQL database for the whole run, cleaned between tests.

The database is created fresh (one per pytest process), migrated with Alembic, and dropped at
the end. Settings are fixed through the environment before any Mailtrail module reads them.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest

ADMIN_URL = os.environ.get("MAILTRAIL_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
"""This test run's own suffix: its database, broker queues and ports never collide with another run's."""
TEST_DB = f"mailtrail_test_{RUN_ID}"
# Redis database of this run (1..15; 0 is left to the machine): two suites on one machine pick apart
# by their run id, and every key a test writes is also namespaced by the run (queue_namespace).
REDIS_DB = 1 + int(uuid.uuid5(uuid.NAMESPACE_OID, RUN_ID).hex, 16) % 15
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
TEST_DB_URL = ADMIN_URL.rsplit("/", 1)[0] + "/" + TEST_DB


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


EMULATOR_PORT = free_port()
API_PORT = free_port()
EMULATOR_URL = f"http://127.0.0.1:{EMULATOR_PORT}"
API_URL = f"http://127.0.0.1:{API_PORT}"
PUSH_SERVICE_ACCOUNT = "gmail-push@mailtrail-sandbox.iam.gserviceaccount.com"
HEARTBEATS = tempfile.mkdtemp(prefix=f"mailtrail-heartbeats-{RUN_ID}-")
"""Where this run's worker processes touch their liveness files (not the machine's shared default)."""
atexit.register(shutil.rmtree, HEARTBEATS, True)

# Every Mailtrail module reads these once; the emulator and the live API bind these ports.
os.environ.update(
    {
        "MAILTRAIL_ENV": "test",
        "MAILTRAIL_DATABASE_URL": TEST_DB_URL,
        "MAILTRAIL_BROKER_URL": "stub://",
        "MAILTRAIL_QUEUE_NAMESPACE": f"t{RUN_ID}",
        "MAILTRAIL_HEARTBEAT_DIR": HEARTBEATS,
        "MAILTRAIL_LOG_LEVEL": "WARNING",
        "MAILTRAIL_PORT": str(API_PORT),
        "MAILTRAIL_GMAIL_API_URL": EMULATOR_URL,
        "MAILTRAIL_OAUTH_AUTH_URL": EMULATOR_URL + "/o/oauth2/auth",
        "MAILTRAIL_OAUTH_TOKEN_URL": EMULATOR_URL + "/token",
        "MAILTRAIL_OAUTH_REVOKE_URL": EMULATOR_URL + "/revoke",
        "MAILTRAIL_PUSH_CERTS_URL": EMULATOR_URL + "/oauth2/v1/certs",
        "MAILTRAIL_PUSH_SERVICE_ACCOUNT": PUSH_SERVICE_ACCOUNT,
        "MAILTRAIL_OAUTH_CLIENT_ID": "mailtrail-test.apps.example",
        "MAILTRAIL_OAUTH_CLIENT_SECRET": "test-secret",
        "MAILTRAIL_CREDENTIALS_KEYS": "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=",
        "MAILTRAIL_GMAIL_TIMEOUT_SECONDS": "2",
        "MAILTRAIL_SEND_LEASE_SECONDS": "5",
        "MAILTRAIL_SWEEPER_STALE_SECONDS": "2",
        "MAILTRAIL_SEND_DEADLINE_SECONDS": "20",
        # Browser tests serve their pages from other local ports (tests/e2e/test_browser_*.py).
        "MAILTRAIL_CORS_ORIGINS": "http://127.0.0.1:*,https://app.example",
        # Suites and fuzzers make thousands of requests per token; rate-limit tests set their own figures.
        "MAILTRAIL_RATE_LIMIT_PER_MINUTE": "1000000",
    }
)

TABLES = (
    "webhook_attempt, webhook_delivery, webhook_message, webhook_notice, webhook_endpoint, "
    "outbound_email_event, outbound_recipient, outbound_attachment, email_message, suppressed_address, "
    "suppression_event, outbound_email, "
    "oauth_flow, mail_account, api_token, organization, push_receipt, "
    "outbound_email_content, email_template_version, email_template, context_entity_version, context_entity, "
    "context_type, content_settings"
)


def _admin() -> psycopg.Connection:
    try:
        return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # fail, never skip: SQL tests must run on PostgreSQL
        raise RuntimeError(f"PostgreSQL is required for the tests ({ADMIN_URL}): {exc}") from exc


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A freshly migrated PostgreSQL database for this test run."""
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{TEST_DB}"')
    from api.cli import migrate

    migrate()
    yield TEST_DB_URL
    from workers.db import get_engine

    get_engine().dispose()
    with _admin() as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (TEST_DB,),
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{TEST_DB}"')


@pytest.fixture
def db(database_url: str) -> Iterator[str]:
    """The test database, emptied after the test."""
    yield database_url
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {TABLES} CASCADE")


@pytest.fixture
def settings(db: str):  # type: ignore[no-untyped-def]
    from domain.settings import get_settings

    return get_settings()


@pytest.fixture
def sync_session(db: str) -> Iterator[object]:
    from workers.db import session_scope

    with session_scope() as session:
        yield session


@pytest.fixture
async def app(settings):  # type: ignore[no-untyped-def]
    from api.app import create_app

    application = create_app(settings)
    yield application
    await application.state.services.engine.dispose()


@pytest.fixture
async def client(app) -> AsyncIterator[object]:  # type: ignore[no-untyped-def]
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[object]:
    """The Gmail emulator for the whole run, pushing to the live API's webhook."""
    from sandbox import Emulator, PushConfig

    server = Emulator(
        port=EMULATOR_PORT,
        push=PushConfig(endpoint=API_URL + "/webhooks/gmail/push", service_account=PUSH_SERVICE_ACCOUNT, backoff=0.05),
        clients={os.environ["MAILTRAIL_OAUTH_CLIENT_ID"]: os.environ["MAILTRAIL_OAUTH_CLIENT_SECRET"]},
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def gmail(emulator_server):  # type: ignore[no-untyped-def]
    """The emulator, with faults, consent choices and changed limits undone after the test."""
    import dataclasses

    limits = dataclasses.asdict(emulator_server.gmail.limits)
    yield emulator_server
    emulator_server.set_limits(**limits)
    emulator_server.router.faults.clear()
    emulator_server.authority.consent_scopes = None
    emulator_server.authority.default_mailbox = None


@pytest.fixture(scope="session")
def live_api(database_url: str) -> Iterator[str]:
    """The API served by real uvicorn on API_PORT (the emulator pushes to it)."""
    import uvicorn

    from api.app import create_app
    from api.wsprotocol import websocket_options
    from domain.settings import get_settings

    server = uvicorn.Server(
        uvicorn.Config(
            create_app(get_settings()),
            host="127.0.0.1",
            port=API_PORT,
            log_level="warning",
            lifespan="on",
            **websocket_options(get_settings()),  # what `mailtrail serve` runs
        )
    )
    thread = threading.Thread(target=server.run, name="live-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the live API did not start"
    yield API_URL
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def worker(db: str) -> Iterator[object]:
    """A Dramatiq worker on the stub broker, running the real actors in threads."""
    import dramatiq

    from workers.actors import broker

    broker.flush_all()
    running = dramatiq.Worker(broker, worker_timeout=50, worker_threads=4)
    running.start()
    yield running
    running.stop()
    broker.flush_all()


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll until `predicate()` is truthy; return its value or fail with the last one."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    assert value, f"condition not met within {timeout}s"
    return value


async def wait_until(predicate, within: float = 10.0, interval: float = 0.01):  # type: ignore[no-untyped-def]
    """`wait_for` inside the event loop: poll `predicate()` while the loop's own tasks make progress."""
    deadline = time.monotonic() + within
    value = predicate()
    while not value and time.monotonic() < deadline:
        await asyncio.sleep(interval)
        value = predicate()
    assert value, f"condition not met within {within}s"
    return value
