"""The asyncio engine the API serves requests with."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm.state import InstanceState
from sqlalchemy.pool import NullPool
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.settings import Settings
from workers.liveness import ping_when_in_doubt

MAX_CACHED_PARAMS = 400
"""psycopg converts a statement's %(name)s placeholders to $n once and caches the result (by the
statement's text, 128 of them), but only for statements of at most 50 parameters: above that it
splits the text anew at every execution (psycopg discussions #628: an ORM's multi-row INSERTs
rarely repeat). Ours do: sendEmail's one INSERT of the email, its recipients and its events
(domain/records/at_once.py, built once per shape) binds about 60, and converting it again cost
about a tenth of the request's CPU."""


def cache_statements_with_many_parameters() -> None:
    """Let psycopg cache the conversion of statements of up to `MAX_CACHED_PARAMS` parameters."""
    from psycopg import _queries

    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, MAX_CACHED_PARAMS)


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
    cache_statements_with_many_parameters()
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


class RequestSession(Session):
    """SQLModel's session, adding a row of a table without relationships without a cascade walk.

    `Session.add` looks for related rows to add along by walking every mapped property of the row
    (Mapper.cascade_iterator), columns included; only relationships can cascade, and our tables
    have none. A sendEmail adds four rows (the email's 42 columns among them): the walks were
    about 2% of its CPU. Relied on (SQLAlchemy 2.0): `add` goes through `_save_or_update_state`,
    which is this `_save_or_update_impl` and then the walk; tests/api/test_request_session.py
    checks that the walk finds nothing on every table without relationships, and that rows end
    up in the session as with SQLModel's own.
    """

    def _save_or_update_state(self, state: InstanceState[Any]) -> None:
        if state.mapper.relationships:
            super()._save_or_update_state(state)
            return
        state._orphaned_outside_of_session = False
        self._save_or_update_impl(state)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, sync_session_class=RequestSession, expire_on_commit=False)
