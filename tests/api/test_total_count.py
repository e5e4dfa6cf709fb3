"""`totalCount` costs a statement only when selected, and stops counting at `total_count_cap`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import event

from api.app import create_app
from tests.factories import gql, make_tenant

SEED = """INSERT INTO outbound_email (id, organization_id, account_id, from_email, "to", cc, bcc, subject, status,
    allow_suppressed, attempt_count, created_at, updated_at)
  SELECT gen_random_uuid(), %(org)s, %(acc)s, 'a@x.com', '[]', '[]', '[]', 's' || g,
    CASE WHEN g <= 3 THEN 'FAILED' ELSE 'SENT' END, false, 0, now() - g * interval '1 second', now()
  FROM generate_series(1, 8) g"""
PAGE = """query($filter: OutboundEmailFilter) { outboundEmails(first: 2, filter: $filter) {
  totalCount totalCountIsExact edges { node { id } } } }"""


@pytest.fixture
async def capped(settings) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:  # type: ignore[no-untyped-def]
    app = create_app(settings.model_copy(update={"total_count_cap": 5}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http, app
    await app.state.services.engine.dispose()


async def test_the_count_is_exact_below_the_cap_and_says_so_above_it(capped, db) -> None:  # type: ignore[no-untyped-def]
    client, _app = capped
    tenant, other = make_tenant(), make_tenant("globex")
    with psycopg.connect(db) as conn:
        for who in (tenant, other):
            conn.execute(SEED, {"org": who.organization_id, "acc": who.account_id})
    everything = (await gql(client, PAGE, {}, tenant.token))["data"]["outboundEmails"]
    assert (everything["totalCount"], everything["totalCountIsExact"]) == (5, False)  # 8 match, counted to 5
    failed = (await gql(client, PAGE, {"filter": {"status": ["FAILED"]}}, tenant.token))["data"]["outboundEmails"]
    assert (failed["totalCount"], failed["totalCountIsExact"], len(failed["edges"])) == (3, True, 2)


async def test_a_page_that_does_not_ask_for_the_count_does_not_count(capped, db) -> None:  # type: ignore[no-untyped-def]
    client, app = capped
    tenant = make_tenant()
    with psycopg.connect(db) as conn:
        conn.execute(SEED, {"org": tenant.organization_id, "acc": tenant.account_id})
    await gql(client, "{ mailAccounts { id } }", token=tenant.token)  # warm the token cache
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = app.state.services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        body = await gql(client, "{ outboundEmails(first: 2) { edges { node { id } } } }", token=tenant.token)
        assert len(body["data"]["outboundEmails"]["edges"]) == 2
        assert not any("count(" in s for s in statements), statements
        statements.clear()
        body = await gql(client, "{ outboundEmails(first: 2) { totalCount totalCountIsExact } }", token=tenant.token)
        assert body["data"]["outboundEmails"] == {"totalCount": 5, "totalCountIsExact": False}
        assert sum("count(" in s for s in statements) == 1, statements  # both fields, one statement
    finally:
        event.remove(engine, "before_cursor_execute", record)
