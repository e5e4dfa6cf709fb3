"""The send path: CPU per email of API + worker + PostgreSQL, against a bare client loop.

- mailtrail: `sendEmail` mutations over HTTP to the API process, a Dramatiq worker process on
  Redis, google-api-python-client to the emulator; CPU time of the API process, the worker
  processes and this database's PostgreSQL backends, from the first mutation until the last email
  is SENT. The workers' idle polling (measured just before, for as long) is subtracted and
  reported apart. The benchmark's own polling for SENT (bench.harness.wait_all_sent, a backend
  named `OBSERVER`) is not Mailtrail's: its backend's CPU is reported apart, never added in.
- bare: one thread building a small MIME message with the standard library and calling
  `users.messages.send` through google-api-python-client against the same emulator, in a loop;
  that thread's CPU time. The emulator's own CPU counts in neither.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import httpx
import psycopg

from bench.harness import OBSERVER, World, observer, wait_all_sent
from bench.procstat import CpuMeter, descendants

SEND = """mutation($i: SendEmailInput!) { sendEmail(input: $i) {
  __typename ... on EmailQueued { outboundEmail { id } } ... on MutationError { code message } } }"""


@dataclass
class SendBatch:
    cpu_per_email: float
    idle_share: float
    """Of the CPU measured, the share the processes would have spent idle over the same time."""
    parts: dict[str, float]
    """CPU seconds per email by process group (api, worker, postgres), idle time included."""
    observer: float
    """CPU seconds per email of the backend serving the benchmark's own poll (not in the above)."""


def backends(conninfo: str, observer: bool = False) -> list[int]:
    """This database's backends serving Mailtrail (with `observer`: the benchmark's own poll)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND (application_name = %(name)s) = %(observer)s",
            {"name": OBSERVER, "observer": observer},
        ).fetchall()
    return [int(pid) for (pid,) in rows]


def working_pids(api_pid: int, worker_pid: int, conninfo: str) -> list[int]:
    return [*descendants(api_pid), *descendants(worker_pid), *backends(conninfo)]


async def fire(url: str, token: str, accounts: list[uuid.UUID], count: int, concurrency: int = 8) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as http:

        async def one(n: int) -> None:
            async with gate:
                variables = {
                    "i": {
                        "accountId": str(accounts[n % len(accounts)]),
                        "to": [f"r{n}@example.com"],
                        "subject": f"Invoice {n}",
                        "bodyText": "Hello",
                    }
                }
                body = (await http.post("/graphql", json={"query": SEND, "variables": variables})).json()
                result = body["data"]["sendEmail"]
                if result["__typename"] != "EmailQueued":
                    raise RuntimeError(f"sendEmail refused: {result}")
                ids.append(uuid.UUID(result["outboundEmail"]["id"]))

        await asyncio.gather(*(one(n) for n in range(count)))
    return ids


def groups(api_pid: int, worker_pid: int, conninfo: str) -> dict[str, list[int]]:
    return {"api": descendants(api_pid), "worker": descendants(worker_pid), "postgres": backends(conninfo)}


def mailtrail_batch(world: World, url: str, api_pid: int, worker_pid: int, conninfo: str, n: int) -> SendBatch:
    meter = CpuMeter()
    meter.start(working_pids(api_pid, worker_pid, conninfo))
    by_group = {name: CpuMeter() for name in ("api", "worker", "postgres")}
    for name, pids in groups(api_pid, worker_pid, conninfo).items():
        by_group[name].start(pids)
    with observer() as poll:
        watcher = CpuMeter()
        watcher.start(backends(conninfo, observer=True))
        started = time.monotonic()
        ids = asyncio.run(fire(url, world.token, world.accounts, n))
        wait_all_sent(ids, timeout=300, conn=poll)
        elapsed = time.monotonic() - started
        polling = watcher.stop(backends(conninfo, observer=True)) / n
    busy = meter.stop(working_pids(api_pid, worker_pid, conninfo))
    parts = {name: by_group[name].stop(pids) / n for name, pids in groups(api_pid, worker_pid, conninfo).items()}
    meter.start(working_pids(api_pid, worker_pid, conninfo))
    time.sleep(min(elapsed, 3.0))
    idle = meter.stop(working_pids(api_pid, worker_pid, conninfo)) * elapsed / min(elapsed, 3.0)
    idle = min(idle, busy * 0.5)  # a noisy idle sample must not swallow the measurement
    return SendBatch((busy - idle) / n, idle / busy if busy else 0.0, parts, polling)


def bare_batch(world: World, n: int) -> float:
    """CPU seconds per email of a plain google-api-python-client loop (its own thread)."""
    import httplib2
    from google.oauth2.credentials import Credentials
    from google_auth_httplib2 import AuthorizedHttp
    from googleapiclient.discovery import build

    from domain.settings import get_settings

    address = world.addresses[0]
    access, _refresh = world.gmail.issue_token(address, list(get_settings().oauth_scopes))
    result: dict[str, Any] = {}

    def loop() -> None:
        http = AuthorizedHttp(Credentials(token=access), http=httplib2.Http(timeout=30))  # type: ignore[no-untyped-call]
        service = build(
            "gmail",
            "v1",
            http=http,
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": get_settings().gmail_api_url},
        )
        started = time.thread_time()
        for i in range(n):
            message = EmailMessage()
            message["From"] = address
            message["To"] = f"r{i}@example.com"
            message["Subject"] = f"Invoice {i}"
            message["Message-ID"] = f"<{uuid.uuid4()}@mailtrail.test>"
            message.set_content("Hello")
            raw = base64.urlsafe_b64encode(message.as_bytes(policy=SMTP)).decode()
            service.users().messages().send(userId="me", body={"raw": raw}).execute()
        result["cpu"] = time.thread_time() - started

    thread = threading.Thread(target=loop)
    thread.start()
    thread.join()
    return float(result["cpu"]) / n
