"""A subscription's update is rendered once per event for everyone who would get the same bytes,
never across organizations or scopes, and is exactly what rendering it alone would give."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import strawberry
from sqlalchemy import event

from api.app import create_app
from api.auth import Principal
from api.context import LiveContext
from api.sharing import Delivery, SharingExecutor, Shelf
from tests.api.test_slow_subscribers import write_drafts
from tests.conftest import wait_until
from tests.factories import make_tenant

# -- the mechanism, on a schema of its own -----------------------------------------------------


@dataclass
class Viewer:
    organization: str
    deliveries: list[Delivery]

    @property
    def sharing_key(self) -> str:
        return self.organization


@dataclass
class Rendering:
    """Root values handed out by the deliveries' `root()`, numbered, so a test sees who rendered what."""

    count: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    hold: asyncio.Event | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the first rendering began (and, with `hold`, waits)."""

    def delivery(self, shelf: Shelf, identity: object = 1) -> Delivery:
        @contextlib.asynccontextmanager
        async def root() -> AsyncIterator[Seen]:
            number = next(self.count)
            if number == 1:
                self.started.set()
            if self.hold is not None and number == 1:
                await self.hold.wait()
            yield Seen(render=number)

        return Delivery(identity, shelf, root)


@strawberry.type
class Seen:
    render: int

    @strawberry.field
    def organization(self, info: strawberry.Info) -> str:
        return str(info.context.organization)


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def seen(self, info: strawberry.Info, label: str | None = None) -> AsyncGenerator[Seen]:
        for delivery in info.context.deliveries:
            yield delivery  # type: ignore[misc]


SCHEMA = strawberry.Schema(Query, subscription=Subscription, execution_context_class=SharingExecutor)
DOCUMENT = "subscription($label: String, $more: Boolean! = false) { seen(label: $label) { render organization @include(if: $more) } }"


async def first(viewer: Viewer, **variables: Any) -> Any:
    stream = await SCHEMA.subscribe(DOCUMENT, variable_values=variables, context_value=viewer)
    result = await stream.__anext__()
    await stream.aclose()
    assert result.errors is None, result.errors
    return result.data["seen"]


async def test_two_organizations_with_identical_documents_never_share_a_result() -> None:
    rendering, shelf = Rendering(), {}
    one = rendering.delivery(shelf)
    a1, a2, b1 = [await first(Viewer(org, [one]), more=True) for org in ("a", "a", "b")]
    assert a1 == a2 == {"render": 1, "organization": "a"}  # the second subscriber of `a` took the first's
    assert b1 == {"render": 2, "organization": "b"}  # `b` rendered its own


async def test_arguments_that_only_choose_events_still_share_but_rendering_variables_do_not() -> None:
    rendering, shelf = Rendering(), {}
    one = rendering.delivery(shelf)
    by_label = [await first(Viewer("a", [one]), label=label) for label in ("x", "y")]
    assert by_label == [{"render": 1}, {"render": 1}]
    assert await first(Viewer("a", [one]), label="x", more=True) == {"render": 2, "organization": "a"}
    other_event = rendering.delivery(shelf, identity=2)
    assert await first(Viewer("a", [other_event])) == {"render": 3}


async def test_a_subscriber_leaving_mid_render_leaves_the_others_to_render_it_themselves() -> None:
    rendering, shelf = Rendering(hold=asyncio.Event()), {}
    one = rendering.delivery(shelf)
    leader = asyncio.create_task(first(Viewer("a", [one])))
    await rendering.started.wait()  # the leader is rendering (held)
    follower = asyncio.create_task(first(Viewer("a", [one])))
    for _ in range(20):  # let the follower run until it blocks on the leader's result (no clock involved)
        await asyncio.sleep(0)
    assert not follower.done()
    leader.cancel()
    assert await asyncio.wait_for(follower, 5) == {"render": 2}
    assert rendering.hold is not None and not rendering.hold.is_set()


# -- the real subscription --------------------------------------------------------------------

UPDATES = """subscription { outboundEmailUpdates { kind event cursor emailId
  outboundEmail { id subject status account { email } events { kind actor } } } }"""


class UnsharedContext(LiveContext):
    """A connection that renders its own updates: the path every subscriber took before sharing."""

    sharing_key = None  # type: ignore[assignment]


async def test_a_shared_update_equals_the_one_rendered_alone_and_is_rendered_once(settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings)
    tenant = make_tenant()
    services = app.state.services
    hub = await services.hub()
    renders: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "outbound_email_event.email_id = ANY" in statement:  # the `events` loader: once per rendering
            renders.append(statement)

    event.listen(services.engine.sync_engine, "before_cursor_execute", count)
    try:
        streams = []
        for context_class in (LiveContext, LiveContext, LiveContext, UnsharedContext):
            context = context_class(
                services.settings,
                services,
                organization_id=tenant.organization_id,
                token=tenant.token,
                principal=Principal(tenant.organization_id, uuid.uuid4()),  # an API token: every scope
            )
            streams.append(await app.state.graphql.schema.subscribe(UPDATES, context_value=context))
        nexts = [asyncio.create_task(stream.__anext__()) for stream in streams]
        await wait_until(lambda: hub.subscriber_count == 4)  # all four subscribed before the write
        await asyncio.to_thread(write_drafts, tenant, 1)
        results = [await asyncio.wait_for(task, 10) for task in nexts]
        assert all(r.errors is None for r in results), [r.errors for r in results]
        shared, alone = [r.data for r in results[:3]], results[3].data
        assert shared[0] == shared[1] == shared[2] == alone
        assert alone["outboundEmailUpdates"]["outboundEmail"]["events"] == [{"kind": "created", "actor": "test"}]
        assert len(renders) == 2  # once for the three that share, once for the one alone
        for stream in streams:
            await stream.aclose()
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", count)
        await hub.stop()
        await services.engine.dispose()
