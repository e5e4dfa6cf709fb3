"""Exactly once through outages, not only crashes: faults injected on real services.

- the broker is down while clients call sendEmail (and while Gmail pushes arrive);
- the broker restarts under a running worker;
- PostgreSQL connections are killed while sends are claimed and recorded;
- Gmail answers a storm of 429s.
Every run counts duplicates and losses in the emulator's Sent mail: both must be 0.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
from dramatiq import Message
from dramatiq.brokers.redis import RedisBroker

from domain.settings import get_settings
from tests.conftest import RUN_ID, wait_for
from tests.e2e.conftest import REDIS_URL
from tests.e2e.faults import PrivateRedis, private_redis
from tests.e2e.helpers import send
from tests.e2e.test_real_brokers import (
    assert_sent_exactly_once,
    enqueue,
    kill,
    queue_emails,
    start_worker,
    statuses,
)
from tests.factories import make_connected_tenant
from workers.db import session_scope
from workers.scheduler import stale_pending


def all_sent(ids: list[uuid.UUID]) -> Callable[[], bool]:
    return lambda: statuses(ids)["SENT"] == len(ids)


def broker_on(host: PrivateRedis) -> RedisBroker:
    broker = RedisBroker(url=host.url)
    for name in ("send", "sync"):
        broker.declare_queue(get_settings().queue_name(name))
    return broker


def sweep_into(broker: RedisBroker) -> list[uuid.UUID]:
    """What the scheduler's sweeper does: re-enqueue PENDING emails no worker has picked up."""
    ids = stale_pending(session_scope, datetime.now(UTC), timedelta(0), timedelta(seconds=5))
    enqueue(broker, ids)
    return ids


def push_envelope(address: str, history_id: int, message_id: str) -> dict[str, Any]:
    data = base64.b64encode(json.dumps({"emailAddress": address, "historyId": history_id}).encode()).decode()
    return {"message": {"data": data, "messageId": message_id}, "subscription": "projects/p/subscriptions/s"}


async def test_send_email_while_the_broker_is_down_is_answered_queued_and_sent_once_later(settings, gmail) -> None:  # type: ignore[no-untyped-def]
    from api.app import create_app

    tenant = make_connected_tenant(gmail)
    with private_redis(started=False) as host:
        broker = broker_on(host)
        app = create_app(settings, extras={"enqueue_send": lambda i: enqueue(broker, [i]), "enqueue_sync": print})
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            answers = [
                await send(client, tenant.token, accountId=str(tenant.account_id), to=[f"r{i}@example.com"])
                for i in range(5)
            ]
        await app.state.services.engine.dispose()
        # Every committed email is answered as queued: a client has no reason to send it again.
        assert [a["__typename"] for a in answers] == ["EmailQueued"] * 5, answers
        ids = [uuid.UUID(a["outboundEmail"]["id"]) for a in answers]
        assert statuses(ids) == {"PENDING": 5}

        host.start()  # the broker is back; the sweeper finds what was never enqueued
        worker = start_worker(host.url)
        try:
            assert sorted(sweep_into(broker_on(host))) == sorted(ids)
            wait_for(all_sent(ids), timeout=60, interval=0.2)
        finally:
            kill(worker)
    assert_sent_exactly_once(gmail, tenant, ids)


async def test_a_push_that_arrives_while_the_broker_is_down_is_refused_so_pubsub_delivers_it_again(
    settings, gmail
) -> None:  # type: ignore[no-untyped-def]
    from api.app import create_app
    from api.push import PUSH_PATH

    tenant = make_connected_tenant(gmail)
    enqueued: list[str] = []
    with private_redis(started=False) as host:

        def enqueue_sync(account_id: uuid.UUID) -> None:
            broker_on(host).enqueue(
                Message(
                    queue_name=get_settings().queue_name("sync"),
                    actor_name="sync_account",
                    args=(str(account_id),),
                    kwargs={},
                    options={},
                )
            )
            enqueued.append(str(account_id))

        app = create_app(settings, extras={"enqueue_sync": enqueue_sync, "enqueue_send": print})
        body = push_envelope(tenant.account_email, 10**15, f"pubsub-{uuid.uuid4().hex}")
        headers = {"Authorization": f"Bearer {gmail.pusher.token()}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            down = await client.post(PUSH_PATH, json=body, headers=headers)
            host.start()
            redelivered = await client.post(PUSH_PATH, json=body, headers=headers)
            replayed = await client.post(PUSH_PATH, json=body, headers=headers)
        await app.state.services.engine.dispose()
    assert down.status_code == 503 and down.headers["retry-after"]
    assert redelivered.status_code == 204
    assert replayed.status_code == 204
    assert enqueued == [str(tenant.account_id)]  # acted on once: after the outage, not on the replay


def test_a_worker_survives_a_broker_restart_and_resumes_delayed_retries(db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    with private_redis() as host:
        worker = start_worker(host.url)
        try:
            before = queue_emails(tenant, 5)
            enqueue(broker_on(host), before)
            wait_for(all_sent(before), timeout=60, interval=0.2)

            host.restart()  # everything the broker held is gone; the worker's connections break

            # Each of these is refused once with a 429, so its retry goes through the delay queue:
            # both the worker's consumers (the queue's and its delay queue's) must have come back.
            for _ in range(5):
                gmail.queue_fault("messages.send", status=429, reason="rateLimitExceeded", message="slow down")
            after = queue_emails(tenant, 5)
            enqueue(broker_on(host), after)
            wait_for(all_sent(after), timeout=90, interval=0.2)  # no sweeper: the worker alone
        finally:
            kill(worker)
    assert_sent_exactly_once(gmail, tenant, before + after)


def test_postgres_connections_killed_mid_send_neither_lose_nor_duplicate(db, gmail, redis_broker) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    name = f"mailtrail-fault-{RUN_ID}"
    worker = start_worker(REDIS_URL, extra_env={"MAILTRAIL_DATABASE_URL": f"{db}?application_name={name}"})
    ids = queue_emails(tenant, 30)
    for _ in range(15):  # hold some Gmail answers so kills land while claims and records are open
        gmail.queue_fault("messages.send", kind="slow", seconds=0.2)
    enqueue(redis_broker, ids)
    kills = 0
    deadline = time.monotonic() + 120
    try:
        with psycopg.connect(db, autocommit=True) as admin:
            while statuses(ids)["SENT"] < len(ids) and time.monotonic() < deadline:
                if kills < 12:
                    killed = admin.execute(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                        (name,),
                    ).fetchone()
                    kills += bool(killed and killed[0])
                enqueue(
                    redis_broker,
                    stale_pending(session_scope, datetime.now(UTC), timedelta(seconds=2), timedelta(seconds=5)),
                )
                time.sleep(0.3)  # pace the kills; the loop's condition is what it waits on
    finally:
        kill(worker)
    assert kills >= 3, "the test must actually kill the worker's connections"
    assert_sent_exactly_once(gmail, tenant, ids)


def test_a_gmail_429_storm_delays_sends_but_loses_and_duplicates_none(db, gmail, redis_broker) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    ids = queue_emails(tenant, 12)
    for _ in range(40):
        gmail.queue_fault("messages.send", status=429, reason="userRateLimitExceeded", message="User-rate limit")
    start = len(gmail.router.calls)
    worker = start_worker(REDIS_URL)
    try:
        enqueue(redis_broker, ids)
        wait_for(all_sent(ids), timeout=120, interval=0.2)
    finally:
        kill(worker)
    assert_sent_exactly_once(gmail, tenant, ids)
    made = [call for call, _user in gmail.router.calls[start:]]
    assert made.count("messages.send") == 40 + 12
    assert made.count("messages.list") == 0  # a refused send is never searched for
