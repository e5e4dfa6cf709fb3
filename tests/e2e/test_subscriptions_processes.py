"""Across processes: two API servers and a worker on Redis, each a real process; both APIs deliver every event."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.sockets import GraphQLSocket
from tests.e2e.test_real_brokers import REDIS_URL, ROOT, kill, start_worker
from tests.factories import Tenant, make_connected_tenant

SEND = """mutation($input: SendEmailInput!) { sendEmail(input: $input) {
  __typename ... on EmailQueued { outboundEmail { id } } } }"""


def start_api(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MAILTRAIL_BROKER_URL": REDIS_URL, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise AssertionError(f"{url} did not start")


@pytest.fixture
def two_apis(db: str, redis_broker) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    ports = [free_port(), free_port()]
    processes = [start_api(port) for port in ports]
    worker = start_worker(REDIS_URL)
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url in urls:
            wait_healthy(url)
        yield urls
    finally:
        for process in [*processes, worker]:
            kill(process)


async def test_two_api_processes_both_deliver_every_event_from_a_worker_process(two_apis, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant: Tenant = make_connected_tenant(gmail)
    sockets = [GraphQLSocket(url) for url in two_apis]
    try:
        for socket in sockets:
            assert (await socket.open(tenant.token))["type"] == "connection_ack"
            await socket.subscribe()
        await asyncio.sleep(0.5)
        async with httpx.AsyncClient(base_url=two_apis[0], timeout=10) as api:
            response = await api.post(
                "/graphql",
                json={
                    "query": SEND,
                    "variables": {
                        "input": {"accountId": str(tenant.account_id), "to": ["x@example.com"], "subject": "Across"}
                    },
                },
                headers={"Authorization": f"Bearer {tenant.token}"},
            )
        email_id = response.json()["data"]["sendEmail"]["outboundEmail"]["id"]
        streams = [await socket.updates_until(lambda u: u["event"] == "sent", within=30) for socket in sockets]
        for updates in streams:
            assert [(u["emailId"], u["event"]) for u in updates] == [
                (email_id, "created"),
                (email_id, "queued"),
                (email_id, "attempt"),
                (email_id, "sent"),
            ]
            assert updates[-1]["outboundEmail"]["status"] == "SENT"
    finally:
        for socket in sockets:
            await socket.close()
