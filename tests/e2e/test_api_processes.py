"""`mailtrail serve --processes N`: N API processes on one port, kept running, stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from api.processes import process_count_problem
from bench.procstat import ESTABLISHED, listening, tcp_sockets
from domain.settings import Settings
from tests.conftest import free_port, wait_for
from tests.e2e.helpers import wait_healthy
from tests.e2e.sockets import GraphQLSocket
from tests.e2e.test_real_brokers import REDIS_URL, ROOT, kill
from tests.e2e.test_shutdown import SERVICE_RESTART
from tests.factories import make_tenant

CREATE = """mutation($i: DraftInput!) { createDraft(input: $i) { ... on DraftSaved { outboundEmail { id } } } }"""


@pytest.fixture
def served(db: str, redis_broker) -> Iterator[tuple[str, int, subprocess.Popen[bytes]]]:  # type: ignore[no-untyped-def]
    port = free_port()
    env = {**os.environ, "MAILTRAIL_BROKER_URL": REDIS_URL, "PYTHONPATH": str(ROOT), "MAILTRAIL_METRICS_PORT": "0"}
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--processes", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, supervisor)
        wait_for(lambda: len(listening(supervisor.pid, port)) == 2, timeout=30)
        yield url, port, supervisor
    finally:
        if supervisor.poll() is None:
            kill(supervisor)


async def test_both_processes_take_connections_and_every_subscriber_sees_a_change(served) -> None:  # type: ignore[no-untyped-def]
    url, port, supervisor = served
    tenant = make_tenant()
    sockets = [GraphQLSocket(url) for _ in range(24)]
    try:
        for socket in sockets:
            assert (await socket.open(tenant.token))["type"] == "connection_ack"
            await socket.subscribe()
        held = [tcp_sockets(pid, port, ESTABLISHED) for pid in listening(supervisor.pid, port)]
        assert len(held) == 2 and sum(held) == 24
        assert min(held) > 0, f"one process took every connection: {held}"  # 2**-23 by chance
        # Each process counts its own; whichever is scraped sums them all (prometheus multiprocess mode).
        wait_for(lambda: "\nmailtrail_open_subscriptions 24.0\n" in httpx.get(url + "/metrics", timeout=10).text)
        async with httpx.AsyncClient(base_url=url, timeout=10) as api:
            response = await api.post(
                "/graphql",
                json={
                    "query": CREATE,
                    "variables": {
                        "i": {"accountId": str(tenant.account_id), "to": ["x@example.com"], "subject": "All"}
                    },
                },
                headers={"Authorization": f"Bearer {tenant.token}"},
            )
        assert "errors" not in response.json(), response.text
        email_id = response.json()["data"]["createDraft"]["outboundEmail"]["id"]
        for socket in sockets:
            update = await socket.next_update(within=15)
            assert (update["emailId"], update["event"]) == (email_id, "created")
    finally:
        for socket in sockets:
            await socket.close()


async def test_sigterm_closes_every_processs_websockets_with_service_restart(served) -> None:  # type: ignore[no-untyped-def]
    url, port, supervisor = served
    tenant = make_tenant()
    sockets = [GraphQLSocket(url) for _ in range(8)]
    for socket in sockets:
        assert (await socket.open(tenant.token))["type"] == "connection_ack"
        await socket.subscribe()
    assert all(tcp_sockets(pid, port, ESTABLISHED) for pid in listening(supervisor.pid, port))
    supervisor.send_signal(signal.SIGTERM)
    for socket in sockets:  # clients reconnect and resume from their cursor on whichever process they reach
        with pytest.raises(ConnectionClosed, match=str(SERVICE_RESTART)) as closed:
            await socket.receive(within=15)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == SERVICE_RESTART
    assert supervisor.wait(timeout=30) == 0


def test_a_process_that_dies_is_replaced_and_sigterm_stops_them_all(served) -> None:  # type: ignore[no-untyped-def]
    url, port, supervisor = served
    first, second = listening(supervisor.pid, port)
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: len(set(listening(supervisor.pid, port)) - {first, second}) == 1, timeout=30)
    assert second in listening(supervisor.pid, port)
    for _ in range(10):  # whichever process the kernel picks answers
        assert httpx.get(url + "/healthz", headers={"Connection": "close"}, timeout=5).status_code == 200
    children = listening(supervisor.pid, port)
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=30) == 0
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]


@pytest.mark.parametrize(
    ("changes", "count", "problem"),
    [
        ({}, 1, None),
        ({"embedded": True}, 1, None),
        ({"embedded": True, "broker_url": "stub://"}, 2, "embedded mode"),
        ({"rate_limit_storage_url": "memory://"}, 2, "shared rate-limit counters"),
        ({"broker_url": "amqp://guest:guest@127.0.0.1:5672/"}, 2, "shared rate-limit counters"),
        ({"broker_url": "amqp://guest:guest@127.0.0.1:5672/", "rate_limit_storage_url": "redis://r:6379/1"}, 2, None),
        ({"broker_url": "redis://r:6379/0"}, 4, None),
        ({"broker_url": "redis://r:6379/0", "port": 0}, 2, "cannot be 0"),
        ({}, 0, "at least 1"),
    ],
)
def test_settings_that_cannot_run_several_processes_say_why(changes, count, problem) -> None:  # type: ignore[no-untyped-def]
    settings = Settings().model_copy(update=changes)
    found = process_count_problem(settings, count)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_serve_refuses_a_process_count_below_one_and_starts_nothing(capsys) -> None:  # type: ignore[no-untyped-def]
    from api.cli import main

    assert main(["serve", "--port", str(free_port()), "--processes", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err
