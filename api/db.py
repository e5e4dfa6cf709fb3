"""The asyncio engine the API serves requests with."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.settings import Settings
from workers.liveness import ping_when_in_doubt


def make_async_engine(settings: Settings) -> AsyncEngine:
    """An asyncio engine: psycopg 3 for PostgreSQL, aiosqlite for the embedded mode."""
    url = settings.async_database_url()
    if settings.is_sqlite:
        engine = create_async_engine(url, connect_args={"timeout": 30}, poolclass=NullPool, hide_parameters=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        return engine
    # Sessions in UTC: psycopg then reads timestamptz as datetimes in datetime.UTC itself, which
    # UTCDateTime hands on as they are (in the server's own zone, even Etc/UTC, each needs an
    # astimezone: a page converts hundreds). No statement of ours depends on the session's zone.
    engine = create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=10,
        hide_parameters=True,
        connect_args={"options": "-c TimeZone=UTC"},
    )
    ping_when_in_doubt(engine.sync_engine)  # rather than pool_pre_ping's round trip at every checkout
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
