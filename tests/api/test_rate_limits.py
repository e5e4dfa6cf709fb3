"""Per-token rate limits: 429 with Retry-After, per token, the organization's own figure, shared in Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from limits.aio.storage import MemoryStorage

from api.auth import Principal
from api.ratelimit import LEASE_GROWS_WITHIN, LEASE_MAX, LEASE_SHARE, RateLimiter, storage_url
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


class CountingStore(MemoryStorage):
    """A counter store that counts the round trips a limiter makes to it (a shared store's stand-in)."""

    def __init__(self) -> None:
        super().__init__()
        self.takes = 0

    async def acquire_sliding_window_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        self.takes += 1
        await asyncio.sleep(0)  # a round trip: other requests run meanwhile
        return await super().acquire_sliding_window_entry(key, limit, expiry, amount)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def leasing(limit: int, store: CountingStore, clock: Clock) -> RateLimiter:
    return RateLimiter(Settings(rate_limit_per_minute=limit), storage=store, leases=True, clock=clock)


async def counted(limiter: RateLimiter, principal: Principal) -> int:
    """What the shared store has counted for the principal's token this window."""
    stats = await limiter.limiter.get_window_stats(limiter._item(limiter.default), principal.limit_key)
    return limiter.default - stats.remaining


def test_leases_are_on_for_a_shared_store_and_off_in_memory() -> None:
    assert RateLimiter(Settings(rate_limit_storage_url=REDIS_URL)).leases
    assert not RateLimiter(Settings(embedded=True, broker_url="stub://")).leases


async def test_a_busy_token_takes_its_hits_from_the_shared_count_in_leases() -> None:
    store, clock = CountingStore(), Clock()
    limiter = leasing(100_000, store, clock)
    principal = Principal(uuid.uuid4(), uuid.uuid4())
    assert [await limiter.hit(principal) for _ in range(1000)] == [None] * 1000
    # 1, 2, 4 ... 64 (127 hits in 7 takes), then 64 at a time (14 more): not 1,000 round trips
    assert store.takes == 7 + 14
    assert 1000 <= await counted(limiter, principal) < 1000 + LEASE_MAX


async def test_a_token_that_is_not_busy_is_counted_one_hit_at_a_time() -> None:
    store, clock = CountingStore(), Clock()
    limiter = leasing(100_000, store, clock)
    principal = Principal(uuid.uuid4(), uuid.uuid4())
    for _ in range(20):
        assert await limiter.hit(principal) is None
        clock.now += LEASE_GROWS_WITHIN + 0.5
    assert store.takes == 20
    assert await counted(limiter, principal) == 20


async def test_a_small_limit_is_counted_exactly_however_busy() -> None:
    store, clock = CountingStore(), Clock()
    limiter = leasing(2 * LEASE_SHARE - 1, store, clock)
    principal = Principal(uuid.uuid4(), uuid.uuid4())
    answers = [await limiter.hit(principal) for _ in range(2 * LEASE_SHARE)]
    assert answers[:-1] == [None] * (2 * LEASE_SHARE - 1)
    assert answers[-1] is not None and answers[-1] >= 1
    assert store.takes == 2 * LEASE_SHARE


async def test_a_burst_neither_loses_hits_nor_leases_the_limit_away() -> None:
    """Requests that find the lease empty together: one takes a lease, the others a hit each, and
    every hit taken is either spent or held."""
    store, clock = CountingStore(), Clock()
    limiter = leasing(100_000, store, clock)
    principal = Principal(uuid.uuid4(), uuid.uuid4())
    assert [await limiter.hit(principal) for _ in range(127)] == [None] * 127  # leases grown to 64, spent
    assert await asyncio.gather(*(limiter.hit(principal) for _ in range(300))) == [None] * 300
    (lease,) = limiter._leases.values()
    assert await counted(limiter, principal) == 127 + 300 + lease.left
    assert lease.left < LEASE_MAX


async def test_a_lease_holds_at_most_its_share_of_the_limit() -> None:
    store, clock = CountingStore(), Clock()
    limiter = leasing(10 * LEASE_SHARE, store, clock)  # leases of at most 10 hits
    principal = Principal(uuid.uuid4(), uuid.uuid4())
    assert [await limiter.hit(principal) for _ in range(100)] == [None] * 100
    assert store.takes == 4 + 9  # 1, 2, 4, 8 (15 hits), then 10 at a time
    assert max(lease.size for lease in limiter._leases.values()) == 10


async def test_a_refused_token_costs_one_take_per_request() -> None:
    """Once refused, a token's next take asks for a single hit: no larger take bound to fail first."""
    store, clock = CountingStore(), Clock()
    limiter = leasing(2 * LEASE_SHARE, store, clock)
    principal = Principal(uuid.uuid4(), uuid.uuid4())
    answers = [await limiter.hit(principal) for _ in range(2 * LEASE_SHARE + 1)]
    assert answers.count(None) == 2 * LEASE_SHARE
    before = store.takes
    assert all([await limiter.hit(principal) is not None for _ in range(10)])
    assert store.takes - before == 10


async def test_leased_hits_never_let_more_than_the_limit_through_a_window() -> None:
    """Two processes sharing the count, leasing as fast as they can: every hit is counted before it
    is spent, and near the limit leases shrink to single hits, so they get the limit between them.
    A process holding an unspent lease makes the other's refusal come early, by less than a lease."""
    limit = LEASE_MAX * LEASE_SHARE + 37  # leases up to LEASE_MAX hits; the last ones cannot all be whole
    store, clock = CountingStore(), Clock()
    one, two = leasing(limit, store, clock), leasing(limit, store, clock)
    principal = Principal(uuid.uuid4(), uuid.uuid4())
    allowed = {id(one): 0, id(two): 0}
    refused: set[int] = set()
    for _ in range(limit + 1):  # both refused before each could have made the limit alone
        if len(refused) == 2:
            break
        for limiter in (one, two):
            if id(limiter) in refused:
                continue
            if await limiter.hit(principal) is None:
                allowed[id(limiter)] += 1
            else:
                refused.add(id(limiter))
    assert len(refused) == 2
    held = sum(lease.left for limiter in (one, two) for lease in limiter._leases.values())
    # (a minute boundary crossed mid-test lets the sliding window weigh a hit or two differently)
    assert limit - 2 <= sum(allowed.values()) + held <= limit + 2
    assert held < 2 * LEASE_MAX
    assert sum(allowed.values()) > limit - 2 * LEASE_MAX
