"""The hub reads the email behind an event once, for everyone who asks, whoever stops asking."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import psycopg
from sqlalchemy import event

from api.db import make_async_engine, make_sessionmaker
from api.live import Hub
from api.subscriber import Snapshot
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


READER = "SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s"


async def test_a_snapshot_is_one_statement_on_an_autocommit_connection_and_holds_no_credentials(
    settings: Any, database_url: str
) -> None:
    from api.snapshots import Reader

    tenant = make_tenant()
    (email_id,) = await asyncio.to_thread(write_drafts, tenant, 1)
    engine = make_async_engine(settings)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    hub = Hub(settings, make_sessionmaker(engine))
    try:
        await hub.snapshot(updated(tenant, email_id, 1))  # the reader connects (and names itself)
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        snapshot = await hub.snapshot(updated(tenant, email_id, 2))
        assert len(statements) == 1 and "FROM outbound_email JOIN mail_account" in statements[0]
        assert snapshot.email is not None and snapshot.account is not None
        assert str(snapshot.email.id) == email_id and snapshot.email.subject == "#0"
        assert snapshot.email.status == "DRAFT" and snapshot.account.id == tenant.account_id
        assert not hasattr(snapshot.account, "credentials_encrypted")  # the live path never holds them
        with psycopg.connect(database_url, autocommit=True) as admin:
            readers = admin.execute(READER, (Reader.NAME,)).fetchall()
        assert [state for _pid, state in readers] == ["idle"]  # no transaction left open between reads
        other = make_tenant()
        assert await hub.snapshot(Committed(3, other.organization_id, uuid.UUID(email_id), "updated")) == Snapshot(
            None, None
        )  # another organization's event names this email: it reads nothing of it
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
        await hub.stop()
        await engine.dispose()


async def test_a_lost_reader_connection_is_replaced_and_the_read_made_again(settings: Any, database_url: str) -> None:
    from api.snapshots import Reader

    tenant = make_tenant()
    first, second = await asyncio.to_thread(write_drafts, tenant, 2)
    engine = make_async_engine(settings)
    hub = Hub(settings, make_sessionmaker(engine))
    try:
        assert (await hub.snapshot(updated(tenant, first, 1))).email is not None
        with psycopg.connect(database_url, autocommit=True) as admin:
            ((lost, _state),) = admin.execute(READER, (Reader.NAME,)).fetchall()
            admin.execute("SELECT pg_terminate_backend(%s)", (lost,))
            await wait_until_gone(admin, lost)
        snapshot = await hub.snapshot(updated(tenant, second, 2))
        assert snapshot.email is not None and str(snapshot.email.id) == second
        with psycopg.connect(database_url, autocommit=True) as admin:
            pids = [pid for pid, _state in admin.execute(READER, (Reader.NAME,)).fetchall()]
        assert len(pids) == 1 and pids != [lost]
    finally:
        await hub.stop()
        await engine.dispose()


async def wait_until_gone(admin: psycopg.Connection[Any], pid: int) -> None:
    for _ in range(200):
        if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchall():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} still there")
