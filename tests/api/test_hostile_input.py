"""Hostile and odd input gets a typed error or a 4xx, never "Unexpected error." or a 500, and changes nothing.

Each case here was found by fuzzing or by hand against the landed API (issue 12); the boundary
(api/boundary.py) decides once what a body, a string and a datetime may be.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import psycopg
import pytest

from tests.factories import Tenant, gql, make_tenant

CREATE = """mutation($input: DraftInput!) { createDraft(input: $input) {
  __typename ... on MutationError { code message field } ... on DraftSaved { outboundEmail { id } } } }"""
SEND = """mutation($input: SendEmailInput!) { sendEmail(input: $input) {
  __typename ... on MutationError { code message field } } }"""
SUPPRESS = """mutation($e: String!, $r: String!) { suppressAddress(email: $e, reason: $r) {
  __typename ... on MutationError { code } } }"""
CONNECT = """mutation($r: String) { connectMailAccount(redirectAfter: $r) { __typename } }"""
LIST = """query($f: OutboundEmailFilter, $first: Int) { outboundEmails(filter: $f, first: $first) {
  totalCount edges { node { id } } pageInfo { hasNextPage } } }"""


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant("acme")


def stored_emails(db: str) -> int:
    with psycopg.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM outbound_email").fetchone()[0])  # type: ignore[index]


async def post_raw(client: httpx.AsyncClient, tenant: Tenant, body: bytes) -> httpx.Response:
    headers = {"Authorization": f"Bearer {tenant.token}", "Content-Type": "application/json"}
    return await client.post("/graphql", content=body, headers=headers)


def body_of(query: str, variables: dict[str, Any]) -> bytes:
    # surrogatepass: a lone surrogate must reach the server as JSON's \\ud800 escape, as a client would send it.
    return json.dumps({"query": query, "variables": variables}).encode("utf-8", "surrogatepass")


def draft(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    return {"accountId": str(tenant.account_id), "to": ["client@example.com"], **fields}


def attachment(name: str) -> dict[str, str]:
    return {"filename": name, "contentType": "text/plain", "dataBase64": base64.b64encode(b"hi").decode()}


BAD_TEXT = {"nul": "a\u0000b", "lone surrogate": "a\ud800b"}
FIELDS = {
    "subject": lambda t, v: (CREATE, {"input": draft(t, subject=v)}),
    "bodyText": lambda t, v: (CREATE, {"input": draft(t, bodyText=v)}),
    "bodyHtml": lambda t, v: (CREATE, {"input": draft(t, bodyHtml=v)}),
    "contextType": lambda t, v: (CREATE, {"input": draft(t, contextType=v)}),
    "attachment filename": lambda t, v: (CREATE, {"input": draft(t, attachments=[attachment(v)])}),
    "recipient": lambda t, v: (CREATE, {"input": draft(t, to=[f"x{v}@example.com"])}),
    "idempotencyKey": lambda t, v: (SEND, {"input": {**draft(t), "idempotencyKey": v}}),
    "suppress reason": lambda t, v: (SUPPRESS, {"e": "x@example.com", "r": v}),
    "redirectAfter": lambda t, v: (CONNECT, {"r": f"http://127.0.0.1/{v}"}),
    "filter": lambda t, v: (LIST, {"f": {"contextType": v}}),
}


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("kind", sorted(BAD_TEXT))
async def test_text_that_cannot_be_stored_is_refused_with_a_400_and_nothing_is_stored(
    client, tenant, db, field, kind
) -> None:  # type: ignore[no-untyped-def]
    query, variables = FIELDS[field](tenant, BAD_TEXT[kind])
    response = await post_raw(client, tenant, body_of(query, variables))
    assert response.status_code == 400, response.text
    assert ("NUL" in response.text) if kind == "nul" else ("surrogate" in response.text)
    assert stored_emails(db) == 0


async def test_a_nul_written_as_a_string_literal_in_the_document_is_a_typed_error(client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    literal = '{accountId: "ACCOUNT", to: ["a@example.com"], subject: "a\\u0000b"}'
    query = "mutation { createDraft(input: " + literal.replace("ACCOUNT", str(tenant.account_id)) + ") { __typename } }"
    body = await gql(client, query, token=tenant.token)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert "NUL" in body["errors"][0]["message"]
    assert stored_emails(db) == 0


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x1c", "\r", "\n"])
async def test_a_line_break_of_any_kind_in_a_header_field_is_header_injection(client, tenant, db, char) -> None:  # type: ignore[no-untyped-def]
    for fields in ({"subject": f"Invoice{char}Bcc: x@evil.test"}, {"attachments": [attachment(f"a{char}b.txt")]}):
        body = await gql(client, CREATE, {"input": draft(tenant, **fields)}, tenant.token)
        assert body["data"]["createDraft"]["code"] == "HEADER_INJECTION", (fields, body)
    assert stored_emails(db) == 0


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "yesterday", "2026-13-01"])
async def test_datetimes_that_cannot_be_a_utc_instant_are_bad_user_input(client, tenant, db, value) -> None:  # type: ignore[no-untyped-def]
    for query, variables in (
        (CREATE, {"input": draft(tenant, plannedSendAt=value)}),
        (LIST, {"f": {"createdAfter": value}}),
    ):
        body = await gql(client, query, variables, tenant.token)
        assert body["data"] is None, body
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert "DateTime" in body["errors"][0]["message"]
    assert stored_emails(db) == 0


async def test_a_naive_datetime_in_a_filter_is_a_typed_error(client, tenant) -> None:  # type: ignore[no-untyped-def]
    body = await gql(client, LIST, {"f": {"createdAfter": "2026-01-01T00:00:00"}}, tenant.token)
    assert body["errors"][0]["extensions"]["code"] == "NAIVE_DATETIME", body


async def test_a_far_future_datetime_that_fits_is_accepted_in_utc(client, tenant) -> None:  # type: ignore[no-untyped-def]
    body = await gql(client, CREATE, {"input": draft(tenant, plannedSendAt="9999-12-31T00:00:00+05:00")}, tenant.token)
    assert body["data"]["createDraft"]["__typename"] == "DraftSaved", body


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'"a string"', "JSON object"),
        (b"[1, 2]", "JSON object"),
        (b"null", "JSON object"),
        (b'{"query": "\xff\xfe"}', "UTF-8"),
        (b'{"query": ', "JSON"),
    ],
)
async def test_a_body_that_is_not_a_json_object_in_utf8_is_a_400(client, tenant, raw, expected) -> None:  # type: ignore[no-untyped-def]
    response = await post_raw(client, tenant, raw)
    assert response.status_code == 400, response.text
    assert expected in response.text


@pytest.mark.parametrize(("first", "edges"), [(0, 0), (1, 1), (100, 2)])
async def test_paging_accepts_zero_to_one_hundred(client, tenant, first, edges) -> None:  # type: ignore[no-untyped-def]
    for n in range(2):
        await gql(client, CREATE, {"input": draft(tenant, subject=f"#{n}")}, tenant.token)
    body = await gql(client, LIST, {"first": first}, tenant.token)
    page = body["data"]["outboundEmails"]
    assert len(page["edges"]) == edges
    assert page["totalCount"] == 2
    assert page["pageInfo"]["hasNextPage"] is (edges < 2)


@pytest.mark.parametrize("first", [-1, 101, 2**31 - 1])
async def test_paging_outside_zero_to_one_hundred_is_invalid_input(client, tenant, first) -> None:  # type: ignore[no-untyped-def]
    for query in (LIST, "query($first: Int) { bounces(first: $first) { id } }"):
        body = await gql(client, query, {"first": first}, tenant.token)
        assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT", body
        assert body["errors"][0]["extensions"]["field"] == "first"


async def test_a_request_body_over_the_cap_is_a_413_and_nothing_is_stored(settings, db) -> None:  # type: ignore[no-untyped-def]
    from api.app import create_app

    app = create_app(settings.model_copy(update={"max_request_bytes": 4096}))
    tenant = make_tenant("big")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        response = await post_raw(client, tenant, body_of(CREATE, {"input": draft(tenant, bodyText="x" * 5000)}))
        small = await post_raw(client, tenant, body_of(CREATE, {"input": draft(tenant, bodyText="x" * 100)}))
    await app.state.services.engine.dispose()
    assert response.status_code == 413, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert small.status_code == 200, small.text
    assert stored_emails(db) == 1


async def test_a_message_over_gmails_size_limit_is_refused_before_it_is_stored(settings, db) -> None:  # type: ignore[no-untyped-def]
    from api.app import create_app

    # 400 KB for the whole message: a 150 KB body fits once, not in both a text and an HTML part.
    app = create_app(settings.model_copy(update={"max_message_bytes": 400_000}))
    tenant = make_tenant("large")
    body = "x" * 150_000
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        fits = await gql(client, CREATE, {"input": draft(tenant, bodyText=body)}, tenant.token)
        too_big = await gql(client, CREATE, {"input": draft(tenant, bodyText=body, bodyHtml=body)}, tenant.token)
    await app.state.services.engine.dispose()
    assert fits["data"]["createDraft"]["__typename"] == "DraftSaved", fits
    assert too_big["data"]["createDraft"]["code"] == "MESSAGE_TOO_LARGE", too_big
    assert "Gmail accepts at most" in too_big["data"]["createDraft"]["message"]
    assert stored_emails(db) == 1


async def test_client_mistakes_carry_a_code_and_bugs_are_masked_with_one(client, tenant) -> None:  # type: ignore[no-untyped-def]
    syntax = await gql(client, "query { outboundEmails(", token=tenant.token)
    assert syntax["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED", syntax
    unknown = await gql(client, "query { noSuchField }", token=tenant.token)
    assert unknown["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", unknown
    wrong_type = await gql(client, LIST, {"first": "ten"}, tenant.token)
    assert wrong_type["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", wrong_type
