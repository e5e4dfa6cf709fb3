"""Across processes: two API servers and a worker on Redis, each a real process; both APIs deliver every event."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.helpers import wait_healthy
from tests.e2e.sockets import FROM_THE_START, GraphQLSocket
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


@pytest.fixture
def two_apis(db: str, redis_broker) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    ports = [free_port(), free_port()]
    processes = [start_api(port) for port in ports]
    worker = start_worker(REDIS_URL)
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process in zip(urls, processes, strict=True):
            wait_healthy(url, process)
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
            await socket.subscribe(since=FROM_THE_START)
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
