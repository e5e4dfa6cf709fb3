"""The one place that builds the Dramatiq broker from MAILTRAIL_BROKER_URL.

redis://... (the default outside the embedded mode), amqp://... (RabbitMQ) or stub:// (an
in-process broker for `make run` and tests). Actors bind to the broker set here at import.
"""

from __future__ import annotations

import dramatiq
from dramatiq.broker import Broker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware, Retries, ShutdownNotifications, TimeLimit

from domain.settings import get_settings
from workers import observability


def middleware() -> list[Middleware]:
    """Dramatiq's defaults less the three that act only on options no message of ours carries
    (AgeLimit: `max_age`; Callbacks: `on_success`/`on_failure`; Pipelines: `pipe_target`): each
    ran its hooks on every message for nothing. Retries (redelivery with backoff), TimeLimit (the
    ten-minute default limit) and ShutdownNotifications keep their meaning."""
    return [TimeLimit(), ShutdownNotifications(), Retries()]


def make_broker(url: str) -> Broker:
    if url.startswith("stub"):
        broker: Broker = StubBroker(middleware())
        broker.emit_after("process_boot")
        return broker
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis
        from dramatiq.brokers.redis import RedisBroker

        # A restarted Redis closes our sockets and Dramatiq's consumers reconnect on their own
        # (tests/e2e/test_faults.py restarts one under a worker). A connection that silently dies
        # (a network partition, a NAT dropping it) never closes: the timeouts, keepalives and
        # health checks make such a socket fail, so the consumer restarts instead of hanging.
        pool = redis.ConnectionPool.from_url(
            url, socket_timeout=30, socket_connect_timeout=5, socket_keepalive=True, health_check_interval=15
        )
        return RedisBroker(client=redis.Redis(connection_pool=pool), middleware=middleware())  # type: ignore[no-untyped-call]
    if url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url, middleware=middleware())
    raise ValueError(f"unsupported broker URL {url!r}: use redis://, amqp:// or stub://")


broker = make_broker(get_settings().broker_url)
dramatiq.set_broker(broker)
# On the broker itself, not beside some of the actors: a process that loads only `workers.actors`
# (as `dramatiq workers.actors` does) ran without it, logging at INFO in Dramatiq's format whatever
# MAILTRAIL_LOG_LEVEL and MAILTRAIL_LOG_FORMAT said, and without heartbeats or trace context.
observability.install(broker)
