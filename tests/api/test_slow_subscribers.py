"""A subscriber that stops reading never holds up the others or the writers, and is told how to resume."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any

from api.app import create_app
from api.auth import Principal, Refusal, TokenAuthenticator
from api.context import LiveContext
from domain.drafts import DraftFields, Limits, create_draft
from tests.conftest import wait_for, wait_until
from tests.e2e.sockets import UPDATES
from tests.factories import Tenant, make_tenant
from workers.db import session_scope


def write_drafts(tenant: Tenant, count: int, paced_by: Callable[[int], bool] | None = None) -> list[str]:
    """`count` drafts, one transaction (one NOTIFY) each; with `paced_by`, each waits until `paced_by(i)` of the one before."""
    ids = []
    for i in range(count):
        if paced_by is not None and i > 0:
            wait_for(partial(paced_by, i - 1))
        with session_scope() as session:  # one transaction (one NOTIFY) each
            email = create_draft(
                session,
                tenant.organization_id,
                DraftFields(account_id=tenant.account_id, to=["a@example.com"], subject=f"#{i}"),
                "test",
                Limits(max_recipients=100, max_attachments_bytes=1_000_000),
            )
            ids.append(str(email.id))
    return ids


class CountingAuthenticator:
    """The real authenticator, counting the token checks made through it: the sign a check was done."""

    def __init__(self, real: TokenAuthenticator) -> None:
        self.real = real
        self.count = 0

    async def authenticate(self, token: str | None) -> Principal | None:
        principal = await self.real.authenticate(token)
        self.count += 1
        return principal

    async def check(self, token: str | None) -> Principal | Refusal:
        """What an open subscription calls to look at its token again."""
        checked = await self.real.check(token)
        self.count += 1
        return checked


async def open_stream(app: Any, tenant: Tenant, **variables: Any) -> Any:
    services = app.state.services
    principal = await services.authenticator.authenticate(tenant.token)
    context = LiveContext(
        services.settings, services, organization_id=tenant.organization_id, token=tenant.token, principal=principal
    )
    schema = app.state.graphql.schema
    return await schema.subscribe(UPDATES, variable_values=variables, context_value=context)


async def test_a_slow_subscriber_is_dropped_with_its_cursor_and_resumes_from_it(settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings.model_copy(update={"subscription_queue_size": 3}))
    tenant = make_tenant()
    services = app.state.services
    hub = await services.hub()
    try:
        slow, fast = await open_stream(app, tenant), await open_stream(app, tenant)
        slow_first = asyncio.create_task(slow.__anext__())
        fast_results: list[Any] = []

        async def read_fast() -> None:
            while len(fast_results) < 10:
                fast_results.append(await fast.__anext__())

        fast_reader = asyncio.create_task(read_fast())
        await wait_until(lambda: hub.subscriber_count == 2)

        # Each write waits for the fast reader (so a loaded machine never makes it fall behind); nothing
        # waits for the slow one, which overflows its queue of 3.
        ids = await asyncio.to_thread(write_drafts, tenant, 10, lambda i: len(fast_results) > i)
        first = await asyncio.wait_for(slow_first, 5)
        await asyncio.wait_for(fast_reader, 10)
        assert [r.data["outboundEmailUpdates"]["emailId"] for r in fast_results] == ids

        assert first.data["outboundEmailUpdates"]["emailId"] == ids[0]
        dropped = await asyncio.wait_for(slow.__anext__(), 5)
        (error,) = dropped.errors
        assert error.extensions["code"] == "RESUBSCRIBE"
        cursor = first.data["outboundEmailUpdates"]["cursor"]
        assert error.extensions["since"] == cursor

        resumed = await open_stream(app, tenant, since=cursor)
        rest = [await asyncio.wait_for(resumed.__anext__(), 5) for _ in range(9)]
        assert [r.data["outboundEmailUpdates"]["emailId"] for r in rest] == ids[1:]
        for stream in (slow, fast, resumed):
            await stream.aclose()
    finally:
        await hub.stop()
        await services.engine.dispose()


async def test_a_subscription_ends_once_its_token_is_revoked(settings) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import col, select

    from domain.records import ApiToken, utcnow
    from domain.tokens import hash_token

    app = create_app(settings.model_copy(update={"token_cache_seconds": 0.1}))
    tenant = make_tenant()
    services = app.state.services
    checks = CountingAuthenticator(services.authenticator)
    services.authenticator = checks
    try:
        stream = await open_stream(app, tenant)
        waiting = asyncio.create_task(stream.__anext__())
        # The second check starts only once the first one found the token valid and the loop went on.
        await wait_until(lambda: checks.count >= 2)
        assert not waiting.done()  # a valid token: the subscription simply waits for changes
        with session_scope() as session:
            token = session.exec(select(ApiToken).where(col(ApiToken.token_hash) == hash_token(tenant.token))).one()
            token.revoked_at = utcnow()
            session.add(token)
        ended = await asyncio.wait_for(waiting, 10)
        (error,) = ended.errors
        assert error.extensions["code"] == "UNAUTHENTICATED"
        await stream.aclose()
    finally:
        hub = services.extras.get("hub")
        if hub is not None:
            await hub.stop()
        await services.engine.dispose()
