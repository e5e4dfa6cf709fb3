"""Subscriptions the hub serves without a task of their own (api.fanout `Sink.detach`): they still get
their updates, go when the client completes them or leaves, and a task comes back when one must act."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlmodel import col, select

from domain.records import ApiToken, utcnow
from domain.tokens import hash_token
from tests.api.test_direct_updates import hub_of
from tests.api.test_shared_frames import served, server_side, subscribed
from tests.api.test_slow_subscribers import CountingAuthenticator, write_drafts
from tests.conftest import wait_until
from tests.factories import make_tenant
from workers.db import session_scope


def only_subscriber(hub: Any) -> Any:
    (group,) = hub._by_org.values()
    (subscriber,) = group
    return subscriber


async def test_an_idle_subscription_keeps_no_task_and_still_gets_its_updates(settings) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    async with served(settings) as (url, app, _server):
        socket = await subscribed(url, tenant)
        hub = await hub_of(app, 1)
        subscriber = only_subscriber(hub)
        await wait_until(lambda: subscriber.revive is not None)  # detached: its task has ended
        for n in range(2):
            (email_id,) = await asyncio.to_thread(write_drafts, tenant, 1)
            assert (await socket.next_update())["emailId"] == email_id
            assert hub.direct_writes == n + 1
            assert subscriber.revive is not None  # written by the hub: no task was started for it


async def test_completing_or_closing_a_detached_subscription_unregisters_it(settings) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    async with served(settings) as (url, app, _server):
        completed, closed = await subscribed(url, tenant), await subscribed(url, tenant)
        hub = await hub_of(app, 2)
        (group,) = hub._by_org.values()
        await wait_until(lambda: all(s.revive is not None for s in group))
        await completed.send({"id": "1", "type": "complete"})
        await wait_until(lambda: hub.subscriber_count == 1)
        await closed.close()
        await wait_until(lambda: hub.subscriber_count == 0)


async def test_a_detached_subscription_looks_at_its_token_again_and_ends_once_it_is_revoked(settings) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    async with served(settings.model_copy(update={"token_cache_seconds": 0.1})) as (url, app, _server):
        checks = CountingAuthenticator(app.state.services.authenticator)
        app.state.services.authenticator = checks
        socket = await subscribed(url, tenant)
        hub = await hub_of(app, 1)
        subscriber = only_subscriber(hub)
        await wait_until(lambda: checks.count >= 3)  # connection_init, then two looks while detached
        await wait_until(lambda: subscriber.revive is not None)  # and, the token good, let go again
        (email_id,) = await asyncio.to_thread(write_drafts, tenant, 1)
        assert (await socket.next_update())["emailId"] == email_id
        with session_scope() as session:
            token = session.exec(select(ApiToken).where(col(ApiToken.token_hash) == hash_token(tenant.token))).one()
            token.revoked_at = utcnow()
            session.add(token)
        ended = await socket.receive()
        assert ended["type"] == "next"
        assert [e["extensions"]["code"] for e in ended["payload"]["errors"]] == ["UNAUTHENTICATED"]
        assert (await socket.receive())["type"] == "complete"
        await wait_until(lambda: hub.subscriber_count == 0)


async def test_a_detached_subscription_that_falls_behind_is_told_to_resubscribe_from_its_last_update(settings) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    async with served(settings.model_copy(update={"subscription_queue_size": 2})) as (url, app, server):
        socket = await subscribed(url, tenant)
        hub = await hub_of(app, 1)
        subscriber = only_subscriber(hub)
        await wait_until(lambda: subscriber.revive is not None)
        choked = server_side(server, socket)
        choked.pause_writing()  # the client stops reading: every update waits in its own send
        for _ in range(4):
            await asyncio.to_thread(write_drafts, tenant, 1)
        await wait_until(lambda: subscriber.fell_behind)
        choked.resume_writing()
        updates = []
        while True:
            message = await socket.receive()
            if message["payload"].get("errors"):
                break
            updates.append(message["payload"]["data"]["outboundEmailUpdates"])
        (error,) = message["payload"]["errors"]
        assert error["extensions"]["code"] == "RESUBSCRIBE"
        assert updates and error["extensions"]["since"] == updates[-1]["cursor"]
        await wait_until(lambda: hub.subscriber_count == 0)
