"""Graceful shutdown: `serve` closes WebSockets with 1012 (reconnect), a worker finishes its send first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from websockets.exceptions import ConnectionClosed

from domain.records import OutboundEmail
from tests.conftest import free_port, wait_for
from tests.e2e.helpers import sent_copies, wait_healthy
from tests.e2e.sockets import GraphQLSocket
from tests.e2e.test_real_brokers import REDIS_URL, ROOT, enqueue, kill, queue_emails
from tests.factories import make_connected_tenant, make_tenant
from workers.db import session_scope

SERVICE_RESTART = 1012


def spawn(*command: str, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", *command],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "MAILTRAIL_METRICS_PORT": "0", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


async def test_serve_closes_websockets_with_service_restart_on_sigterm(db: str) -> None:
    tenant = make_tenant()
    port = free_port()
    server = spawn("serve", "--port", str(port))
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, server)
        socket = GraphQLSocket(url)
        assert (await socket.open(tenant.token))["type"] == "connection_ack"
        await socket.subscribe()
        server.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed, match=str(SERVICE_RESTART)) as closed:
            await socket.receive(within=15)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == SERVICE_RESTART
        assert server.wait(timeout=30) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once done
    finally:
        if server.poll() is None:
            kill(server)


def test_a_worker_told_to_stop_finishes_the_send_it_holds(db: str, gmail, redis_broker) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    gmail.queue_fault("messages.send", kind="delay", seconds=1.5)  # the send is in flight when SIGTERM comes
    worker = spawn("worker", MAILTRAIL_BROKER_URL=REDIS_URL)
    try:
        (email_id,) = queue_emails(tenant, 1)
        enqueue(redis_broker, [email_id])

        def claimed() -> bool:
            with session_scope() as session:
                row = session.get(OutboundEmail, email_id)
                return row is not None and row.attempt_token is not None

        wait_for(claimed, timeout=30, interval=0.01)
        worker.send_signal(signal.SIGTERM)  # as `docker stop` does: to the main process only
        assert worker.wait(timeout=60) == 0
        with session_scope() as session:
            row = session.get(OutboundEmail, email_id)
            assert row is not None and row.status.value == "SENT" and row.attempt_token is None
        assert len(sent_copies(gmail, tenant.account_email, str(email_id))) == 1
    finally:
        if worker.poll() is None:
            kill(worker)
