"""Browsers as clients, against the API served by uvicorn: CORS preflights, WebSocket origins,
client tokens over WebSocket (scoped to one invoice, ended when they expire), and rate limits."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.e2e.helpers import call
from tests.e2e.sockets import FROM_THE_START, GraphQLSocket
from tests.factories import Tenant, make_connected_tenant

ALLOWED = "https://app.example"
OTHER = "https://evil.example"
MINT = """mutation($input: CreateClientTokenInput!) { createClientToken(input: $input) {
  __typename ... on ClientTokenCreated { token expiresAt } ... on MutationError { code message } } }"""
SEND = """mutation($input: SendEmailInput!) { sendEmail(input: $input) {
  __typename ... on EmailQueued { outboundEmail { id } } ... on MutationError { code message } } }"""


@pytest.fixture
def tenant(db: str, gmail, live_api) -> Tenant:  # type: ignore[no-untyped-def]
    return make_connected_tenant(gmail)


@pytest.fixture
async def api(live_api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_api, timeout=10) as http:
        yield http


async def mint(api: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> str:
    scopes = ["EMAILS_READ", "EMAILS_SEND", "ACCOUNTS_READ"]  # the test socket's updates name the account
    data = await call(api, tenant.token, MINT, input={"scopes": scopes, **fields})
    assert data["createClientToken"]["__typename"] == "ClientTokenCreated", data
    return str(data["createClientToken"]["token"])


async def test_a_preflight_from_an_allowed_origin_is_answered_and_another_is_refused(api) -> None:
    ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}
    allowed = await api.options("/graphql", headers={"Origin": ALLOWED, **ask})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    local = await api.options("/graphql", headers={"Origin": "http://127.0.0.1:5173", **ask})
    assert local.headers["access-control-allow-origin"] == "http://127.0.0.1:5173"  # a wildcard port
    refused = await api.options("/graphql", headers={"Origin": OTHER, **ask})
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


async def test_actual_requests_carry_cors_headers_only_for_allowed_origins(api, tenant) -> None:
    query = {"query": "{ mailAccounts { id } }"}
    auth = {"Authorization": f"Bearer {tenant.token}"}
    allowed = await api.post("/graphql", json=query, headers={**auth, "Origin": ALLOWED})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ALLOWED
    other = await api.post("/graphql", json=query, headers={**auth, "Origin": OTHER})
    assert "access-control-allow-origin" not in other.headers  # the browser will not let the page read it


async def test_websockets_from_another_origin_are_refused(live_api, tenant) -> None:
    url = live_api.replace("http://", "ws://") + "/graphql"
    with pytest.raises(InvalidStatus, match="403") as refused:
        await connect(url, subprotocols=["graphql-transport-ws"], origin=OTHER)  # type: ignore[list-item, arg-type]
    assert refused.value.response.status_code == 403
    for origin in (ALLOWED, live_api):  # a listed origin, and the API's own (the console)
        async with connect(url, subprotocols=["graphql-transport-ws"], origin=origin) as ws:  # type: ignore[list-item, arg-type]
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {tenant.token}"}}
            await ws.send(json.dumps(init))
            assert '"connection_ack"' in str(await asyncio.wait_for(ws.recv(), 10))


async def test_a_client_token_subscribes_to_its_invoice_only(api, tenant, worker) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    token = await mint(api, tenant, contexts=[{"contextType": "invoice", "contextId": str(mine)}])
    socket = GraphQLSocket(api.base_url.__str__())
    try:
        assert (await socket.open(token))["type"] == "connection_ack"
        await socket.subscribe(since=FROM_THE_START)  # the fresh trail: nothing before it is live is missed
        account = str(tenant.account_id)
        base = {"accountId": account, "to": ["client@example.com"], "subject": "x", "contextType": "invoice"}
        await call(api, tenant.token, SEND, input={**base, "contextId": str(theirs)})
        sent = await call(api, token, SEND, input={**base, "contextId": str(mine)})
        email_id = sent["sendEmail"]["outboundEmail"]["id"]
        updates = await socket.updates_until(lambda u: u["event"] == "sent")
        assert {u["emailId"] for u in updates} == {email_id}
        # Nothing of the other invoice follows: the next update is a later change to this one's.
        later = await call(api, token, SEND, input={**base, "contextId": str(mine), "subject": "later"})
        after = await socket.next_update()
        assert after["emailId"] == later["sendEmail"]["outboundEmail"]["id"]
    finally:
        await socket.close()


async def test_an_open_subscription_ends_with_a_typed_error_when_its_client_token_expires(api, tenant) -> None:
    token = await mint(api, tenant, ttlSeconds=2)
    socket = GraphQLSocket(str(api.base_url))
    try:
        assert (await socket.open(token))["type"] == "connection_ack"
        op = await socket.subscribe()
        message = await socket.receive(within=15)
        assert message["id"] == op and message["type"] in {"next", "error"}, message
        errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
        assert errors[0]["extensions"]["code"] == "TOKEN_EXPIRED"
    finally:
        await socket.close()
    late = GraphQLSocket(str(api.base_url))
    try:
        with pytest.raises(ConnectionClosed, match="4403") as closed:
            await late.open(token)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    finally:
        await late.close()


async def test_a_client_token_without_email_reads_cannot_subscribe(api, tenant) -> None:
    data = await call(api, tenant.token, MINT, input={"scopes": ["ACCOUNTS_READ"]})
    socket = GraphQLSocket(str(api.base_url))
    try:
        assert (await socket.open(data["createClientToken"]["token"]))["type"] == "connection_ack"
        op = await socket.subscribe()
        message = await socket.receive()
        assert message["id"] == op, message
        errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        await socket.close()
