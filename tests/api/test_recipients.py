"""A draft's recipient rows follow its To/Cc/Bcc through edits; deleting the draft removes them."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from domain.records import OutboundRecipient
from tests.factories import Tenant, gql, make_tenant
from workers.db import session_scope

RESULT = """... on DraftSaved { outboundEmail { id accountId sendBefore
  recipients { address role deliveryState statusCode reason detectedAt correlation bounceMessage { id } emailId } } }
  ... on MutationError { code field }"""
CREATE = f"mutation($i: DraftInput!) {{ createDraft(input: $i) {{ {RESULT} }} }}"
UPDATE = f"mutation($id: ID!, $p: DraftPatch!) {{ updateDraft(id: $id, input: $p) {{ {RESULT} }} }}"


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant("acme")


def rows(email_id: str) -> list[tuple[str, str, int]]:
    with session_scope() as session:
        found = session.exec(select(OutboundRecipient).where(OutboundRecipient.email_id == uuid.UUID(email_id)))
        return sorted((r.role.value, r.address, r.position) for r in found)


async def test_recipients_are_written_with_the_draft_and_kept_in_step_with_edits(client, tenant) -> None:
    body = await gql(
        client,
        CREATE,
        {
            "i": {
                "accountId": str(tenant.account_id),
                "to": ["A@Example.com", "b@example.com"],
                "cc": ["c@example.com"],
                "bcc": ["a@example.com"],
            }
        },
        tenant.token,
    )
    email = body["data"]["createDraft"]["outboundEmail"]
    assert email["accountId"] == str(tenant.account_id) and email["sendBefore"] is None
    assert [(r["address"], r["role"], r["deliveryState"]) for r in email["recipients"]] == [
        ("a@example.com", "TO", None),  # one row per address *and* role, nothing known before sending
        ("b@example.com", "TO", None),
        ("c@example.com", "CC", None),
        ("a@example.com", "BCC", None),
    ]
    assert all(r["emailId"] == email["id"] and r["bounceMessage"] is None for r in email["recipients"])
    patched = await gql(client, UPDATE, {"id": email["id"], "p": {"cc": [], "to": ["d@example.com"]}}, tenant.token)
    assert [(r["address"], r["role"]) for r in patched["data"]["updateDraft"]["outboundEmail"]["recipients"]] == [
        ("d@example.com", "TO"),
        ("a@example.com", "BCC"),
    ]
    untouched = await gql(client, UPDATE, {"id": email["id"], "p": {"subject": "Only the subject"}}, tenant.token)
    assert len(untouched["data"]["updateDraft"]["outboundEmail"]["recipients"]) == 2
    assert rows(email["id"]) == [("BCC", "a@example.com", 1), ("TO", "d@example.com", 0)]
    refused = await gql(client, UPDATE, {"id": email["id"], "p": {"to": ["not an address"]}}, tenant.token)
    assert refused["data"]["updateDraft"]["code"] == "INVALID_EMAIL"
    assert rows(email["id"]) == [("BCC", "a@example.com", 1), ("TO", "d@example.com", 0)]  # nothing changed
    await gql(client, "mutation($id: ID!) { deleteDraft(id: $id) { __typename } }", {"id": email["id"]}, tenant.token)
    assert rows(email["id"]) == []


async def test_another_organizations_recipients_are_never_shown(client, tenant) -> None:
    body = await gql(
        client, CREATE, {"i": {"accountId": str(tenant.account_id), "to": ["x@example.com"]}}, tenant.token
    )
    email_id = body["data"]["createDraft"]["outboundEmail"]["id"]
    stranger = make_tenant("globex")
    seen = await gql(client, "query($id: ID!) { outboundEmail(id: $id) { id } }", {"id": email_id}, stranger.token)
    assert seen["data"]["outboundEmail"] is None
