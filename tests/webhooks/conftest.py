"""Webhook fixtures: a verifying receiver, the fan-out running as the scheduler would, fast retries."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from tests.webhooks.receiver import Receiver, running_receiver

FAST_RETRIES = {"base": 0.05, "cap": 0.2, "horizon": 60.0, "disable_after": 3600.0}

CREATE = """mutation($i: WebhookEndpointInput!) { createWebhookEndpoint(input: $i) { __typename
  ... on WebhookEndpointCreated { endpoint { id url } secret }
  ... on MutationError { code message field } } }"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The webhook actor's deliverer with retries in tens of milliseconds (the policy, not sleeps)."""
    import workers.webhooks as hooks
    from domain.webhooks.policy import RetryPolicy

    fast = dataclasses.replace(hooks.deliverer(), retry=RetryPolicy(**FAST_RETRIES))
    monkeypatch.setattr(hooks, "deliverer", lambda: fast)
    return fast


@pytest.fixture
def fanout(db: str) -> Iterator[object]:
    """The scheduler's webhook jobs in a thread, every 20 ms."""
    import workers.webhooks  # noqa: F401 - registers the webhook actor on the broker
    from workers.scheduler import Job, Scheduler
    from workers.webhooks import fanout_job

    scheduler = Scheduler([Job("webhook_fanout", 0.02, fanout_job)])
    thread = scheduler.start_thread()
    yield scheduler
    scheduler.stop()
    thread.join(timeout=5)


async def create_endpoint(client: Any, token: str, receiver: Receiver, **fields: Any) -> str:
    """Register the receiver as an endpoint and give it the secret; return the endpoint id."""
    from tests.factories import gql

    body = await gql(client, CREATE, {"i": {"url": receiver.url, **fields}}, token)
    created = body["data"]["createWebhookEndpoint"]
    assert created["__typename"] == "WebhookEndpointCreated", created
    receiver.secret = created["secret"]
    return str(created["endpoint"]["id"])
