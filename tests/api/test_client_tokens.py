"""Client tokens: minted only by API tokens, signed, short-lived, rotatable, checked without a query."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Any

import jwt
import pytest
from sqlalchemy import event

from api.app import create_app
from api.token_keys import ClientTokenKeys
from domain.grants import ClientGrant, Scope
from domain.settings import Settings
from tests.factories import Tenant, gql, make_tenant

MINT = """mutation($input: CreateClientTokenInput!) { createClientToken(input: $input) {
  __typename ... on ClientTokenCreated { token expiresAt scopes } ... on MutationError { code message field } } }"""
ACCOUNTS = "{ mailAccounts { id email } }"


@pytest.fixture
def tenant(db: str) -> Tenant:
    return make_tenant()


async def mint(client: Any, token: str, **fields: Any) -> dict[str, Any]:
    body = await gql(client, MINT, {"input": {"scopes": ["ACCOUNTS_READ", "EMAILS_READ"], **fields}}, token)
    assert "errors" not in body, body
    return dict(body["data"]["createClientToken"])


async def test_an_api_token_mints_a_client_token_that_reads_within_its_scopes(client, tenant) -> None:
    minted = await mint(client, tenant.token)
    assert minted["__typename"] == "ClientTokenCreated"
    assert minted["scopes"] == ["ACCOUNTS_READ", "EMAILS_READ"]
    ttl = datetime.fromisoformat(minted["expiresAt"]).timestamp() - time.time()
    assert 890 <= ttl <= 900  # the default: 15 minutes
    body = await gql(client, ACCOUNTS, token=minted["token"])
    assert body["data"]["mailAccounts"] == [{"id": str(tenant.account_id), "email": tenant.account_email}]
    refused = await gql(client, "{ suppressedAddresses { email } }", token=minted["token"])
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_client_token_cannot_mint_or_manage_tokens(client, tenant) -> None:
    minted = await mint(client, tenant.token)
    for document in (MINT, "{ apiTokens { id } }"):
        body = await gql(
            client, document, {"input": {"scopes": ["EMAILS_READ"]}} if document == MINT else {}, minted["token"]
        )
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    asked = await mint(client, tenant.token, scopes=["EMAILS_READ", "CLIENT_TOKENS_CREATE"])
    assert (asked["code"], asked["field"]) == ("INVALID_INPUT", "scopes")


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"ttlSeconds": 86_401}, "INVALID_INPUT", "ttlSeconds"),
        ({"ttlSeconds": 0}, "INVALID_INPUT", "ttlSeconds"),
        ({"scopes": []}, "INVALID_INPUT", "scopes"),
        ({"scopes": ["TOKENS_MANAGE"]}, "INVALID_INPUT", "scopes"),
        (
            {
                "scopes": ["SUPPRESSIONS_MANAGE"],
                "contexts": [{"contextType": "invoice", "contextId": str(uuid.uuid4())}],
            },
            "INVALID_INPUT",
            "scopes",
        ),
        ({"contexts": []}, "INVALID_INPUT", "contexts"),
        ({"contexts": [{"contextType": "", "contextId": str(uuid.uuid4())}]}, "INVALID_INPUT", "contexts"),
    ],
)
async def test_bad_requests_for_a_client_token_get_typed_errors(client, tenant, fields, code, field) -> None:
    refused = await mint(client, tenant.token, **fields)
    assert (refused["__typename"], refused["code"], refused["field"]) == ("ValidationError", code, field)


async def test_a_token_cannot_hand_on_a_scope_it_does_not_hold(client, tenant) -> None:
    from domain.tokens import issue_token
    from workers.db import session_scope

    with session_scope() as session:
        narrow = issue_token(session, tenant.organization_id, scopes=["CLIENT_TOKENS_CREATE", "EMAILS_READ"])
    refused = await mint(client, narrow, scopes=["EMAILS_SEND"])
    assert (refused["code"], refused["field"]) == ("SCOPE_NOT_HELD", "scopes")
    assert (await mint(client, narrow, scopes=["EMAILS_READ"]))["__typename"] == "ClientTokenCreated"


async def test_an_expired_or_forged_client_token_is_refused_with_its_reason(app, client, tenant) -> None:
    keys: ClientTokenKeys = app.state.services.authenticator.keys
    principal = await app.state.services.authenticator.authenticate(tenant.token)
    grant = ClientGrant(frozenset({Scope.ACCOUNTS_READ}), None, 60)
    expired, _ = keys.sign(tenant.organization_id, principal.token_id, grant, now=time.time() - 120)
    response = await client.post("/graphql", json={"query": ACCOUNTS}, headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "TOKEN_EXPIRED"

    good, _ = keys.sign(tenant.organization_id, principal.token_id, grant)
    header, payload, signature = good.split(".")
    forged_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b"ACCOUNTS_READ", b"EMAILS_SEND__")
    ).decode()
    other_key = jwt.encode(jwt.decode(good, options={"verify_signature": False}), "x" * 32, headers={"kid": "evil"})
    for forged in (f"{header}.{forged_payload}.{signature}", other_key, good[:-4] + "AAAA"):
        response = await client.post(
            "/graphql", json={"query": ACCOUNTS}, headers={"Authorization": f"Bearer {forged}"}
        )
        assert response.status_code == 401, forged
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_keys_rotate_by_key_id(settings, tenant) -> None:
    old = Settings(client_token_keys=["k1:" + "a" * 40], credentials_keys=settings.credentials_keys)
    rotated = Settings(
        client_token_keys=["k2:" + "b" * 40, "k1:" + "a" * 40], credentials_keys=settings.credentials_keys
    )
    dropped = Settings(client_token_keys=["k2:" + "b" * 40], credentials_keys=settings.credentials_keys)
    grant = ClientGrant(frozenset({Scope.EMAILS_READ}), None, 60)
    token, claims = ClientTokenKeys.from_settings(old).sign(tenant.organization_id, uuid.uuid4(), grant)
    assert jwt.get_unverified_header(token)["kid"] == "k1"
    assert ClientTokenKeys.from_settings(rotated).verify(token) == claims
    new_token, _ = ClientTokenKeys.from_settings(rotated).sign(tenant.organization_id, uuid.uuid4(), grant)
    assert jwt.get_unverified_header(new_token)["kid"] == "k2"
    with pytest.raises(Exception, match="unknown key id"):
        ClientTokenKeys.from_settings(dropped).verify(token)


@pytest.mark.parametrize(
    ("keys", "message"),
    [(["nokid"], "kid:secret"), (["k:short"], "at least 32 bytes"), (["k:" + "a" * 32, "k:" + "b" * 32], "used twice")],
)
def test_weak_or_malformed_keys_refuse_to_start(keys: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(client_token_keys=keys)


async def test_client_tokens_are_checked_without_a_query_and_die_with_their_api_token(settings, tenant) -> None:
    import httpx

    app = create_app(settings.model_copy(update={"token_cache_seconds": 60}))
    services = app.state.services
    token_queries: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "api_token" in statement:
            token_queries.append(statement)

    event.listen(services.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            minted = await mint(http, tenant.token)
            await gql(http, ACCOUNTS, token=minted["token"])  # warms the cache with the minting token
            token_queries.clear()
            for _ in range(5):
                assert "errors" not in await gql(http, ACCOUNTS, token=minted["token"])
            assert token_queries == []

            listed = await gql(http, "{ apiTokens { id } }", token=tenant.token)
            (mine,) = listed["data"]["apiTokens"]
            revoked = await gql(
                http, "mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }", {"id": mine["id"]}, tenant.token
            )
            assert revoked["data"]["revokeApiToken"]["__typename"] == "ApiTokenRevoked"
            response = await http.post(
                "/graphql", json={"query": ACCOUNTS}, headers={"Authorization": f"Bearer {minted['token']}"}
            )
            assert response.status_code == 401
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", count)
        await services.engine.dispose()
