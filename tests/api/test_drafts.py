"""The drafts API on real PostgreSQL: every mutation, its validation errors, and tenant isolation."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.factories import Tenant, gql, make_tenant

EMAIL_FIELDS = """
  id status fromEmail to cc bcc subject bodyText bodyHtml contextType contextId plannedSendAt
  account { id email } attachments { filename contentType size } events { kind at data }
  deliveryStatus bounceDetails { bouncedRecipients { email } detectedAt } emailMessage { id }
  providerMessageId providerThreadId messageIdHeader errorMessage createdAt updatedAt sentAt
"""
RESULT = f"""
  __typename
  ... on DraftSaved {{ outboundEmail {{ {EMAIL_FIELDS} }} }}
  ... on MutationError {{ code message field }}
"""
CREATE = f"mutation($input: DraftInput!) {{ createDraft(input: $input) {{ {RESULT} }} }}"
UPDATE = f"mutation($id: ID!, $input: DraftPatch!) {{ updateDraft(id: $id, input: $input) {{ {RESULT} }} }}"
SCHEDULE = f"mutation($id: ID!, $at: DateTime!) {{ scheduleDraft(id: $id, plannedSendAt: $at) {{ {RESULT} }} }}"
UNSCHEDULE = f"mutation($id: ID!) {{ unscheduleDraft(id: $id) {{ {RESULT} }} }}"
DELETE = """mutation($id: ID!) { deleteDraft(id: $id) { __typename
  ... on DraftDeleted { id } ... on MutationError { code message field } } }"""
GET = f"query($id: ID!) {{ outboundEmail(id: $id) {{ {EMAIL_FIELDS} }} }}"


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant("acme")


def draft_input(tenant: Tenant, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "accountId": str(tenant.account_id),
        "to": ["Client@Example.org"],
        "subject": "Invoice INV-1",
        "bodyText": "Please find the invoice attached.",
        "contextType": "invoice",
        "contextId": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


async def create(client, tenant: Tenant, **overrides: object) -> dict:  # type: ignore[no-untyped-def]
    body = await gql(client, CREATE, {"input": draft_input(tenant, **overrides)}, tenant.token)
    assert "errors" not in body, body
    return body["data"]["createDraft"]


def future(minutes: int = 60) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


async def test_creating_a_draft_stores_it_normalized_with_an_audit_event(client, tenant) -> None:
    attachment = {
        "filename": "inv.pdf",
        "contentType": "application/pdf",
        "dataBase64": base64.b64encode(b"%PDF").decode(),
    }
    result = await create(client, tenant, attachments=[attachment], cc=["a@example.com", "A@example.com"])
    assert result["__typename"] == "DraftSaved"
    email = result["outboundEmail"]
    assert email["status"] == "DRAFT"
    assert email["to"] == ["client@example.org"]
    assert email["cc"] == ["a@example.com"]
    assert email["fromEmail"] == tenant.account_email
    assert email["account"] == {"id": str(tenant.account_id), "email": tenant.account_email}
    assert email["attachments"] == [{"filename": "inv.pdf", "contentType": "application/pdf", "size": 4}]
    assert [e["kind"] for e in email["events"]] == ["created"]
    assert email["deliveryStatus"] is None and email["bounceDetails"] is None and email["emailMessage"] is None

    fetched = (await gql(client, GET, {"id": email["id"]}, tenant.token))["data"]["outboundEmail"]
    assert fetched["subject"] == "Invoice INV-1" and fetched["contextType"] == "invoice"


async def test_updating_a_draft_changes_only_the_given_fields(client, tenant) -> None:
    email = (await create(client, tenant))["outboundEmail"]
    body = await gql(
        client,
        UPDATE,
        {"id": email["id"], "input": {"subject": "New subject", "bcc": ["x@example.net"]}},
        tenant.token,
    )
    updated = body["data"]["updateDraft"]["outboundEmail"]
    assert updated["subject"] == "New subject"
    assert updated["bcc"] == ["x@example.net"]
    assert updated["to"] == email["to"] and updated["bodyText"] == email["bodyText"]
    assert [e["kind"] for e in updated["events"]] == ["created", "updated"]
    assert updated["events"][1]["data"] == {"fields": ["bcc", "subject"]}


async def test_an_explicit_null_clears_a_field_and_attachments_are_replaced_whole(client, tenant) -> None:
    one = {"filename": "a.txt", "contentType": "text/plain", "dataBase64": base64.b64encode(b"a").decode()}
    email = (await create(client, tenant, attachments=[one]))["outboundEmail"]
    body = await gql(client, UPDATE, {"id": email["id"], "input": {"bodyText": None, "attachments": []}}, tenant.token)
    updated = body["data"]["updateDraft"]["outboundEmail"]
    assert updated["bodyText"] is None
    assert updated["attachments"] == []


async def test_scheduling_and_unscheduling_a_draft(client, tenant) -> None:
    email = (await create(client, tenant))["outboundEmail"]
    at = future()
    scheduled = (await gql(client, SCHEDULE, {"id": email["id"], "at": at}, tenant.token))["data"]["scheduleDraft"]
    assert datetime.fromisoformat(scheduled["outboundEmail"]["plannedSendAt"]) == datetime.fromisoformat(at)
    unscheduled = (await gql(client, UNSCHEDULE, {"id": email["id"]}, tenant.token))["data"]["unscheduleDraft"]
    assert unscheduled["outboundEmail"]["plannedSendAt"] is None
    assert [e["kind"] for e in unscheduled["outboundEmail"]["events"]] == [
        "created",
        "scheduled",
        "unscheduled",
    ]


async def test_deleting_a_draft_removes_it_but_keeps_its_audit_trail(client, tenant, db) -> None:
    email = (await create(client, tenant))["outboundEmail"]
    body = await gql(client, DELETE, {"id": email["id"]}, tenant.token)
    assert body["data"]["deleteDraft"] == {"__typename": "DraftDeleted", "id": email["id"]}
    assert (await gql(client, GET, {"id": email["id"]}, tenant.token))["data"]["outboundEmail"] is None
    with psycopg.connect(db) as conn:
        kinds = [
            r[0]
            for r in conn.execute(
                "SELECT kind FROM outbound_email_event WHERE email_id = %s ORDER BY seq", (email["id"],)
            )
        ]
    assert kinds == ["created", "deleted"]


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"to": ["not-an-address"]}, "INVALID_EMAIL", "to"),
        ({"cc": ["a@b"]}, "INVALID_EMAIL", "cc"),
        ({"to": [f"r{i}@example.com" for i in range(101)]}, "TOO_MANY_RECIPIENTS", "to"),
        (
            {"to": [f"r{i}@example.com" for i in range(60)], "bcc": [f"b{i}@example.com" for i in range(41)]},
            "TOO_MANY_RECIPIENTS",
            "to",
        ),
        ({"subject": "Hello\r\nBcc: victim@example.com"}, "HEADER_INJECTION", "subject"),
        ({"to": ["a@example.com\nBcc: v@example.com"]}, "HEADER_INJECTION", "to"),
        (
            {"attachments": [{"filename": "x\r\n.txt", "contentType": "text/plain", "dataBase64": ""}]},
            "HEADER_INJECTION",
            "attachments.filename",
        ),
        (
            {"attachments": [{"filename": "x.txt", "contentType": "text/plain", "dataBase64": "!!notbase64"}]},
            "INVALID_ATTACHMENT",
            "attachments",
        ),
        (
            {"attachments": [{"filename": "x.txt", "contentType": "nonsense", "dataBase64": ""}]},
            "INVALID_ATTACHMENT",
            "attachments",
        ),
        ({"plannedSendAt": "2020-01-01T00:00:00+00:00"}, "PLANNED_IN_PAST", "plannedSendAt"),
        ({"plannedSendAt": "2999-01-01T00:00:00"}, "NAIVE_DATETIME", "plannedSendAt"),
        ({"accountId": str(uuid.uuid4())}, "ACCOUNT_NOT_FOUND", "accountId"),
        ({"accountId": "not-a-uuid"}, "INVALID_INPUT", "accountId"),
    ],
)
async def test_bad_input_gets_a_typed_error_and_stores_nothing(client, tenant, db, overrides, code, field) -> None:
    body = await gql(client, CREATE, {"input": draft_input(tenant, **overrides)}, tenant.token)
    result = body["data"]["createDraft"]
    assert result["__typename"] in {"ValidationError", "NotFoundError"}
    assert (result["code"], result["field"]) == (code, field)
    assert result["message"]
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM outbound_email").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM outbound_email_event").fetchone() == (0,)


async def test_attachments_over_25_mb_in_total_are_refused(client, tenant, db) -> None:
    chunk = base64.b64encode(b"\0" * (13 * 1024 * 1024)).decode()
    files = [{"filename": f"{i}.bin", "contentType": "application/octet-stream", "dataBase64": chunk} for i in range(2)]
    body = await gql(client, CREATE, {"input": draft_input(tenant, attachments=files)}, tenant.token)
    assert body["data"]["createDraft"]["code"] == "ATTACHMENTS_TOO_LARGE"


async def test_a_failed_edit_changes_nothing(client, tenant) -> None:
    email = (await create(client, tenant))["outboundEmail"]
    body = await gql(client, UPDATE, {"id": email["id"], "input": {"subject": "ok", "to": ["bad"]}}, tenant.token)
    assert body["data"]["updateDraft"]["code"] == "INVALID_EMAIL"
    fetched = (await gql(client, GET, {"id": email["id"]}, tenant.token))["data"]["outboundEmail"]
    assert fetched["subject"] == email["subject"]
    assert [e["kind"] for e in fetched["events"]] == ["created"]


async def test_only_a_draft_can_be_edited_scheduled_or_deleted(client, tenant, db) -> None:
    email = (await create(client, tenant))["outboundEmail"]
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE outbound_email SET status = 'SENT' WHERE id = %s", (email["id"],))
    for query, variables, name in [
        (UPDATE, {"id": email["id"], "input": {"subject": "x"}}, "updateDraft"),
        (SCHEDULE, {"id": email["id"], "at": future()}, "scheduleDraft"),
        (UNSCHEDULE, {"id": email["id"]}, "unscheduleDraft"),
        (DELETE, {"id": email["id"]}, "deleteDraft"),
    ]:
        result = (await gql(client, query, variables, tenant.token))["data"][name]
        assert result["__typename"] == "InvalidStateError", name
        assert result["code"] == "ILLEGAL_TRANSITION"


async def test_scheduling_needs_a_future_time_and_a_recipient(client, tenant) -> None:
    email = (await create(client, tenant, to=[]))["outboundEmail"]
    past = await gql(client, SCHEDULE, {"id": email["id"], "at": "2001-01-01T00:00:00Z"}, tenant.token)
    assert past["data"]["scheduleDraft"]["code"] == "PLANNED_IN_PAST"
    nobody = await gql(client, SCHEDULE, {"id": email["id"], "at": future()}, tenant.token)
    assert nobody["data"]["scheduleDraft"]["code"] == "RECIPIENT_REQUIRED"


async def test_another_organizations_email_is_not_found_everywhere(client, tenant, db) -> None:
    other = make_tenant("globex")
    theirs = (await create(client, other))["outboundEmail"]
    assert (await gql(client, GET, {"id": theirs["id"]}, tenant.token))["data"]["outboundEmail"] is None
    for query, variables, name in [
        (UPDATE, {"id": theirs["id"], "input": {"subject": "pwned"}}, "updateDraft"),
        (SCHEDULE, {"id": theirs["id"], "at": future()}, "scheduleDraft"),
        (UNSCHEDULE, {"id": theirs["id"]}, "unscheduleDraft"),
        (DELETE, {"id": theirs["id"]}, "deleteDraft"),
    ]:
        result = (await gql(client, query, variables, tenant.token))["data"][name]
        assert (result["__typename"], result["code"]) == ("NotFoundError", "NOT_FOUND"), name
    listed = await gql(client, "{ outboundEmails { totalCount edges { node { id } } } }", token=tenant.token)
    assert listed["data"]["outboundEmails"]["totalCount"] == 0
    accounts = await gql(client, "{ mailAccounts { id email } }", token=tenant.token)
    assert accounts["data"]["mailAccounts"] == [{"id": str(tenant.account_id), "email": tenant.account_email}]
    # Using another organization's account to compose is refused as not found.
    body = await gql(client, CREATE, {"input": draft_input(tenant, accountId=str(other.account_id))}, tenant.token)
    assert body["data"]["createDraft"]["code"] == "ACCOUNT_NOT_FOUND"
    filtered = await gql(
        client,
        "query($a: ID!) { outboundEmails(filter: {accountId: $a}) { totalCount } }",
        {"a": str(other.account_id)},
        tenant.token,
    )
    assert filtered["data"]["outboundEmails"]["totalCount"] == 0
    fetched = (await gql(client, GET, {"id": theirs["id"]}, other.token))["data"]["outboundEmail"]
    assert fetched["subject"] == "Invoice INV-1"


async def test_requests_without_a_valid_token_are_refused(client, tenant) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {tenant.token}"}):
        response = await client.post("/graphql", json={"query": "{ mailAccounts { id } }"}, headers=headers)
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_graphiql_page_is_served_without_a_token(client, db) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
