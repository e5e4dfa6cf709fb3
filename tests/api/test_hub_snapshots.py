"""The hub reads the email behind an event once, for everyone who asks, whoever stops asking."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import event

from api.db import make_async_engine, make_sessionmaker
from api.live import Hub
from domain.notify import Committed
from tests.api.test_slow_subscribers import write_drafts
from tests.factories import make_tenant


def updated(tenant: Any, email_id: str, seq: int) -> Committed:
    return Committed(seq, tenant.organization_id, uuid.UUID(email_id), "updated")


async def test_a_reader_that_goes_away_leaves_the_others_their_snapshot_and_waiting_events_share_a_query(
    settings: Any,
) -> None:
    tenant = make_tenant()
    ids = await asyncio.to_thread(write_drafts, tenant, 3)
    engine = make_async_engine(settings)
    queries: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM outbound_email JOIN mail_account" in statement:
            queries.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    hub = Hub(settings, make_sessionmaker(engine))
    try:
        first = asyncio.create_task(hub.snapshot(updated(tenant, ids[0], 1)))
        second = asyncio.create_task(hub.snapshot(updated(tenant, ids[0], 1)))
        others = [asyncio.create_task(hub.snapshot(updated(tenant, i, n))) for n, i in enumerate(ids[1:], 2)]
        await asyncio.sleep(0)  # every reader is waiting
        first.cancel()
        snapshots = await asyncio.wait_for(asyncio.gather(second, *others), 30)
        assert [str(s.email.id) for s in snapshots if s.email is not None] == ids
        assert len(queries) == 1  # three events waiting together: one read
        assert first.cancelled()
    finally:
        await hub.stop()
        event.remove(engine.sync_engine, "before_cursor_execute", count)
        await engine.dispose()
