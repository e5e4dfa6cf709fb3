"""Per-token rate limits: 429 with Retry-After, per token, the organization's own figure, shared in Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from api.auth import Principal
from api.ratelimit import RateLimiter, storage_url
from domain.settings import Settings
from domain.tokens import issue_token, set_rate_limit
from tests.conftest import REDIS_DB, REDIS_URL
from tests.factories import Tenant, gql, make_tenant
from workers.db import session_scope

QUERY = {"query": "{ mailAccounts { id } }"}


@pytest.fixture
def tenant(db: str) -> Tenant:
    tenant = make_tenant()
    with session_scope() as session:
        set_rate_limit(session, tenant.organization_id, 3)
    return tenant


async def test_a_token_over_its_organizations_limit_gets_429_with_retry_after(client, tenant) -> None:
    headers = {"Authorization": f"Bearer {tenant.token}"}
    answers = [await client.post("/graphql", json=QUERY, headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    # Another token of the same organization has its own count.
    with session_scope() as session:
        other = issue_token(session, tenant.organization_id, name="other")
    assert "errors" not in await gql(client, QUERY["query"], token=other)


async def test_client_tokens_are_counted_on_their_own(client, tenant) -> None:
    mint = """mutation { createClientToken(input: {scopes: [ACCOUNTS_READ]}) {
      ... on ClientTokenCreated { token } } }"""
    token = (await gql(client, mint, token=tenant.token))["data"]["createClientToken"]["token"]
    for _ in range(3):
        assert "errors" not in await gql(client, QUERY["query"], token=token)
    refused = await client.post("/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 429


def test_counters_live_in_memory_embedded_and_in_the_brokers_redis_otherwise() -> None:
    assert storage_url(Settings(embedded=True, broker_url="stub://")) == "memory://"
    assert storage_url(Settings(broker_url=REDIS_URL)) == REDIS_URL
    assert storage_url(Settings(broker_url="amqp://guest@localhost")) == "memory://"
    own = f"redis://counters.example:6379/{REDIS_DB}"  # a store of its own, named by this run
    assert storage_url(Settings(broker_url=REDIS_URL, rate_limit_storage_url=own)) == own


async def test_processes_sharing_redis_share_the_count() -> None:
    settings = Settings(
        rate_limit_per_minute=2,
        rate_limit_storage_url=REDIS_URL,
        queue_namespace=f"rl{uuid.uuid4().hex[:8]}",
    )
    one, two = RateLimiter(settings), RateLimiter(settings)  # two API processes
    principal = Principal(uuid.uuid4(), uuid.uuid4())
    assert await one.hit(principal) is None
    assert await two.hit(principal) is None
    assert 1 <= (await one.hit(principal) or 0) <= 60
    assert await two.hit(Principal(principal.organization_id, uuid.uuid4())) is None


async def test_a_dead_counter_store_lets_requests_through() -> None:
    from tests.conftest import free_port

    settings = Settings(rate_limit_per_minute=1, rate_limit_storage_url=f"redis://127.0.0.1:{free_port()}/0")
    limiter = RateLimiter(settings)
    principal = Principal(uuid.uuid4(), uuid.uuid4())
    assert [await limiter.hit(principal) for _ in range(3)] == [None, None, None]


async def test_a_silent_counter_store_lets_requests_through_within_the_timeout() -> None:
    """A store that accepts the connection and never answers: each request waits the timeout, no more."""
    opened: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        opened.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        settings = Settings(rate_limit_per_minute=1, rate_limit_storage_url=f"redis://127.0.0.1:{port}/0")
        limiter = RateLimiter(settings, timeout=0.2)
        principal = Principal(uuid.uuid4(), uuid.uuid4())
        loop = asyncio.get_running_loop()
        started = loop.time()
        hits = [await asyncio.wait_for(limiter.hit(principal), 10) for _ in range(2)]  # a hang fails, not stalls
        assert hits == [None, None]
        assert opened, "the limiter never reached the store"
        assert loop.time() - started < 1.5
    finally:
        for writer in opened:
            writer.close()
        server.close()
        await server.wait_closed()
