"""`/metrics` after a send and a bounce, parsed as Prometheus does; `/readyz` with its dependencies down."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from domain.settings import Settings
from tests.conftest import TEST_DB_URL, free_port, wait_for
from tests.e2e.helpers import email_row, send, status_is
from tests.factories import make_connected_tenant
from workers import runtime

FAMILIES = {
    "mailtrail_sends": "counter",
    "mailtrail_send_queue_lag_seconds": "gauge",
    "mailtrail_pending_emails": "gauge",
    "mailtrail_gmail_call_seconds": "histogram",
    "mailtrail_gmail_errors": "counter",
    "mailtrail_quota_waits": "counter",
    "mailtrail_sync_lag_seconds": "gauge",
    "mailtrail_bounces": "counter",
    "mailtrail_open_subscriptions": "gauge",
    "mailtrail_webhook_deliveries": "counter",
    "mailtrail_webhook_backlog": "gauge",
}


async def scrape(client: Any) -> dict[str, Any]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {family.name: family for family in text_string_to_metric_families(response.text)}


def value(families: dict[str, Any], name: str, sample: str, **labels: str) -> float:
    family = families.get(name)
    if family is None:
        return 0.0
    return sum(
        s.value for s in family.samples if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items())
    )


async def test_metrics_expose_every_family_after_a_send_and_a_bounce(client, gmail, worker) -> None:
    tenant = make_connected_tenant(gmail)
    before = await scrape(client)
    result = await send(
        client,
        tenant.token,
        accountId=str(tenant.account_id),
        to=["ok@example.com", "gone@nowhere.invalid"],
        subject="Hi",
    )
    email_id = result["outboundEmail"]["id"]
    wait_for(status_is(email_id, "SENT"))

    def bounced() -> bool:
        runtime.syncer().sync(tenant.account_id)
        return email_row(email_id).bounce_details is not None

    wait_for(bounced)
    after = await scrape(client)
    for name, kind in FAMILIES.items():
        assert name in after, f"{name} is missing"
        assert after[name].type == kind
    assert (
        value(after, "mailtrail_sends", "mailtrail_sends_total", outcome="sent")
        >= value(before, "mailtrail_sends", "mailtrail_sends_total", outcome="sent") + 1
    )
    assert value(after, "mailtrail_gmail_call_seconds", "mailtrail_gmail_call_seconds_count", operation="send") >= 1
    assert value(after, "mailtrail_gmail_call_seconds", "mailtrail_gmail_call_seconds_count", operation="history") >= 1
    hard = value(after, "mailtrail_bounces", "mailtrail_bounces_total", permanence="hard") - value(
        before, "mailtrail_bounces", "mailtrail_bounces_total", permanence="hard"
    )
    assert hard == 1
    reasons = {s.labels["reason"] for s in after["mailtrail_bounces"].samples if s.labels["permanence"] == "hard"}
    assert reasons and "" not in reasons
    lag = [s for s in after["mailtrail_sync_lag_seconds"].samples if s.labels.get("account") == str(tenant.account_id)]
    assert len(lag) == 1 and lag[0].value >= 0
    assert value(after, "mailtrail_pending_emails", "mailtrail_pending_emails") == 0


@pytest.fixture
def private_redis() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of this test's own, on a free port (never the machine's)."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed for the broker-down test"
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    def answers() -> bool:
        try:
            return bool(redis.Redis.from_url(url, socket_connect_timeout=0.2).ping())
        except redis.RedisError:
            return False

    wait_for(answers)
    yield url, process
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


async def readiness(settings: Settings) -> httpx.Response:
    from api.app import create_app

    app = create_app(settings)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            return await http.get("/readyz")
    finally:
        await app.state.services.engine.dispose()


async def test_readyz_answers_503_while_the_broker_is_down_and_200_once_it_answers(db, private_redis) -> None:
    url, process = private_redis
    settings = Settings(database_url=TEST_DB_URL, broker_url=url)
    ready = await readiness(settings)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "broker": "ok"}}
    process.terminate()
    process.wait(timeout=10)
    down = await readiness(settings)
    assert down.status_code == 503
    assert down.json()["checks"]["database"] == "ok"
    assert down.json()["checks"]["broker"].startswith("unavailable")


async def test_readyz_answers_503_when_postgresql_does_not(db) -> None:
    nothing_there = free_port()  # no PostgreSQL listens here: the database is down for this app
    settings = Settings(database_url=f"postgresql://postgres@127.0.0.1:{nothing_there}/mailtrail", broker_url="stub://")
    down = await readiness(settings)
    assert down.status_code == 503
    assert down.json()["checks"] == {"database": down.json()["checks"]["database"], "broker": "ok"}
    assert down.json()["checks"]["database"].startswith("unavailable")


async def test_healthz_stays_a_plain_liveness_check(client) -> None:
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
