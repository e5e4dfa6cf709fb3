"""Fixtures shared by the end-to-end tests: real brokers, their queues named after this test run.

Queues carry the run's namespace (MAILTRAIL_QUEUE_NAMESPACE, set in tests/conftest.py), so two
suites on one machine share Redis and RabbitMQ without touching each other's messages; each
fixture empties only its own queues and removes them afterwards.
"""

from __future__ import annotations

import contextlib

import pytest
import redis
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker

from domain.settings import get_settings
from tests.conftest import REDIS_URL

RABBIT_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
QUEUES = ("send", "sync", "webhooks")


def queue_names() -> list[str]:
    return [get_settings().queue_name(name) for name in QUEUES]


def forget_redis_queues(url: str) -> None:
    """Delete every Redis key of this run's queues (messages, delays, acks), and no one else's."""
    client = redis.Redis.from_url(url)
    try:
        for queue in queue_names():
            for pattern in (f"dramatiq:{queue}", f"dramatiq:{queue}.*", f"dramatiq:__acks__.*.{queue}*"):
                keys = list(client.scan_iter(match=pattern, count=1000))
                if keys:
                    client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def redis_broker():  # type: ignore[no-untyped-def]
    forget_redis_queues(REDIS_URL)
    broker = RedisBroker(url=REDIS_URL)
    for queue in queue_names():
        broker.declare_queue(queue)
    yield broker
    broker.close()
    forget_redis_queues(REDIS_URL)


@pytest.fixture
def rabbitmq_broker():  # type: ignore[no-untyped-def]
    broker = RabbitmqBroker(url=RABBIT_URL)
    for queue in queue_names():
        broker.declare_queue(queue)
    broker.flush_all()
    yield broker
    broker.flush_all()
    for queue in queue_names():
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            with contextlib.suppress(Exception):
                broker.channel.queue_delete(name)
    broker.close()


@pytest.fixture
def scheduler(worker):  # type: ignore[no-untyped-def]
    """The scheduler's jobs (due drafts, the sweeper) in a thread, with the stub broker's worker."""
    from datetime import timedelta

    from workers.actors import enqueue_send
    from workers.db import session_scope
    from workers.scheduler import Scheduler, default_jobs

    running = Scheduler(
        default_jobs(session_scope, enqueue_send, interval=0.2, stale=timedelta(seconds=2), lease=timedelta(seconds=5))
    )
    thread = running.start_thread()
    yield running
    running.stop()
    thread.join(timeout=5)
