"""The fan-out: commits out of seq order, rolled-back seqs, and a payload shaped like GraphQL's answer."""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
from sqlmodel import select

from domain.records import OutboundEmailEvent, WebhookDelivery, WebhookFanout, WebhookMessage
from domain.seqset import SeqSet
from domain.webhooks.endpoints import EndpointFields, create_endpoint
from domain.webhooks.fanout import fan_out
from domain.webhooks.targets import TargetPolicy
from tests.factories import Tenant, gql, make_tenant
from workers.credentials import CredentialCipher
from workers.db import session_scope

DEV = TargetPolicy(require_https=False, allow_private=True)
CIPHER = CredentialCipher(["Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE="])


def tenant_with_endpoint() -> Tenant:
    tenant = make_tenant()
    with session_scope() as session:
        create_endpoint(
            session, tenant.organization_id, EndpointFields(url="http://127.0.0.1:9/x"), DEV, CIPHER.encrypt
        )
    return tenant


def insert_event(conn: psycopg.Connection, tenant: Tenant) -> int:
    row = conn.execute(
        "INSERT INTO outbound_email_event (organization_id, email_id, kind, at, data, actor)"
        " VALUES (%s, %s, 'created', now(), '{}', 'test') RETURNING seq",
        (tenant.organization_id, uuid.uuid4()),
    ).fetchone()
    assert row is not None
    return int(row[0])


def run_fanout() -> tuple[list[int], int]:
    with session_scope() as session:
        result = fan_out(session)
    return sorted(d.seq for d in result.deliveries), result.open_holes


def test_an_event_committed_after_a_later_one_is_fanned_out_and_a_rolled_back_seq_is_settled(db: str) -> None:
    tenant = tenant_with_endpoint()
    run_fanout()  # start from a clean position
    with psycopg.connect(db) as slow, psycopg.connect(db, autocommit=True) as fast:
        held = insert_event(slow, tenant)  # uncommitted: its seq is a hole for now
        later = insert_event(fast, tenant)
        assert later > held
        assert run_fanout() == ([later], 1)
        assert run_fanout() == ([], 1)  # the hole stays open while its transaction does
        slow.commit()
        assert run_fanout() == ([held], 0)  # committed late: fanned out, not skipped

    with psycopg.connect(db) as doomed, psycopg.connect(db, autocommit=True) as fast:
        lost = insert_event(doomed, tenant)
        doomed.rollback()
        after = insert_event(fast, tenant)
        assert run_fanout() == ([after], 0)  # no transaction could still commit it: settled at once
    with session_scope() as session:
        assert lost in SeqSet.decode(session.get(WebhookFanout, 1).cursor)  # type: ignore[union-attr]
        seqs = session.exec(select(WebhookDelivery.seq)).all()
        assert lost not in seqs and sorted(seqs) == sorted([held, later, after])


FIELDS = """id status fromEmail to cc bcc subject contextType contextId plannedSendAt providerMessageId
providerThreadId messageIdHeader errorMessage deliveryStatus idempotencyKey attemptCount nextAttemptAt
waitReason createdAt updatedAt sentAt account { id email displayName state }
bounceDetails { bouncedRecipients { email action statusCode diagnostic } detectedAt }"""


async def test_the_webhook_body_is_the_subscription_update_with_the_graphql_fields(db: str, client: Any) -> None:
    from api.schema import build_schema

    tenant = tenant_with_endpoint()
    run_fanout()
    draft = {
        "accountId": str(tenant.account_id),
        "to": ["a@example.com"],
        "cc": ["c@example.com"],
        "subject": "Ünïcode ✓",
        "contextType": "invoice",
        "contextId": str(uuid.uuid4()),
    }
    created = await gql(
        client,
        "mutation($i: DraftInput!) { createDraft(input: $i) { ... on DraftSaved { outboundEmail { id } } } }",
        {"i": draft},
        tenant.token,
    )
    email_id = created["data"]["createDraft"]["outboundEmail"]["id"]
    (seq,), _holes = run_fanout()
    with session_scope() as session:
        message = session.get(WebhookMessage, seq)
        assert message is not None
        event = session.exec(select(OutboundEmailEvent).where(OutboundEmailEvent.seq == seq)).one()
    body = json.loads(message.body)
    assert body["type"] == "outbound_email.created"
    data = body["data"]
    graphql = build_schema()._schema
    # Every field of the subscription's update but the entity's whole story (documented in payload.py).
    fields = set(graphql.get_type("OutboundEmailUpdate").fields)  # type: ignore[union-attr]
    assert set(data) == fields - {"emailContext"}
    assert (data["recipient"], data["mailAccount"]) == (None, None)  # a CREATED update has neither
    assert (data["kind"], data["event"], data["emailId"]) == ("CREATED", event.kind, email_id)
    answer = await gql(
        client, f"query($id: ID!) {{ outboundEmail(id: $id) {{ {FIELDS} }} }}", {"id": email_id}, tenant.token
    )
    assert data["outboundEmail"] == answer["data"]["outboundEmail"]
    assert set(data["outboundEmail"]) <= set(graphql.get_type("OutboundEmail").fields)  # type: ignore[union-attr]


def test_a_recipient_update_and_an_account_update_carry_what_the_subscription_would() -> None:
    from datetime import UTC, datetime

    from domain.records import AccountState, MailAccount
    from domain.updates import build_update
    from domain.webhooks.payload import render

    now = datetime.now(UTC)
    change = {"address": "x@nowhere.invalid", "role": "TO", "delivery_state": "BOUNCED", "status_code": "5.1.1"}
    change |= {"reason": "userunknown", "permanence": "hard", "scope": "address", "correlation": "IN_REPLY_TO"}
    body = json.loads(render(build_update("recipient_updated", uuid.uuid4(), now, "s1.1", None, None, change)))
    recipient = body["data"]["recipient"]
    assert body["type"] == "outbound_email.recipient_updated"
    assert (recipient["address"], recipient["deliveryState"], recipient["statusCode"]) == (
        "x@nowhere.invalid",
        "BOUNCED",
        "5.1.1",
    )
    assert (recipient["permanence"], recipient["scope"], recipient["reason"]) == ("HARD", "ADDRESS", "userunknown")
    account = MailAccount(
        organization_id=uuid.uuid4(), email="a@mailtrail.test", state=AccountState.NEEDS_REAUTH, display_name="A"
    )
    body = json.loads(render(build_update("account_needs_reauth", account.id, now, "s1.2", None, None, {}, account)))
    assert body["data"]["kind"] == "ACCOUNT_NEEDS_REAUTH" and body["data"]["outboundEmail"] is None
    assert body["data"]["mailAccount"] == {
        "id": str(account.id),
        "email": "a@mailtrail.test",
        "displayName": "A",
        "state": "NEEDS_REAUTH",
    }
