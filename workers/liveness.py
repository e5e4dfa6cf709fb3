"""Checking a pooled PostgreSQL connection before use, without a round trip on every checkout.

SQLAlchemy's `pool_pre_ping` sends a query at each checkout: on the send path that is one more
round trip per transaction, 0.5-0.8 ms of CPU between the client and the server (issue 16). A
connection the server closed or terminated (a restart, `pg_terminate_backend`, an idle timeout)
has news on its socket though no query is in flight: the server's FATAL message and the EOF make
it readable. So a checkout pings for real only when the socket is readable, or when the connection
sat idle longer than `IDLE_PING_SECONDS` (a peer that vanished without closing, behind a NAT that
dropped the flow, says nothing on the socket); otherwise the check is one `poll()` system call.

A failed ping raises `InvalidatePoolError` in the pool's checkout event, which SQLAlchemy handles
as its own pre-ping does: the connection and every older one in the pool are discarded, and a new
one is opened in their place.
"""

from __future__ import annotations

import select
import time
from typing import Any

from sqlalchemy import Engine, event, exc

IDLE_PING_SECONDS = 30.0
"""After this long unused, a connection is pinged whatever its socket says."""
_CHECKED_IN = "mailtrail_checked_in_at"


def _has_news(driver_connection: Any) -> bool:
    """Whether the server wrote to this idle connection (it closed it, or says why) or it is gone."""
    if getattr(driver_connection, "closed", False) or getattr(driver_connection, "broken", False):
        return True
    try:
        fd = driver_connection.pgconn.socket
    except Exception:  # psycopg raises once libpq has no socket: the connection is unusable
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def ping_when_in_doubt(engine: Engine, idle_ping_seconds: float = IDLE_PING_SECONDS) -> None:
    """Check `engine`'s pooled connections at checkout as the module docstring says (instead of
    `pool_pre_ping`, which pings every time). `engine` is a sync engine, or an async engine's
    `sync_engine`; its driver is psycopg 3."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in = record.info.get(_CHECKED_IN)
        if checked_in is None:  # just opened
            return
        stale = time.monotonic() - checked_in > idle_ping_seconds
        if not stale and not _has_news(record.driver_connection):
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.InvalidatePoolError(f"the connection failed its check: {error!r}") from error
