"""A client token restricted to one invoice sees and touches that invoice's emails and nothing else:
as thorough as tenant isolation (tests/api/test_drafts.py), one level down."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from domain.records import EmailMessage, Relation
from tests.factories import Tenant, gql, make_tenant
from workers.db import session_scope

MINT = """mutation($input: CreateClientTokenInput!) { createClientToken(input: $input) {
  __typename ... on ClientTokenCreated { token } ... on MutationError { code message field } } }"""
RESULT = "__typename ... on DraftSaved { outboundEmail { id contextId } } ... on MutationError { code field }"
CREATE = f"mutation($i: DraftInput!) {{ createDraft(input: $i) {{ {RESULT} }} }}"
UPDATE = f"mutation($id: ID!, $p: DraftPatch!) {{ updateDraft(id: $id, input: $p) {{ {RESULT} }} }}"
SCHEDULE = f"mutation($id: ID!, $at: DateTime!) {{ scheduleDraft(id: $id, plannedSendAt: $at) {{ {RESULT} }} }}"
UNSCHEDULE = f"mutation($id: ID!) {{ unscheduleDraft(id: $id) {{ {RESULT} }} }}"
DELETE = "mutation($id: ID!) { deleteDraft(id: $id) { __typename ... on MutationError { code field } } }"
SEND = """mutation($i: SendEmailInput!) { sendEmail(input: $i) { __typename
  ... on EmailQueued { outboundEmail { id contextId } } ... on MutationError { code field } } }"""
RETRY = "mutation($id: ID!) { retryEmail(id: $id) { __typename ... on MutationError { code field } } }"
GET = "query($id: ID!) { outboundEmail(id: $id) { id contextId bounces { id } } }"
LIST = "query($f: OutboundEmailFilter) { outboundEmails(filter: $f) { totalCount edges { node { id } } } }"
MESSAGES = "{ emailMessages { id } bounces { id } }"
MESSAGE = "query($id: ID!) { emailMessage(id: $id) { id } }"
LATER = (datetime.now(UTC) + timedelta(days=1)).isoformat()


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant()


def invoice(ident: uuid.UUID) -> dict[str, str]:
    return {"contextType": "invoice", "contextId": str(ident)}


async def client_token(client: Any, tenant: Tenant, *contexts: uuid.UUID, scopes: list[str] | None = None) -> str:
    scopes = scopes or ["EMAILS_READ", "DRAFTS_WRITE", "EMAILS_SEND", "ACCOUNTS_READ"]
    body = await gql(
        client, MINT, {"input": {"scopes": scopes, "contexts": [invoice(c) for c in contexts]}}, tenant.token
    )
    minted = body["data"]["createClientToken"]
    assert minted["__typename"] == "ClientTokenCreated", minted
    return str(minted["token"])


async def draft(client: Any, tenant: Tenant, token: str, **fields: Any) -> dict[str, Any]:
    body = await gql(
        client, CREATE, {"i": {"accountId": str(tenant.account_id), "to": ["a@example.com"], **fields}}, token
    )
    assert "errors" not in body, body
    return dict(body["data"]["createDraft"])


def add_message(tenant: Tenant, email_id: str | None, bounce: bool) -> str:
    with session_scope() as session:
        row = EmailMessage(
            organization_id=tenant.organization_id,
            account_id=tenant.account_id,
            gmail_id=uuid.uuid4().hex[:16],
            thread_id="t",
            is_bounce=bounce,
            outbound_email_id=uuid.UUID(email_id) if email_id else None,
            relation=Relation.BOUNCE if bounce else Relation.REPLY,
        )
        session.add(row)
        session.flush()
        return str(row.id)


@pytest.fixture
async def world(client, tenant) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Invoice A and invoice B of one organization, each with a draft, a reply and a bounce."""
    a, b = uuid.uuid4(), uuid.uuid4()
    mine = (await draft(client, tenant, tenant.token, subject="A", **invoice(a)))["outboundEmail"]["id"]
    theirs = (await draft(client, tenant, tenant.token, subject="B", **invoice(b)))["outboundEmail"]["id"]
    unlinked = (await draft(client, tenant, tenant.token, subject="none"))["outboundEmail"]["id"]
    return {
        "a": a,
        "b": b,
        "mine": mine,
        "theirs": theirs,
        "unlinked": unlinked,
        "my_messages": {add_message(tenant, mine, False), add_message(tenant, mine, True)},
        "their_messages": {add_message(tenant, theirs, False), add_message(tenant, theirs, True)},
        "stray_bounce": add_message(tenant, None, True),
        "token": await client_token(client, tenant, a),
    }


async def test_a_restricted_token_reads_only_its_contexts_emails(client, tenant, world) -> None:
    token = world["token"]
    got = (await gql(client, GET, {"id": world["mine"]}, token))["data"]["outboundEmail"]
    assert got["contextId"] == str(world["a"]) and len(got["bounces"]) == 1
    for other in (world["theirs"], world["unlinked"]):
        assert (await gql(client, GET, {"id": other}, token))["data"]["outboundEmail"] is None
    listed = (await gql(client, LIST, {}, token))["data"]["outboundEmails"]
    assert (listed["totalCount"], [e["node"]["id"] for e in listed["edges"]]) == (1, [world["mine"]])
    for where in ({"contextId": str(world["b"])}, {"contextType": "invoice", "contextId": str(world["b"])}):
        assert (await gql(client, LIST, {"f": where}, token))["data"]["outboundEmails"]["totalCount"] == 0
    # The API token still sees everything.
    assert (await gql(client, LIST, {}, tenant.token))["data"]["outboundEmails"]["totalCount"] == 3


async def test_a_restricted_token_sees_only_messages_and_bounces_linked_to_its_contexts(client, world) -> None:
    token = world["token"]
    data = (await gql(client, MESSAGES, {}, token))["data"]
    assert {m["id"] for m in data["emailMessages"]} == world["my_messages"]
    assert len(data["bounces"]) == 1 and data["bounces"][0]["id"] in world["my_messages"]
    for other in (*world["their_messages"], world["stray_bounce"]):
        assert (await gql(client, MESSAGE, {"id": other}, token))["data"]["emailMessage"] is None
    uncorrelated = await gql(client, "{ bounces(uncorrelated: true) { id } }", {}, token)
    assert uncorrelated["data"]["bounces"] == []


async def test_a_restricted_token_creates_only_within_its_contexts(client, tenant, world, db) -> None:
    token = world["token"]
    ok = await draft(client, tenant, token, **invoice(world["a"]))
    assert ok["outboundEmail"]["contextId"] == str(world["a"])
    for fields in (invoice(world["b"]), {}, {"contextType": "order", "contextId": str(world["a"])}):
        refused = await draft(client, tenant, token, **fields)
        assert (refused["code"], refused["field"]) == ("CONTEXT_FORBIDDEN", "contextId"), fields
    base = {"accountId": str(tenant.account_id), "to": ["a@example.com"], "subject": "s"}
    for fields in (invoice(world["b"]), {}):
        sent = (await gql(client, SEND, {"i": {**base, **fields}}, token))["data"]["sendEmail"]
        assert sent["code"] == "CONTEXT_FORBIDDEN", fields
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM outbound_email").fetchone() == (4,)  # 3 + the one allowed


async def test_another_contexts_email_is_not_found_for_every_mutation(client, tenant, world, db) -> None:
    token = world["token"]
    theirs = world["theirs"]
    for query, variables, name in [
        (UPDATE, {"id": theirs, "p": {"subject": "pwned"}}, "updateDraft"),
        (SCHEDULE, {"id": theirs, "at": LATER}, "scheduleDraft"),
        (UNSCHEDULE, {"id": theirs}, "unscheduleDraft"),
        (DELETE, {"id": theirs}, "deleteDraft"),
        (RETRY, {"id": theirs}, "retryEmail"),
        (SEND, {"i": {"draftId": theirs}}, "sendEmail"),
    ]:
        result = (await gql(client, query, variables, token))["data"][name]
        assert result["code"] == "NOT_FOUND", (name, result)
    their_message = next(iter(world["their_messages"]))
    reply = await gql(client, SEND, {"i": {"replyToMessageId": their_message, **invoice(world["a"])}}, token)
    assert (reply["data"]["sendEmail"]["code"], reply["data"]["sendEmail"]["field"]) == (
        "NOT_FOUND",
        "replyToMessageId",
    )
    # Moving my own draft to another context is refused too.
    moved = (await gql(client, UPDATE, {"id": world["mine"], "p": invoice(world["b"])}, token))["data"]["updateDraft"]
    assert moved["code"] == "CONTEXT_FORBIDDEN"
    half = (await gql(client, UPDATE, {"id": world["mine"], "p": {"contextType": "order"}}, token))["data"][
        "updateDraft"
    ]
    assert half["code"] == "CONTEXT_FORBIDDEN"
    with psycopg.connect(db) as conn:
        rows = conn.execute(
            "SELECT subject, status, context_id FROM outbound_email WHERE id = %s", (theirs,)
        ).fetchone()
        assert rows == ("B", "DRAFT", world["b"])
        kinds = conn.execute("SELECT kind FROM outbound_email_event WHERE email_id = %s", (theirs,)).fetchall()
        assert kinds == [("created",)]
        assert conn.execute("SELECT context_id FROM outbound_email WHERE id = %s", (world["mine"],)).fetchone() == (
            world["a"],
        )


async def test_a_restricted_token_edits_schedules_and_deletes_its_own(client, tenant, world) -> None:
    token, mine = world["token"], world["mine"]
    updated = (await gql(client, UPDATE, {"id": mine, "p": {"subject": "ok"}}, token))["data"]["updateDraft"]
    assert updated["__typename"] == "DraftSaved"
    assert (await gql(client, SCHEDULE, {"id": mine, "at": LATER}, token))["data"]["scheduleDraft"][
        "__typename"
    ] == "DraftSaved"
    assert (await gql(client, UNSCHEDULE, {"id": mine}, token))["data"]["unscheduleDraft"]["__typename"] == "DraftSaved"
    assert (await gql(client, DELETE, {"id": mine}, token))["data"]["deleteDraft"]["__typename"] == "DraftDeleted"


async def test_several_contexts_and_another_organization(client, tenant, world) -> None:
    both = await client_token(client, tenant, world["a"], world["b"])
    assert (await gql(client, LIST, {}, both))["data"]["outboundEmails"]["totalCount"] == 2
    other = make_tenant()
    same_invoice_elsewhere = await client_token(client, other, world["a"])
    assert (await gql(client, LIST, {}, same_invoice_elsewhere))["data"]["outboundEmails"]["totalCount"] == 0
    assert (await gql(client, GET, {"id": world["mine"]}, same_invoice_elsewhere))["data"]["outboundEmail"] is None
