"""Latency from commit to client, with 1,000 concurrent GraphQL subscribers.

    python -m bench.subscription_latency [--subscribers 1000] [--events 2000] [--rate 200]

An API server runs in its own process (uvicorn, PostgreSQL LISTEN/NOTIFY). This process opens
N WebSockets (graphql-transport-ws), each authenticated and subscribed to one email of its own,
the way a frontend watches an invoice's email. A writer thread commits changes to random emails
at a steady rate through the domain code (as a worker would) and notes each commit's time; each
client notes when the update arrives. Reported: commit-to-client latency percentiles.

A second phase measures the worst case, a broadcast: every subscriber watches the whole
organization and each change reaches all N of them; the figure is the time until the last one has it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from bench.harness import UNLIMITED, api_process, free_port, fresh_database, percentiles, show

QUERY = """subscription($id: ID) { outboundEmailUpdates(id: $id) { event emailId outboundEmail { subject status } } }"""


async def open_subscriber(url: str, token: str, email_id: str | None, inbox: Any) -> Any:
    from websockets.asyncio.client import connect

    ws = await connect(url, subprotocols=["graphql-transport-ws"], max_queue=None)  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    variables = {"id": email_id} if email_id else {}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": QUERY, "variables": variables}}))

    async def read() -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message.get("type") == "next":
                update = message["payload"]["data"]["outboundEmailUpdates"]
                inbox(update["emailId"], update["outboundEmail"]["subject"], time.time())

    return ws, asyncio.create_task(read())


def seed(count: int) -> tuple[str, uuid.UUID, uuid.UUID, list[uuid.UUID]]:
    from domain.drafts import DraftFields, Limits, create_draft
    from domain.records import AccountState, MailAccount
    from domain.tokens import ensure_organization, issue_token
    from workers.db import session_scope

    with session_scope() as session:
        org = ensure_organization(session, "bench")
        token = issue_token(session, org.id, name="bench")
        account = MailAccount(organization_id=org.id, email="bench@mailtrail.test", state=AccountState.ACTIVE)
        session.add(account)
        session.flush()
        ids = [
            create_draft(
                session,
                org.id,
                DraftFields(account_id=account.id, to=["a@example.com"], subject="v0"),
                "bench",
                Limits(),
            ).id
            for _ in range(count)
        ]
        return token, org.id, account.id, ids


def writer(org_id: uuid.UUID, ids: list[uuid.UUID], events: int, rate: float) -> dict[Any, float]:
    """Commit `events` subject changes at `rate` per second, each in its own transaction.

    Runs in its own process (a worker's place), so that its CPU does not slow the clients down;
    emails are taken in shuffled rounds, so that one email changes at most once per round.
    """
    from domain.drafts import Limits, update_draft
    from workers.db import session_scope

    order = [*ids]
    random.shuffle(order)
    committed: dict[Any, float] = {}
    interval = 1.0 / rate
    start = time.time()
    for n in range(events):
        email_id = order[n % len(order)]
        subject = f"v{n + 1}"
        with session_scope() as session:
            update_draft(session, org_id, email_id, {"subject": subject}, "bench", Limits())
        committed[(str(email_id), subject)] = time.time()
        delay = start + (n + 1) * interval - time.time()
        if delay > 0:
            time.sleep(delay)
    return committed


async def run(subscribers: int, events: int, rate: float, broadcasts: int) -> dict[str, Any]:
    token, org_id, _account, ids = seed(subscribers)
    port = free_port()
    results: dict[str, Any] = {}
    with api_process(port, MAILTRAIL_SUBSCRIPTION_QUEUE_SIZE="10000", **UNLIMITED) as url:
        ws_url = url.replace("http", "ws") + "/graphql"
        received: dict[Any, float] = {}

        def inbox(email_id: str, subject: str, at: float) -> None:
            received[(email_id, subject)] = at

        opened = []
        for i in range(0, subscribers, 100):  # connect in waves, as real clients would
            opened += await asyncio.gather(*(open_subscriber(ws_url, token, str(e), inbox) for e in ids[i : i + 100]))
        await asyncio.sleep(1.0)
        started = time.time()
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            committed = await asyncio.get_running_loop().run_in_executor(pool, writer, org_id, ids, events, rate)
        wrote = time.time() - started
        await asyncio.sleep(2.0)
        latencies = [(received[k] - t) * 1000 for k, t in committed.items() if k in received]
        results["targeted"] = percentiles(latencies)
        results["targeted_missing"] = sum(1 for k in committed if k not in received)
        results["write_rate"] = events / wrote
        for ws, task in opened:
            task.cancel()
            await ws.close()

        # Broadcast: every subscriber hears every change.
        arrivals: dict[str, list[float]] = {}
        everyone: dict[str, asyncio.Event] = {}

        def broadcast_inbox(email_id: str, subject: str, at: float) -> None:
            got = arrivals.setdefault(subject, [])
            got.append(at)
            if len(got) == subscribers:
                everyone.setdefault(subject, asyncio.Event()).set()

        opened = []
        for i in range(0, subscribers, 100):
            opened += await asyncio.gather(
                *(open_subscriber(ws_url, token, None, broadcast_inbox) for _ in range(min(100, subscribers - i)))
            )
        await asyncio.sleep(1.0)
        firsts, lasts = [], []
        from domain.drafts import Limits, update_draft
        from workers.db import session_scope

        for n in range(broadcasts):
            subject = f"b{n}"

            def commit(subject: str = subject) -> float:
                with session_scope() as session:
                    update_draft(session, org_id, ids[0], {"subject": subject}, "bench", Limits())
                return time.time()

            done = everyone.setdefault(subject, asyncio.Event())
            at = await asyncio.to_thread(commit)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), 10)
            got = arrivals.get(subject, [])
            if got:
                firsts.append((min(got) - at) * 1000)
                lasts.append((max(got) - at) * 1000)
            await asyncio.sleep(0.3)
        results["broadcast_first"] = percentiles(firsts)
        results["broadcast_last"] = percentiles(lasts)
        for ws, task in opened:
            task.cancel()
            await ws.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="changes committed per second")
    parser.add_argument("--broadcasts", type=int, default=20)
    args = parser.parse_args(argv)
    os.environ["MAILTRAIL_BROKER_URL"] = "stub://"
    with fresh_database():
        results = asyncio.run(run(args.subscribers, args.events, args.rate, args.broadcasts))
    print(f"{args.subscribers} subscribers, {args.events} changes at {results['write_rate']:.0f}/s")
    show("commit -> client, each subscriber watching its own email", results["targeted"])
    print(f"updates missing: {results['targeted_missing']}")
    show(f"broadcast to all {args.subscribers}: first client", results["broadcast_first"])
    show(f"broadcast to all {args.subscribers}: last client", results["broadcast_last"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
