"""Webhooks end to end: GraphQL -> audit trail -> fan-out -> Dramatiq -> a receiver verifying signatures."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlmodel import select

import workers.webhooks  # noqa: F401 - the webhook actor joins the stub broker before the worker starts
from domain.records import WebhookDelivery, WebhookDeliveryState
from tests.conftest import wait_for
from tests.e2e.helpers import event_kinds, send, status_is
from tests.factories import Tenant, gql, make_connected_tenant
from tests.webhooks.conftest import create_endpoint
from workers.db import session_scope

REDELIVER = """mutation($e: ID!, $s: String) { redeliverWebhooks(endpointId: $e, since: $s) { __typename
  ... on WebhooksRedelivered { count complete cursor } ... on MutationError { code message field } } }"""


@pytest.fixture
def tenant(db: str, gmail) -> Tenant:  # type: ignore[no-untyped-def]
    return make_connected_tenant(gmail)


def deliveries(endpoint_id: str) -> list[WebhookDelivery]:
    with session_scope() as session:
        return list(
            session.exec(
                select(WebhookDelivery)
                .where(WebhookDelivery.endpoint_id == uuid.UUID(endpoint_id))
                .order_by(WebhookDelivery.seq)  # type: ignore[arg-type]
            ).all()
        )


def all_delivered(endpoint_id: str, count: int) -> Any:
    def check() -> Any:
        rows = deliveries(endpoint_id)
        return rows if len(rows) == count and all(r.state == WebhookDeliveryState.DELIVERED for r in rows) else None

    return check


async def send_one(client: Any, tenant: Tenant, **fields: Any) -> str:
    result = await send(
        client, tenant.token, accountId=str(tenant.account_id), to=["client@example.com"], subject="Hi", **fields
    )
    email_id = str(result["outboundEmail"]["id"])
    wait_for(status_is(email_id, "SENT"))
    return email_id


async def test_an_emails_events_arrive_signed_and_in_order(client, tenant, receiver, fanout, worker) -> None:
    endpoint_id = await create_endpoint(client, tenant.token, receiver)
    email_id = await send_one(client, tenant, contextType="invoice")
    kinds = event_kinds(email_id)
    assert kinds == ["created", "queued", "attempt", "sent"]
    wait_for(lambda: len(receiver.events_of(email_id)) == len(kinds))
    assert receiver.events_of(email_id) == kinds
    assert receiver.bad_signatures == 0
    last = receiver.acknowledged[-1].body
    assert last["type"] == "outbound_email.status_changed"
    assert last["data"]["kind"] == "STATUS_CHANGED"
    assert last["data"]["outboundEmail"]["id"] == email_id
    assert last["data"]["outboundEmail"]["account"]["email"] == tenant.account_email
    rows = wait_for(all_delivered(endpoint_id, len(kinds)))
    assert sorted(receiver.ids()) == sorted(r.webhook_id for r in rows)


async def test_a_receiver_that_fails_then_recovers_gets_every_event_once_per_id(
    client, tenant, receiver, fanout, fast_retries, worker
) -> None:
    receiver.script = [500, 503, 500, 502, 500]  # the first five requests fail, then every one succeeds
    endpoint_id = await create_endpoint(client, tenant.token, receiver)
    email_id = await send_one(client, tenant)
    kinds = event_kinds(email_id)
    rows = wait_for(all_delivered(endpoint_id, len(kinds)), timeout=20)
    assert sorted(receiver.ids()) == sorted(r.webhook_id for r in rows)
    assert len(receiver.ids()) == len(set(receiver.ids())) == len(kinds)
    assert receiver.events_of(email_id) == kinds  # a later event waited for the earlier one's retries
    assert sum(1 for r in receiver.seen if r.status >= 500) == 5
    assert sum(r.attempts for r in rows) == len(kinds) + 5


async def test_redelivery_from_a_cursor_replays_exactly_the_missed_events(
    client, tenant, receiver, fanout, worker
) -> None:
    endpoint_id = await create_endpoint(client, tenant.token, receiver)
    first = await send_one(client, tenant)
    wait_for(all_delivered(endpoint_id, 4))
    cursor = receiver.acknowledged[-1].body["data"]["cursor"]
    kept = receiver.ids()

    receiver.record = False  # the receiver answers 200 but loses everything from now on
    second = await send_one(client, tenant)
    wait_for(all_delivered(endpoint_id, 8))
    lost = {r.webhook_id for r in receiver.seen if r.body["data"]["emailId"] == second}
    assert len(lost) == 4 and receiver.events_of(second) == []

    receiver.record = True
    body = await gql(client, REDELIVER, {"e": endpoint_id, "s": cursor}, tenant.token)
    answer = body["data"]["redeliverWebhooks"]
    assert answer["__typename"] == "WebhooksRedelivered" and answer["count"] == 4 and answer["complete"]
    wait_for(lambda: len(receiver.events_of(second)) == 4)
    wait_for(all_delivered(endpoint_id, 8))
    replayed = receiver.ids()[len(kept) :]
    assert set(replayed) == lost  # the same webhook-ids as before, so the receiver can dedupe
    assert receiver.events_of(second) == event_kinds(second)
    assert receiver.events_of(first) == event_kinds(first)  # nothing before the cursor came again

    refused = await gql(client, REDELIVER, {"e": endpoint_id, "s": "not-a-cursor"}, tenant.token)
    assert refused["data"]["redeliverWebhooks"]["code"] == "INVALID_CURSOR"


async def test_another_organizations_endpoint_never_receives_them(client, tenant, gmail, fanout, worker) -> None:
    from tests.webhooks.receiver import running_receiver

    other = make_connected_tenant(gmail)
    with running_receiver() as mine, running_receiver() as theirs:
        my_endpoint = await create_endpoint(client, tenant.token, mine)
        their_endpoint = await create_endpoint(client, other.token, theirs)
        email_id = await send_one(client, tenant)
        wait_for(all_delivered(my_endpoint, 4))
        wait_for(lambda: fanout_passed(email_id))
        assert theirs.seen == [] and deliveries(their_endpoint) == []
        assert len(mine.ids()) == 4

    listed = await gql(client, "{ webhookEndpoints { id } }", token=other.token)
    assert [e["id"] for e in listed["data"]["webhookEndpoints"]] == [their_endpoint]
    for query, variables in (
        ("mutation($e: ID!) { deleteWebhookEndpoint(id: $e) { __typename } }", {"e": my_endpoint}),
        (
            "mutation($e: ID!) { updateWebhookEndpoint(id: $e, input: {enabled: false}) { __typename } }",
            {"e": my_endpoint},
        ),
        (REDELIVER, {"e": my_endpoint, "s": None}),
        ("mutation($e: ID!) { rotateWebhookEndpointSecret(id: $e) { __typename } }", {"e": my_endpoint}),
    ):
        body = await gql(client, query, variables, other.token)
        assert next(iter(body["data"].values()))["__typename"] == "NotFoundError"


def fanout_passed(email_id: str) -> bool:
    """The fan-out's cursor holds every event of the email."""
    from domain.records import OutboundEmailEvent, WebhookFanout
    from domain.seqset import SeqSet

    with session_scope() as session:
        cursor = SeqSet.decode(session.get(WebhookFanout, 1).cursor)  # type: ignore[union-attr]
        seqs = session.exec(
            select(OutboundEmailEvent.seq).where(OutboundEmailEvent.email_id == uuid.UUID(email_id))
        ).all()
    return all(seq in cursor for seq in seqs)
