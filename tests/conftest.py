"""Shared fixtures: a real PostgreSQL database for the whole run, cleaned between tests.

The database is created fresh (one per pytest process), migrated with Alembic, and dropped at
the end. Settings are fixed through the environment before any Mailtrail module reads them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest

ADMIN_URL = os.environ.get("MAILTRAIL_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_DB = f"mailtrail_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
TEST_DB_URL = ADMIN_URL.rsplit("/", 1)[0] + "/" + TEST_DB

os.environ["MAILTRAIL_ENV"] = "test"
os.environ["MAILTRAIL_DATABASE_URL"] = TEST_DB_URL
os.environ.setdefault("MAILTRAIL_BROKER_URL", "stub://")
os.environ.setdefault("MAILTRAIL_LOG_LEVEL", "WARNING")

TABLES = (
    "outbound_email_event, outbound_attachment, email_message, suppressed_address, outbound_email, "
    "oauth_flow, mail_account, api_token, organization"
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
