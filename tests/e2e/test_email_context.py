"""The email story of one entity (an invoice): its rollup in at most four SQL statements, and the
same story live, through `outboundEmailUpdates(filter: {contextType, contextId})`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, func, select

from domain.records import OutboundEmailEvent
from domain.settings import get_settings
from tests.conftest import wait_for
from tests.e2e.helpers import email_row, send, status_is
from tests.e2e.notices import blocked_for_reputation, reply
from tests.e2e.sockets import FROM_THE_START, GraphQLSocket
from tests.factories import Tenant, gql, make_connected_tenant, make_tenant
from workers import runtime
from workers.connect import start_watch
from workers.db import session_scope

CONTEXT = """query($type: String!, $id: UUID, $first: Int, $after: String, $events: Int, $since: String) {
  emailContext(contextType: $type, contextId: $id) {
    contextType contextId
    counts { total draft pending sent failed delivered delayed replied bounceDetected
      recipients { total notSent sent delayed bounced replied autoReplied } }
    bouncingRecipients { address role deliveryState reason permanence scope statusCode emailId }
    repliedAt lastActivityAt
    emails(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { id subject status deliveryStatus } } }
    timeline(first: $events, after: $since) { pageInfo { hasNextPage endCursor }
      edges { cursor node { kind at emailId } } }
  } }"""
CREATE = """mutation($i: DraftInput!) { createDraft(input: $i) { ... on DraftSaved { outboundEmail { id } } } }"""


@pytest.fixture
def tenant(db: str, gmail, live_api, worker) -> Tenant:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    assert start_watch(get_settings(), session_scope, runtime.gateway(), runtime.cipher(), tenant.account_id)
    return tenant


async def sent(client: Any, tenant: Tenant, invoice: str, to: list[str], subject: str) -> Any:
    result = await send(
        client,
        tenant.token,
        accountId=str(tenant.account_id),
        to=to,
        subject=subject,
        bodyText="Please pay.",
        contextType="invoice",
        contextId=invoice,
    )
    assert result["__typename"] == "EmailQueued", result
    return wait_for(status_is(result["outboundEmail"]["id"], "SENT"))


def count_statements(app: Any) -> tuple[list[str], Any]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    return statements, count


async def test_an_invoices_story_in_at_most_four_statements(client, app, tenant, gmail) -> None:
    invoice = str(uuid.uuid4())
    first = await sent(client, tenant, invoice, ["nobody@nowhere.invalid", "pat@example.com"], "INV-1")
    wait_for(lambda: email_row(first.id).bounce_details)
    second = await sent(client, tenant, invoice, ["pat@example.com"], "INV-1 reminder")
    gmail.inject(tenant.account_email, reply("pat@example.com", tenant.account_email, second.message_id_header, "Paid"))
    wait_for(lambda: email_row(second.id).delivery_status is not None)
    draft = await gql(
        client,
        CREATE,
        {
            "i": {
                "accountId": str(tenant.account_id),
                "to": ["ap@example.com"],
                "contextType": "invoice",
                "contextId": invoice,
                "subject": "INV-1 thanks",
            }
        },
        tenant.token,
    )
    draft_id = draft["data"]["createDraft"]["outboundEmail"]["id"]
    await sent(client, tenant, str(uuid.uuid4()), ["someone@else.invalid"], "another invoice")  # not this story
    stranger = make_tenant()  # another organization, same entity id: never part of the story
    await gql(
        client,
        CREATE,
        {
            "i": {
                "accountId": str(stranger.account_id),
                "to": ["x@example.com"],
                "contextType": "invoice",
                "contextId": invoice,
            }
        },
        stranger.token,
    )
    await gql(client, "{ mailAccounts { id } }", token=tenant.token)  # warm the token cache

    statements, count = count_statements(app)
    engine = app.state.services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        body = await gql(client, CONTEXT, {"type": "invoice", "id": invoice, "first": 2, "events": 4}, tenant.token)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "errors" not in body, body
    story = body["data"]["emailContext"]
    assert len(statements) <= 4, statements

    assert (story["contextType"], story["contextId"]) == ("invoice", invoice)
    assert story["counts"] == {
        "total": 3,
        "draft": 1,
        "pending": 0,
        "sent": 2,
        "failed": 0,
        "delivered": 0,
        "delayed": 0,
        "replied": 1,
        "bounceDetected": 1,
        "recipients": {"total": 4, "notSent": 1, "sent": 1, "delayed": 0, "bounced": 1, "replied": 1, "autoReplied": 0},
    }
    # pat was sent the first email without news, then replied to the second: not bouncing.
    assert story["bouncingRecipients"] == [
        {
            "address": "nobody@nowhere.invalid",
            "role": "TO",
            "deliveryState": "BOUNCED",
            "reason": "userunknown",
            "permanence": "HARD",
            "scope": "ADDRESS",
            "statusCode": "5.1.1",
            "emailId": str(first.id),
        }
    ]
    assert datetime.fromisoformat(story["repliedAt"]) == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    ids = {str(first.id), str(second.id), draft_id}
    with session_scope() as session:
        newest = session.exec(
            select(func.max(OutboundEmailEvent.at)).where(
                col(OutboundEmailEvent.email_id).in_([uuid.UUID(i) for i in ids])
            )
        ).one()
        total_events = session.exec(
            select(func.count()).where(col(OutboundEmailEvent.email_id).in_([uuid.UUID(i) for i in ids]))
        ).one()
    assert datetime.fromisoformat(story["lastActivityAt"]) == newest

    emails = story["emails"]
    assert emails["totalCount"] == 3 and emails["pageInfo"]["hasNextPage"]
    assert [e["node"]["id"] for e in emails["edges"]] == [draft_id, str(second.id)]  # newest first
    rest = await gql(
        client, CONTEXT, {"type": "invoice", "id": invoice, "after": emails["pageInfo"]["endCursor"]}, tenant.token
    )
    assert [e["node"]["id"] for e in rest["data"]["emailContext"]["emails"]["edges"]] == [str(first.id)]

    # The merged timeline, newest first, walked page by page: every event of the three, once.
    seen, since = [], None
    while True:
        page = await gql(client, CONTEXT, {"type": "invoice", "id": invoice, "events": 4, "since": since}, tenant.token)
        timeline = page["data"]["emailContext"]["timeline"]
        seen += [(int(e["cursor"]), e["node"]["emailId"]) for e in timeline["edges"]]
        if not timeline["pageInfo"]["hasNextPage"]:
            break
        since = timeline["pageInfo"]["endCursor"]
    assert [s for s, _ in seen] == sorted((s for s, _ in seen), reverse=True)
    assert len(seen) == total_events and {e for _, e in seen} == ids

    # The stranger's own story holds only its own draft; a bad argument is a typed error.
    theirs = await gql(client, CONTEXT, {"type": "invoice", "id": invoice}, stranger.token)
    assert theirs["data"]["emailContext"]["counts"]["total"] == 1
    bad = await gql(client, CONTEXT, {"type": "invoice", "id": invoice, "first": 1000}, tenant.token)
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    everything = await gql(client, CONTEXT, {"type": "invoice"}, tenant.token)  # no contextId: every invoice
    assert everything["data"]["emailContext"]["counts"]["total"] == 4


@pytest.fixture
async def socket(live_api: str) -> AsyncIterator[GraphQLSocket]:
    opened = GraphQLSocket(live_api)
    yield opened
    await opened.close()


LIVE = """subscription($filter: OutboundEmailFilter, $since: String) {
  outboundEmailUpdates(filter: $filter, since: $since) {
  kind event emailId
  outboundEmail { id deliveryStatus }
  recipient { address deliveryState reason permanence scope correlation }
  mailAccount { id state senderWarning { statusCode recipient } }
  emailContext { counts { total bounceDetected recipients { bounced } } bouncingRecipients { address reason } }
} }"""


async def draft_of(client: Any, tenant: Tenant) -> str:
    body = await gql(
        client,
        "mutation($i: DraftInput!) { createDraft(input: $i) { ... on DraftSaved { outboundEmail { id } } } }",
        {"i": {"accountId": str(tenant.account_id), "to": ["someone@example.com"], "subject": "Theirs"}},
        tenant.token,
    )
    return str(body["data"]["createDraft"]["outboundEmail"]["id"])


async def test_the_same_story_arrives_through_a_subscription(client, tenant, gmail, socket) -> None:
    invoice = str(uuid.uuid4())
    assert (await socket.open(tenant.token))["type"] == "connection_ack"
    await socket.subscribe(LIVE, filter={"contextType": "invoice", "contextId": invoice}, since=FROM_THE_START)
    other = make_connected_tenant(gmail)
    watcher = GraphQLSocket(socket.url.replace("ws://", "http://").removesuffix("/graphql"))
    assert (await watcher.open(tenant.token))["type"] == "connection_ack"
    await watcher.subscribe(LIVE, filter={"accountId": str(tenant.account_id)}, since=FROM_THE_START)
    elsewhere = GraphQLSocket(socket.url.replace("ws://", "http://").removesuffix("/graphql"))
    assert (await elsewhere.open(other.token))["type"] == "connection_ack"
    await elsewhere.subscribe(LIVE, since=FROM_THE_START)  # the fresh trail: nothing is missed
    try:
        email = await sent(client, tenant, invoice, ["nobody@nowhere.invalid", "pat@example.com"], "INV-2")
        updates = await socket.updates_until(lambda u: u["kind"] == "RECIPIENT_UPDATED", within=20)
        assert [u["event"] for u in updates][:4] == ["created", "queued", "attempt", "sent"]
        assert updates[-2]["event"] == "bounce_detected"
        last = updates[-1]
        assert last["recipient"] == {
            "address": "nobody@nowhere.invalid",
            "deliveryState": "BOUNCED",
            "reason": "userunknown",
            "permanence": "HARD",
            "scope": "ADDRESS",
            "correlation": "IN_REPLY_TO",
        }
        assert last["emailContext"] == {
            "counts": {"total": 1, "bounceDetected": 1, "recipients": {"bounced": 1}},
            "bouncingRecipients": [{"address": "nobody@nowhere.invalid", "reason": "userunknown"}],
        }
        assert last["outboundEmail"]["deliveryStatus"] == "bounce_detected" and last["mailAccount"] is None

        # An account-level change reaches the account's subscribers, not the context's nor another org's.
        gmail.inject(
            tenant.account_email,
            blocked_for_reputation(tenant.account_email, "pat@example.com", email.message_id_header),
        )
        account_update = (await watcher.updates_until(lambda u: u["kind"] == "ACCOUNT_SENDER_WARNING", within=20))[-1]
        assert account_update["outboundEmail"] is None and account_update["emailId"] == str(tenant.account_id)
        assert account_update["mailAccount"]["senderWarning"] == {"statusCode": "5.7.1", "recipient": "pat@example.com"}
        context_updates = await socket.updates_until(
            lambda u: u["recipient"] is not None and u["recipient"]["address"] == "pat@example.com", within=20
        )
        assert all(not u["kind"].startswith("ACCOUNT_") for u in context_updates)
        assert context_updates[-1]["recipient"]["scope"] == "SENDER"
        # The other organization heard none of it: its first update is its own, later draft.
        theirs = await draft_of(client, other)
        first = await elsewhere.next_update()
        assert (first["emailId"], first["event"]) == (theirs, "created")
    finally:
        await watcher.close()
        await elsewhere.close()
