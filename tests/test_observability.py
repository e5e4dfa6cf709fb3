"""Logs carry their context, the CLI makes keys and checks heartbeats, a trace crosses into the worker."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from cryptography.fernet import Fernet

from tests.conftest import wait_for
from tests.e2e.helpers import send, status_is
from tests.factories import make_connected_tenant, make_tenant
from workers import logs


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The root logger writing JSON lines to a buffer for the test, then as it was."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    buffer = io.StringIO()
    logs.configure_logging("INFO", "json", buffer)
    yield buffer
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved:
        root.addHandler(handler)
    root.setLevel(level)


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


async def test_a_request_logs_json_with_its_request_id_and_organization(settings, json_logs) -> None:
    from api.app import create_app
    from api.observability import wrap

    app = create_app(settings)
    tenant = make_tenant()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=wrap(app, settings)), base_url="http://t") as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ mailAccounts { id nope } }"},  # a client error strawberry logs
            headers={"Authorization": f"Bearer {tenant.token}", "X-Request-ID": "req-42"},
        )
        assert response.headers["x-request-id"] == "req-42"
        fresh = await http.get("/healthz")
        assert len(fresh.headers["x-request-id"]) == 32  # one is made when none is given
    await app.state.services.engine.dispose()
    logged = [line for line in lines(json_logs) if line.get("request_id") == "req-42"]
    assert logged, json_logs.getvalue()
    assert logged[0]["organization_id"] == str(tenant.organization_id)
    assert {"ts", "level", "logger", "message"} <= set(logged[0])


async def test_a_workers_lines_carry_the_email_it_sends(client, gmail, worker, json_logs) -> None:
    import workers.broker  # noqa: F401 - the broker, with the observability middleware

    tenant = make_connected_tenant(gmail)
    result = await send(client, tenant.token, accountId=str(tenant.account_id), to=["a@example.com"], subject="Hi")
    email_id = result["outboundEmail"]["id"]
    wait_for(status_is(email_id, "SENT"))
    wait_for(lambda: any(line.get("logger") == "mailtrail.actors" for line in lines(json_logs)))
    sent = [line for line in lines(json_logs) if line.get("logger") == "mailtrail.actors"]
    assert sent[-1]["email_id"] == email_id


def test_keys_generate_prints_a_valid_fernet_key() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILTRAIL_")}
    out = subprocess.run(
        [sys.executable, "-m", "api.cli", "keys", "generate"], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    key = Fernet(out.encode())
    assert key.decrypt(key.encrypt(b"credentials")) == b"credentials"


def test_liveness_reads_the_heartbeat_age(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "MAILTRAIL_HEARTBEAT_DIR": str(tmp_path)}

    def check(role: str) -> int:
        return subprocess.run(
            [sys.executable, "-m", "api.cli", "liveness", role], env=env, capture_output=True
        ).returncode

    assert check("worker") == 1
    (tmp_path / "mailtrail-worker.alive").touch()
    assert check("worker") == 0
    os.utime(tmp_path / "mailtrail-worker.alive", (0, 0))
    assert check("worker") == 1
    assert check("scheduler") == 1


def test_a_worker_process_logs_at_the_configured_level_not_dramatiqs(json_logs) -> None:  # type: ignore[no-untyped-def]
    """Dramatiq's command line sets its processes' root logger to INFO; the boot hook puts ours back."""
    logs.reformat_existing("json", "WARNING")
    logging.getLogger("mailtrail.actors").info("send x: sent")
    logging.getLogger("mailtrail.actors").warning("send y: failed")
    assert [line["message"] for line in lines(json_logs)] == ["send y: failed"]


def test_a_process_that_loads_only_the_send_actors_boots_with_our_logging() -> None:
    """`dramatiq workers.actors` (no webhook actors) once ran without the observability
    middleware: its sends logged at INFO in Dramatiq's format whatever the settings said."""
    boot = (
        "import logging, workers.actors\n"
        "from workers.broker import broker\n"
        "logging.basicConfig(level=logging.INFO)\n"  # what Dramatiq's command line does first
        "broker.emit_after('process_boot')\n"  # what each Dramatiq worker process then does
        "logging.getLogger('mailtrail.actors').info('send x: sent')\n"
        "logging.getLogger('mailtrail.actors').warning('send y: failed')\n"
    )
    env = {
        **os.environ,
        "MAILTRAIL_BROKER_URL": "stub://",
        "MAILTRAIL_LOG_LEVEL": "WARNING",
        "MAILTRAIL_LOG_FORMAT": "json",
    }
    done = subprocess.run(
        [sys.executable, "-c", boot], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    logged = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]  # ours: JSON
    # (the stub broker booted once already when built: Dramatiq's TimeLimit complains at the second boot)
    ours = [(line["logger"], line["message"]) for line in logged if line["logger"].startswith("mailtrail")]
    assert ours == [("mailtrail.actors", "send y: failed")]
