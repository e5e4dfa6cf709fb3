"""The synchronous engine and sessions used by workers, the scheduler and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from domain.settings import Settings, get_settings
from workers.liveness import ping_when_in_doubt


def configure_sqlite(engine_sync: Engine) -> None:
    """Foreign keys on (for ON DELETE CASCADE) and WAL so the API and the worker can share the file."""

    @event.listens_for(engine_sync, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def make_engine(settings: Settings) -> Engine:
    """A sync engine for `settings.database_url`."""
    url = settings.sync_database_url()
    if settings.is_sqlite:
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, poolclass=NullPool, hide_parameters=True
        )
        configure_sqlite(engine)
        return engine
    # hide_parameters: an error or a log line must never carry the user data bound into a statement.
    engine = create_engine(url, pool_size=settings.db_pool_size, max_overflow=10, hide_parameters=True)
    ping_when_in_doubt(engine)  # rather than pool_pre_ping's round trip at every checkout
    return engine


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(get_settings())


def get_engine() -> Engine:
    """The process-wide sync engine."""
    return _engine_for(get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session committed on success and rolled back on error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
