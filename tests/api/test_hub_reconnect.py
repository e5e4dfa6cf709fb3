"""The hub's LISTEN connection dies (a PostgreSQL restart, a network cut): it reconnects and reads the
events committed meanwhile from the audit trail, so live subscribers miss nothing and get nothing twice."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg

from api.app import create_app
from tests.api.test_slow_subscribers import open_stream, write_drafts
from tests.conftest import wait_until
from tests.factories import make_tenant


async def test_a_lost_listen_connection_is_reopened_and_the_gap_replayed(settings, database_url) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings)
    tenant = make_tenant()
    services = app.state.services
    hub = await services.hub()
    try:
        stream = await open_stream(app, tenant)
        results: list[Any] = []
        first_two = asyncio.Event()

        async def read(count: int) -> None:
            while len(results) < count:
                results.append(await stream.__anext__())
                if len(results) == 2:
                    first_two.set()

        reader = asyncio.create_task(read(6))
        await wait_until(lambda: hub.subscriber_count == 1)  # subscribed before the first write
        before = await asyncio.to_thread(write_drafts, tenant, 2)
        await asyncio.wait_for(first_two.wait(), 10)

        with psycopg.connect(database_url, autocommit=True) as admin:  # cut every LISTEN connection
            cut = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()"
            ).fetchall()
        assert cut, "the hub's listening connection was found and terminated"
        during = await asyncio.to_thread(write_drafts, tenant, 4)  # committed while nobody listens

        await asyncio.wait_for(reader, 15)
        assert hub.connections == 2  # it did reconnect (and the NOTIFYs of the gap were never received)
        got = [r.data["outboundEmailUpdates"]["emailId"] for r in results]
        assert got == before + during  # all of them, in order, once
        cursors = [r.data["outboundEmailUpdates"]["cursor"] for r in results]
        assert len(set(cursors)) == len(cursors)
        await stream.aclose()
    finally:
        await hub.stop()
        await services.engine.dispose()
