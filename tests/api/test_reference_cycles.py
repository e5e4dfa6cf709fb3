"""A request's objects are freed when it ends, not left in reference cycles for the cycle collector.

A 100-email page left its loaders, executor and lean plan in cycles, with every row, future and UUID
they reached: about 2,400 objects per page that only a collection could free, a tenth of the page's
CPU in collections. These tests collect what a request leaves behind (`gc.DEBUG_SAVEALL`) and look
for the request's own objects in it.
"""

from __future__ import annotations

import gc
import uuid
import weakref
from typing import Any

import graphql
import psycopg
import pytest

from api.context import Context
from api.db import make_async_engine, make_sessionmaker
from api.lean import LeanQuery
from api.loaders import EventRow, Loaders
from api.sharing import SharingExecutor, weak_helpers
from bench.ratio_page import PAGE
from bench.seed import write_emails
from tests.factories import Tenant, gql, make_tenant

REQUEST_TYPES = (Context, Loaders, SharingExecutor, LeanQuery, EventRow)


@pytest.fixture
def tenant(db: str) -> Tenant:
    tenant = make_tenant(f"cycles{uuid.uuid4().hex[:6]}")
    with psycopg.connect(db) as conn:
        write_emails(conn, tenant.organization_id, tenant.account_id, 40)
    return tenant


async def test_a_page_of_emails_leaves_no_reference_cycles(client, tenant) -> None:
    for _ in range(2):  # the first requests fill the parse, validation and statement caches
        await gql(client, PAGE, {}, tenant.token)
    gc.collect()
    garbage: list[Any] = []
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        body = await gql(client, PAGE, {}, tenant.token)
        gc.collect()
        garbage.extend(gc.garbage)
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        gc.enable()
    assert len(body["data"]["outboundEmails"]["edges"]) == 40
    assert [o for o in garbage if isinstance(o, REQUEST_TYPES)] == []
    assert len(garbage) < 100, sorted({type(o).__qualname__ for o in garbage})


async def test_loaders_are_freed_as_soon_as_their_last_holder_lets_go(settings, tenant) -> None:
    engine = make_async_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            gc.disable()
            try:
                loaders = Loaders(session, tenant.organization_id)
                assert await loaders.events_by_email_id.load(uuid.uuid4()) == []
                gone = weakref.ref(loaders)
                del loaders
                assert gone() is None
            finally:
                gc.enable()
    finally:
        await engine.dispose()


SCHEMA = graphql.build_schema("type Query { one: Int }")


def executor() -> SharingExecutor:
    built = SharingExecutor.build(SCHEMA, graphql.parse("{ one }"))
    assert isinstance(built, SharingExecutor)
    return built


async def test_an_executor_is_freed_without_the_cycle_collector() -> None:
    gc.disable()
    try:
        made = executor()
        gone = weakref.ref(made)
        del made
        assert gone() is None
    finally:
        gc.enable()


async def test_the_weak_helpers_gather_and_track_as_graphql_cores_do() -> None:
    made = executor()
    helpers = made.async_helpers

    async def value(n: int) -> int:
        return n

    assert await helpers.gather([value(1), value(2)]) == await made.gather_async_work([value(1), value(2)])
    helpers.track([value(3), 4])
    assert len(made.background_futures) == 1
    (future,) = made.background_futures
    assert await future == [3]


async def test_the_weak_helpers_refuse_once_their_executor_is_gone() -> None:
    helpers = weak_helpers(executor())
    with pytest.raises(ReferenceError, match="after its operation ended"):
        helpers.track([])
    with pytest.raises(ReferenceError, match="after its operation ended"):
        helpers.gather([])
