"""Can this process reach its broker right now? (`GET /readyz` asks; the answer is never cached.)"""

from __future__ import annotations


def ping_broker(url: str, timeout: float) -> None:
    """Return when the broker at `url` answers within `timeout` seconds; raise otherwise."""
    if url.startswith("stub"):
        return  # the in-process broker of `make run` is always there
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
        return
    if url.startswith(("amqp://", "amqps://")):
        import pika

        parameters = pika.URLParameters(url)
        parameters.socket_timeout = timeout
        parameters.stack_timeout = timeout
        parameters.blocked_connection_timeout = timeout
        parameters.connection_attempts = 1
        pika.BlockingConnection(parameters).close()
        return
    raise ValueError(f"unsupported broker URL {url!r}")
