"""Fixtures shared by the end-to-end tests: real brokers, emptied around each test."""

from __future__ import annotations

import pytest
import redis
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker

REDIS_URL = "redis://127.0.0.1:6379/14"
RABBIT_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


@pytest.fixture
def redis_broker():  # type: ignore[no-untyped-def]
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    broker = RedisBroker(url=REDIS_URL)
    yield broker
    broker.close()
    client.flushdb()
    client.close()


@pytest.fixture
def rabbitmq_broker():  # type: ignore[no-untyped-def]
    broker = RabbitmqBroker(url=RABBIT_URL)
    broker.declare_queue("send")
    broker.flush_all()
    yield broker
    broker.flush_all()
    broker.close()
