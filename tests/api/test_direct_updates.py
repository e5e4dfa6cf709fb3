"""Updates the hub writes to the sockets itself (api.fanout): the same messages the ordinary path
sends, rendered once per organization and scope, in the order of the events."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from sqlalchemy import event

from api.app import create_app
from domain.drafts import delete_draft
from tests.api.test_slow_subscribers import write_drafts
from tests.conftest import free_port, wait_until
from tests.e2e.sockets import GraphQLSocket
from tests.factories import Tenant, make_tenant
from workers.db import session_scope

UPDATES = """subscription($id: ID, $filter: OutboundEmailFilter) {
  outboundEmailUpdates(id: $id, filter: $filter) { kind event cursor emailId
    outboundEmail { id subject status account { email } events { kind actor } } } }"""


@contextlib.asynccontextmanager
async def served(settings: Any) -> AsyncIterator[tuple[str, Any, list[str]]]:
    """The app under real uvicorn in this event loop: (url, app, renderings seen in SQL)."""
    app = create_app(settings)
    renders: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "outbound_email_event.email_id = ANY" in statement:  # the `events` loader: once per rendering
            renders.append(statement)

    engine = app.state.services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    serving = asyncio.create_task(server.serve())
    try:
        await wait_until(lambda: server.started or serving.done())
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}", app, renders
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 15)
        event.remove(engine, "before_cursor_execute", count)


async def subscribed(url: str, tenant: Tenant, protocol: str = "graphql-transport-ws", **variables: Any) -> Any:
    socket = GraphQLSocket(url, protocol)
    assert (await socket.open(tenant.token))["type"] == "connection_ack"
    await socket.subscribe(UPDATES, **variables)
    return socket


async def hub_of(app: Any, count: int) -> Any:
    hub = await app.state.services.hub()
    await wait_until(lambda: hub.subscriber_count == count)  # every subscription in place before a write
    return hub


async def test_a_direct_update_is_the_message_the_ordinary_path_sends_and_is_rendered_once(settings) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    async with served(settings) as (url, app, renders):
        direct = [await subscribed(url, tenant) for _ in range(3)]
        ordinary = await subscribed(url, tenant, "graphql-ws")  # the legacy protocol: its own task renders
        hub = await hub_of(app, 4)
        (email_id,) = await asyncio.to_thread(write_drafts, tenant, 1)
        updates = [await socket.next_update() for socket in (*direct, ordinary)]
        assert updates[0]["emailId"] == email_id
        assert updates[0]["outboundEmail"]["events"] == [{"kind": "created", "actor": "test"}]
        assert all(update == updates[0] for update in updates)
        assert hub.direct_writes == 3
        assert len(renders) == 1  # the direct path rendered it; the legacy subscriber took the same result


async def test_two_organizations_with_identical_documents_never_share_a_direct_update(settings) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = make_tenant(), make_tenant()
    async with served(settings) as (url, app, renders):
        our_sockets = [await subscribed(url, ours) for _ in range(2)]
        their_sockets = [await subscribed(url, theirs) for _ in range(2)]
        hub = await hub_of(app, 4)
        (our_email,) = await asyncio.to_thread(write_drafts, ours, 1)
        (their_email,) = await asyncio.to_thread(write_drafts, theirs, 1)
        for sockets, email_id, tenant in ((our_sockets, our_email, ours), (their_sockets, their_email, theirs)):
            for socket in sockets:
                update = await socket.next_update()  # the first thing each sees is its own organization's
                assert (update["emailId"], update["outboundEmail"]["account"]["email"]) == (
                    email_id,
                    tenant.account_email,
                )
        assert hub.direct_writes == 4
        assert len(renders) == 2  # once per organization, never one rendering for both


async def test_ids_and_filters_narrow_the_direct_path_and_updates_keep_the_order_of_events(settings) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    async with served(settings) as (url, app, _renders):
        everything = await subscribed(url, tenant)
        await subscribed(url, tenant, filter={"status": ["SENT"]})  # no draft is SENT: it must get nothing
        await hub_of(app, 2)  # both in place before the first write, or it may come before them
        (first,) = await asyncio.to_thread(write_drafts, tenant, 1)
        assert (await everything.next_update())["emailId"] == first
        by_id = await subscribed(url, tenant, id=first)
        hub = await hub_of(app, 3)
        ids = await asyncio.to_thread(write_drafts, tenant, 20)  # twenty commits, fanned out while they land
        await asyncio.to_thread(delete, tenant, first)
        assert [(await everything.next_update())["emailId"] for _ in ids] == ids
        assert ((await everything.next_update())["emailId"], (await by_id.next_update())["emailId"]) == (first, first)
        # The deletion came last, so every update before it has been written: the first draft to
        # one, the twenty to one, the deletion to two. The SENT-only subscription was written nothing.
        assert hub.direct_writes == 1 + 20 + 2


def delete(tenant: Tenant, email_id: str) -> None:
    with session_scope() as session:
        delete_draft(session, tenant.organization_id, uuid.UUID(email_id), "test")
