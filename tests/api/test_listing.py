"""Finding emails: filters, stable newest-first paging, and a fixed SQL budget per page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import event

from tests.factories import Tenant, gql, make_tenant

PAGE = """query($filter: OutboundEmailFilter, $first: Int, $after: String) {
  outboundEmails(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
    edges { cursor node { id subject status deliveryStatus contextId
      account { id email } bounceDetails { bouncedRecipients { email action statusCode diagnostic } detectedAt } } }
  }
}"""
CREATE = """mutation($input: DraftInput!) { createDraft(input: $input) {
  ... on DraftSaved { outboundEmail { id } } ... on MutationError { code } } }"""


async def make_drafts(client, tenant: Tenant, count: int, **fields: object) -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    for i in range(count):
        data = {"accountId": str(tenant.account_id), "to": ["a@example.com"], "subject": f"#{i}", **fields}
        body = await gql(client, CREATE, {"input": data}, tenant.token)
        ids.append(body["data"]["createDraft"]["outboundEmail"]["id"])
    return ids


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant("acme")


async def test_pages_walk_every_email_once_newest_first(client, tenant) -> None:
    ids = await make_drafts(client, tenant, 7)
    seen, after = [], None
    while True:
        body = await gql(client, PAGE, {"first": 3, "after": after}, tenant.token)
        conn = body["data"]["outboundEmails"]
        assert conn["totalCount"] == 7
        info = conn["pageInfo"]
        assert (info["startCursor"], info["endCursor"]) == (conn["edges"][0]["cursor"], conn["edges"][-1]["cursor"])
        assert info["hasPreviousPage"] is (after is not None)
        seen += [edge["node"]["id"] for edge in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == list(reversed(ids))


async def test_emails_created_in_the_same_instant_still_page_stably(client, tenant, db) -> None:
    ids = await make_drafts(client, tenant, 5)
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE outbound_email SET created_at = '2026-01-01T00:00:00Z'")
    first = (await gql(client, PAGE, {"first": 2}, tenant.token))["data"]["outboundEmails"]
    rest = await gql(client, PAGE, {"first": 10, "after": first["pageInfo"]["endCursor"]}, tenant.token)
    got = [e["node"]["id"] for e in first["edges"]] + [e["node"]["id"] for e in rest["data"]["outboundEmails"]["edges"]]
    assert sorted(got) == sorted(ids) and len(set(got)) == 5


async def test_filters_by_context_status_delivery_status_account_and_creation_time(client, tenant, db) -> None:
    invoice = str(uuid.uuid4())
    mine = await make_drafts(client, tenant, 2, contextType="invoice", contextId=invoice)
    await make_drafts(client, tenant, 1, contextType="invoice", contextId=str(uuid.uuid4()))
    await make_drafts(client, tenant, 1, contextType="quote", contextId=invoice)
    with psycopg.connect(db) as conn:
        conn.execute(
            "UPDATE outbound_email SET status='SENT', delivery_status='bounce_detected' WHERE id=%s",
            (mine[0],),
        )

    async def ids(filter: dict) -> set[str]:  # type: ignore[type-arg]
        body = await gql(client, PAGE, {"filter": filter, "first": 100}, tenant.token)
        conn_ = body["data"]["outboundEmails"]
        assert conn_["totalCount"] == len(conn_["edges"])
        return {e["node"]["id"] for e in conn_["edges"]}

    assert await ids({"contextType": "invoice", "contextId": invoice}) == set(mine)
    assert await ids({"status": ["SENT"]}) == {mine[0]}
    assert await ids({"status": "DRAFT", "contextId": invoice}) == {
        mine[1],
        *(await ids({"contextType": "quote"})),
    }
    assert await ids({"deliveryStatus": ["bounce_detected"]}) == {mine[0]}  # the seed's one spelling
    assert len(await ids({"accountId": str(tenant.account_id)})) == 4
    now = datetime.now(UTC)
    assert len(await ids({"createdAfter": (now - timedelta(minutes=5)).isoformat()})) == 4
    assert await ids({"createdBefore": (now - timedelta(minutes=5)).isoformat()}) == set()


async def test_a_bad_cursor_is_a_clear_error(client, tenant) -> None:
    body = await gql(client, PAGE, {"after": "garbage!!"}, tenant.token)
    assert body["data"] is None or body["data"]["outboundEmails"] is None
    assert "cursor" in body["errors"][0]["message"]


async def test_a_page_of_100_emails_with_account_and_bounce_details_takes_three_statements(
    client, app, tenant, db
) -> None:
    other = make_tenant("globex")
    await make_drafts(client, other, 2)
    with psycopg.connect(db) as conn:
        conn.execute(
            """INSERT INTO outbound_email (id, organization_id, account_id, from_email, "to", cc, bcc, subject,
                 status, delivery_status, bounce_details, allow_suppressed, attempt_count, created_at, updated_at)
               SELECT gen_random_uuid(), %(org)s, %(acc)s, 'a@x.com', '[]', '[]', '[]', 's' || g, 'SENT',
                 'bounce_detected', '{"bounced_recipients": [{"email": "b@x.invalid", "action": "failed",
                 "status_code": "5.1.1", "diagnostic": "no such user"}], "detected_at": "2026-11-24T00:00:00+00:00"}',
                 false, 0, now() - g * interval '1 second', now()
               FROM generate_series(1, 120) g""",
            {"org": tenant.organization_id, "acc": tenant.account_id},
        )
    await gql(client, "{ mailAccounts { id } }", token=tenant.token)  # warm the token cache
    statements: list[str] = []
    engine = app.state.services.engine.sync_engine

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        body = await gql(client, PAGE, {"first": 100}, tenant.token)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    conn_ = body["data"]["outboundEmails"]
    assert len(conn_["edges"]) == 100 and conn_["totalCount"] == 120
    node = conn_["edges"][0]["node"]
    assert node["account"]["email"] == tenant.account_email
    assert node["bounceDetails"]["bouncedRecipients"][0] == {
        "email": "b@x.invalid",
        "action": "failed",
        "statusCode": "5.1.1",
        "diagnostic": "no such user",
    }
    assert len(statements) <= 3, statements


async def test_a_page_size_beyond_the_cap_is_refused_not_silently_cut(client, tenant, db) -> None:
    await make_drafts(client, tenant, 3)
    body = await gql(client, PAGE, {"first": 100000}, tenant.token)
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "first"}, body
    body = await gql(client, PAGE, {"first": 100}, tenant.token)
    assert len(body["data"]["outboundEmails"]["edges"]) == 3


async def test_a_page_reads_its_events_with_one_statement_text_whatever_the_page_size(client, app, tenant, db) -> None:
    await make_drafts(client, tenant, 3)
    with psycopg.connect(db) as conn:
        conn.execute(
            """INSERT INTO outbound_email_event (organization_id, email_id, kind, at, data, actor)
               SELECT organization_id, id, 'noted', now(), '{"n": [1, "two"], "ok": true}', 'test'
               FROM outbound_email WHERE organization_id = %s""",
            (tenant.organization_id,),
        )
    query = "query($first: Int) { outboundEmails(first: $first) { edges { node { events { kind data } } } } }"
    texts: list[str] = []
    engine = app.state.services.engine.sync_engine

    def keep(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "outbound_email_event" in statement:
            texts.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        small = await gql(client, query, {"first": 1}, tenant.token)
        large = await gql(client, query, {"first": 3}, tenant.token)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert len(texts) == 2 and texts[0] == texts[1], texts  # psycopg caches and prepares a fixed text
    for body in (small, large):
        for edge in body["data"]["outboundEmails"]["edges"]:
            assert [(e["kind"], e["data"]) for e in edge["node"]["events"]][-1] == (
                "noted",
                {"n": [1, "two"], "ok": True},
            )


async def test_a_query_reads_in_autocommit_and_a_mutation_keeps_its_transaction(client, app, tenant) -> None:
    seen: list[tuple[str, bool]] = []
    engine = app.state.services.engine.sync_engine

    def keep(conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append((statement.split()[0], conn.connection.dbapi_connection.autocommit))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        await make_drafts(client, tenant, 1)
        writes = list(seen)
        seen.clear()
        body = await gql(client, PAGE, {"first": 10}, tenant.token)
        reads = list(seen)
        seen.clear()
        await make_drafts(client, tenant, 1)  # on a connection the query gave back to the pool
        writes += seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert body["data"]["outboundEmails"]["totalCount"] == 1
    assert reads and all(autocommit for _, autocommit in reads), reads  # no BEGIN ... ROLLBACK round trips
    assert any(verb == "INSERT" for verb, _ in writes) and not any(autocommit for _, autocommit in writes), writes


async def test_an_answer_holding_an_integer_beyond_64_bits_is_still_written(client, tenant, db) -> None:
    (email_id,) = await make_drafts(client, tenant, 1)
    with psycopg.connect(db) as conn:
        conn.execute(
            """INSERT INTO outbound_email_event (organization_id, email_id, kind, at, data, actor)
               VALUES (%s, %s, 'noted', now(), %s, 'test')""",
            (tenant.organization_id, email_id, '{"big": 1180591620717411303424, "name": "Zoë"}'),
        )
    query = "query($id: ID!) { outboundEmail(id: $id) { events { kind data } } }"
    body = await gql(client, query, {"id": email_id}, tenant.token)
    assert body["data"]["outboundEmail"]["events"][-1]["data"] == {"big": 2**70, "name": "Zoë"}


async def test_the_api_reads_timestamps_in_utc_without_converting_them(app) -> None:
    from sqlalchemy import text

    async with app.state.services.engine.connect() as conn:
        zone, now = (await conn.execute(text("SELECT current_setting('TimeZone'), now()"))).one()
    assert zone == "UTC" and now.tzinfo is UTC  # psycopg's own UTC: UTCDateTime passes it on as it is
