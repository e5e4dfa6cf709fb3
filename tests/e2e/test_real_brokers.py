"""Real brokers and real crashes: worker processes on Redis and RabbitMQ, killed at every step of a send.

The worker is `python -m dramatiq workers.actors` in a subprocess, talking to this test's
PostgreSQL database and emulator. Crash points (workers/failpoints.py) make it SIGKILL itself
before the Gmail call, after Gmail answered, and before the commit; the test also SIGKILLs it
from outside while sends are in flight (the emulator holds each answer a little), which is the
"during the call" case. A sweeper pass re-enqueues what the dead workers held.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dramatiq import Message
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker

from domain.drafts import DraftFields, Limits
from domain.records import OutboundEmail
from domain.sending import SendRequest, request_send
from domain.settings import get_settings
from tests.e2e.conftest import RABBIT_URL, REDIS_URL
from tests.factories import Tenant, make_connected_tenant
from workers.db import session_scope
from workers.scheduler import stale_pending

ROOT = Path(__file__).resolve().parents[2]


def start_worker(
    broker_url: str, failpoints: str = "", threads: int = 4, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MAILTRAIL_BROKER_URL": broker_url,
        "MAILTRAIL_FAILPOINTS": failpoints,
        "MAILTRAIL_QUOTA_UNITS_PER_MINUTE": "100000000",
        "MAILTRAIL_SEND_DEADLINE_SECONDS": "3600",
        # Kills make attempts pile up on some emails; keep their backoff short, this test is about
        # exactly-once delivery (backoff itself is tested in tests/domain/test_quota.py).
        "MAILTRAIL_RETRY_BACKOFF_SECONDS": "0.2",
        "MAILTRAIL_RETRY_BACKOFF_CAP_SECONDS": "2",
        # A killed worker's claim is taken over once its lease ends: with the default 120 s the
        # last emails of a kill storm wait two minutes (one lease, or two) for their takeover, which
        # the test's window could not always hold. A shorter lease makes takeovers more frequent,
        # not rarer; the Gmail timeout must stay under half of it (settings refuse otherwise).
        "MAILTRAIL_SEND_LEASE_SECONDS": "30",
        "MAILTRAIL_GMAIL_TIMEOUT_SECONDS": "10",
        "PYTHONPATH": str(ROOT),
        **(extra_env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "workers.actors", "--processes", "1", "--threads", str(threads)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def kill(worker: subprocess.Popen[bytes]) -> None:
    """SIGKILL the whole worker (Dramatiq's main process and its worker child), like a lost machine."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def queue_emails(tenant: Tenant, count: int) -> list[uuid.UUID]:
    ids = []
    with session_scope() as session:
        for i in range(count):
            email, _ = request_send(
                session,
                tenant.organization_id,
                SendRequest(
                    fields=DraftFields(
                        account_id=tenant.account_id, to=[f"r{i}@example.com"], subject=f"#{i}", body_text="hello"
                    )
                ),
                "test",
                Limits(),
            )
            ids.append(email.id)
    return ids


def enqueue(broker: RedisBroker | RabbitmqBroker, ids: list[uuid.UUID]) -> None:
    for email_id in ids:
        broker.enqueue(
            Message(
                queue_name=get_settings().queue_name("send"),
                actor_name="send_email",
                args=(str(email_id),),
                kwargs={},
                options={},
            )
        )


def statuses(ids: list[uuid.UUID]) -> Counter[str]:
    with session_scope() as session:
        return Counter(session.get(OutboundEmail, i).status.value for i in ids)  # type: ignore[union-attr]


def assert_sent_exactly_once(gmail, tenant: Tenant, ids: list[uuid.UUID]) -> None:  # type: ignore[no-untyped-def]
    copies = Counter(m.header("X-Mailtrail-Id") for m in gmail.messages(tenant.account_email, "SENT"))
    assert {str(i) for i in ids} == set(copies), f"an email was lost: {dict(statuses(ids))}"
    assert [k for k, n in copies.items() if n > 1] == [], "an email was sent twice"
    with session_scope() as session:
        for email_id in ids:
            row = session.get(OutboundEmail, email_id)
            assert row.status.value == "SENT"
            assert row.provider_message_id is not None


@pytest.mark.parametrize("broker_name", ["redis", "rabbitmq"])
def test_a_worker_on_a_real_broker_sends_every_email_once(db, gmail, broker_name, request) -> None:  # type: ignore[no-untyped-def]
    broker = request.getfixturevalue(f"{broker_name}_broker")
    url = REDIS_URL if broker_name == "redis" else RABBIT_URL
    tenant = make_connected_tenant(gmail)
    ids = queue_emails(tenant, 20)
    worker = start_worker(url)
    try:
        enqueue(broker, ids)
        deadline = time.monotonic() + 60
        while statuses(ids)["SENT"] < len(ids) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    assert_sent_exactly_once(gmail, tenant, ids)


@pytest.mark.slow
@pytest.mark.timeout(600)  # a shared 2-core machine can make 200 sends under a kill storm slow
def test_workers_killed_at_every_step_neither_lose_nor_duplicate_an_email(db, gmail, redis_broker) -> None:  # type: ignore[no-untyped-def]
    count = int(os.environ.get("MAILTRAIL_CRASH_EMAILS", "200"))
    tenant = make_connected_tenant(gmail)
    limits = gmail.gmail.limits
    saved_units, limits.units_per_minute = limits.units_per_minute, 10**9
    ids = queue_emails(tenant, count)
    for _ in range(count // 3):  # hold some answers so outside kills land during Gmail calls
        gmail.queue_fault("messages.send", kind="slow", seconds=0.15)
    failpoints = "before_gmail:0.01,after_gmail:0.02,before_commit:0.02"
    rng = random.Random(7)
    kills = Counter[str]()
    worker = start_worker(REDIS_URL, failpoints)
    enqueue(redis_broker, ids)
    deadline = time.monotonic() + 420
    outside_kills = int(os.environ.get("MAILTRAIL_CRASH_OUTSIDE_KILLS", "30"))
    next_outside_kill = time.monotonic() + rng.uniform(2.0, 4.0)
    sent_at_last_kill = -1
    started, next_report = time.monotonic(), time.monotonic() + 20
    try:
        while time.monotonic() < deadline:
            done = statuses(ids)
            if done["SENT"] == count:
                break
            if time.monotonic() > next_report:  # progress, for whoever reads a slow CI log
                print(f"crash test at {time.monotonic() - started:.0f}s: {dict(done)}, kills {dict(kills)}")
                next_report += 20
            if worker.poll() is not None:
                kill(worker)  # the child died at a crash point; make sure nothing of it is left
                kills["crash point"] += 1
                worker = start_worker(REDIS_URL, failpoints)
            elif (
                kills["outside, mid-flight"] < outside_kills
                and time.monotonic() > next_outside_kill
                and done["SENT"] > sent_at_last_kill  # the new worker got going: a slow, loaded machine
            ):  # would otherwise kill each worker before it sends anything, and never finish
                kill(worker)
                kills["outside, mid-flight"] += 1
                sent_at_last_kill = done["SENT"]
                worker = start_worker(REDIS_URL, failpoints)
                next_outside_kill = time.monotonic() + rng.uniform(2.0, 4.0)
            stale = stale_pending(session_scope, datetime.now(UTC), timedelta(seconds=2), timedelta(seconds=5))
            enqueue(redis_broker, stale)
            time.sleep(0.5)
    finally:
        kill(worker)
        limits.units_per_minute = saved_units
        gmail.router.faults.clear()
    print(f"\ncrash test: {count} emails, kills {dict(kills)}, final {dict(statuses(ids))}")
    assert sum(kills.values()) >= 3, "the test must actually kill workers"
    assert_sent_exactly_once(gmail, tenant, ids)
