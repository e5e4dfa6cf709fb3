"""API tokens over GraphQL: listed without secrets, created with scopes and expiry, revoked per organization."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from domain.records import ApiToken
from tests.factories import Tenant, gql, make_tenant
from workers.db import session_scope

LIST = "{ apiTokens { id name hint scopes createdAt lastUsedAt expiresAt revokedAt } }"
CREATE = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { __typename
  ... on ApiTokenCreated { token apiToken { id name hint scopes expiresAt } } ... on MutationError { code message field } } }"""
REVOKE = """mutation($id: ID!) { revokeApiToken(id: $id) { __typename
  ... on ApiTokenRevoked { apiToken { id revokedAt } } ... on MutationError { code field } } }"""


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant()


async def test_a_token_is_created_with_scopes_and_expiry_and_works_within_them(client, tenant, db) -> None:
    expires = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    body = await gql(
        client,
        CREATE,
        {"input": {"name": "billing", "scopes": ["EMAILS_READ"], "expiresAt": expires.isoformat()}},
        tenant.token,
    )
    created = body["data"]["createApiToken"]
    assert created["__typename"] == "ApiTokenCreated"
    token = created["token"]
    assert token.startswith("mt_") and created["apiToken"]["hint"] == token[-4:]
    assert created["apiToken"]["scopes"] == ["EMAILS_READ"]
    assert datetime.fromisoformat(created["apiToken"]["expiresAt"]) == expires
    assert "errors" not in await gql(client, "{ outboundEmails { totalCount } }", token=token)
    refused = await gql(client, "{ mailAccounts { id } }", token=token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    with psycopg.connect(db) as conn:  # stored hashed: the secret is nowhere in the table
        assert conn.execute("SELECT count(*) FROM api_token WHERE token_hash = %s", (token,)).fetchone() == (0,)

    listed = (await gql(client, LIST, token=tenant.token))["data"]["apiTokens"]
    assert [t["name"] for t in listed] == ["test", "billing"]
    billing = listed[1]
    assert billing["lastUsedAt"] is not None and billing["revokedAt"] is None
    assert token not in str(listed)


async def test_an_expired_api_token_is_refused_as_expired(client, tenant) -> None:
    body = await gql(client, CREATE, {"input": {"name": "short", "scopes": ["EMAILS_READ"]}}, tenant.token)
    token = body["data"]["createApiToken"]["token"]
    with session_scope() as session:
        row = session.get(ApiToken, uuid.UUID(body["data"]["createApiToken"]["apiToken"]["id"]))
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(row)
    response = await client.post("/graphql", json={"query": LIST}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "TOKEN_EXPIRED"


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"scopes": []}, "INVALID_INPUT", "scopes"),
        ({"expiresAt": "2001-01-01T00:00:00Z"}, "INVALID_INPUT", "expiresAt"),
        ({"expiresAt": "2999-01-01T00:00:00"}, "NAIVE_DATETIME", "expiresAt"),
        ({"name": "x" * 201}, "INVALID_INPUT", "name"),
    ],
)
async def test_bad_token_requests_get_typed_errors_and_store_nothing(client, tenant, db, fields, code, field) -> None:
    body = await gql(client, CREATE, {"input": {"name": "n", "scopes": ["EMAILS_READ"], **fields}}, tenant.token)
    result = body["data"]["createApiToken"]
    assert (result["code"], result["field"]) == (code, field)
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM api_token").fetchone() == (1,)


async def test_a_narrow_token_cannot_create_a_wider_one(client, tenant) -> None:
    body = await gql(client, CREATE, {"input": {"name": "admin", "scopes": ["TOKENS_MANAGE"]}}, tenant.token)
    narrow = body["data"]["createApiToken"]["token"]
    wider = await gql(client, CREATE, {"input": {"name": "w", "scopes": ["EMAILS_SEND"]}}, narrow)
    assert (wider["data"]["createApiToken"]["code"], wider["data"]["createApiToken"]["field"]) == (
        "SCOPE_NOT_HELD",
        "scopes",
    )


async def test_revoking_is_per_organization_and_idempotent(client, tenant) -> None:
    other = make_tenant()
    theirs = (await gql(client, LIST, token=other.token))["data"]["apiTokens"][0]["id"]
    refused = (await gql(client, REVOKE, {"id": theirs}, tenant.token))["data"]["revokeApiToken"]
    assert (refused["code"], refused["field"]) == ("NOT_FOUND", "id")
    assert "errors" not in await gql(client, LIST, token=other.token)  # still works
    created = await gql(client, CREATE, {"input": {"name": "spare", "scopes": ["EMAILS_READ"]}}, tenant.token)
    spare = created["data"]["createApiToken"]
    for _ in range(2):
        revoked = (await gql(client, REVOKE, {"id": spare["apiToken"]["id"]}, tenant.token))["data"]["revokeApiToken"]
        assert revoked["__typename"] == "ApiTokenRevoked" and revoked["apiToken"]["revokedAt"]
    response = await client.post(
        "/graphql", json={"query": LIST}, headers={"Authorization": f"Bearer {spare['token']}"}
    )
    assert response.status_code == 401
    assert [t["name"] for t in (await gql(client, LIST, token=tenant.token))["data"]["apiTokens"]] == ["test"]
