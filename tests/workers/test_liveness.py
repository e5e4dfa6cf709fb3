"""Pooled connections are checked at checkout only when in doubt (workers/liveness.py).

pg_stat_activity shows the last statement each backend ran: read right after a checkout (which
runs nothing of its own), it tells whether the checkout paid a ping's round trip.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine

from domain.settings import get_settings
from workers.liveness import ping_when_in_doubt


@pytest.fixture
def engine(db: str) -> Iterator[Engine]:
    made = create_engine(get_settings().sync_database_url(), pool_size=1, max_overflow=0)
    ping_when_in_doubt(made)
    yield made
    made.dispose()


def checkout(engine: Engine, db: str) -> tuple[str, int]:
    """What the backend handed out last ran (a ping, or the previous user's statement), and its pid."""
    with engine.connect() as conn:
        driver: Any = conn.connection.driver_connection
        pid = int(driver.info.backend_pid)
        with psycopg.connect(db, autocommit=True) as admin:
            row = admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
        conn.execute(text("SELECT 'work' AS mark"))
        conn.commit()
        return (row[0] if row else "").strip(), pid


def terminate(db: str, pid: int) -> None:
    with psycopg.connect(db, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,))


def test_a_healthy_idle_connection_is_handed_out_without_a_ping(db: str, engine: Engine) -> None:
    _, first = checkout(engine, db)
    last, again = checkout(engine, db)
    assert (last, again) == ("COMMIT", first)  # the previous user's last statement


def test_a_connection_the_server_terminated_is_replaced_at_checkout(db: str, engine: Engine) -> None:
    _, first = checkout(engine, db)
    terminate(db, first)
    _, replaced = checkout(engine, db)  # no error reaches the caller
    assert replaced != first


def test_a_connection_idle_past_the_limit_is_pinged(db: str) -> None:
    made = create_engine(get_settings().sync_database_url(), pool_size=1, max_overflow=0)
    ping_when_in_doubt(made, idle_ping_seconds=0.0)
    try:
        _, first = checkout(made, db)
        last, again = checkout(made, db)
    finally:
        made.dispose()
    assert (last, again) == (";", first)  # SQLAlchemy pings PostgreSQL with an empty statement


async def test_the_api_engine_replaces_a_terminated_connection_too(db: str) -> None:
    made = create_async_engine(get_settings().async_database_url(), pool_size=1, max_overflow=0)
    ping_when_in_doubt(made.sync_engine)
    try:
        async with made.connect() as conn:
            first = int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
        terminate(db, first)
        async with made.connect() as conn:
            replaced = int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
    finally:
        await made.dispose()
    assert replaced != first
