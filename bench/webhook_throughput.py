"""Webhook deliveries per second, end to end, against a receiver that answers at once.

    python -m bench.webhook_throughput [--emails 300] [--events-per-email 4] [--threads 16]

The path: events committed to the audit trail (as the send path writes them) -> the fan-out
(run here, as the scheduler runs it) -> Redis -> a Dramatiq worker process (`workers.webhooks`)
-> signed HTTP POSTs -> a local receiver. Reported: deliveries per second from the first commit
to the last acknowledgement, each event's commit -> receipt time, and, as the baseline measured
in the same run, plain httpx POSTs of the same bodies to the same receiver from one process.
Every delivery is checked afterwards: one acknowledgement per webhook-id, in order per email.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.harness import ROOT, RUN_BROKER, fresh_database, percentiles, show


class Sink:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[str, float, bytes]] = []
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        server.daemon_threads = True
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with sink.lock:
                    sink.received.append((self.headers.get("webhook-id", ""), time.time(), body))
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return

        return Handler


@contextlib.contextmanager
def webhook_worker(threads: int) -> Iterator[None]:
    process = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "workers.webhooks", "--processes", "1", "--threads", str(threads)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "MAILTRAIL_BROKER_URL": RUN_BROKER},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield
    finally:
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def write_events(
    organization_id: uuid.UUID, account_id: uuid.UUID, emails: int, per_email: int, batch: bool
) -> dict[int, float]:
    """Emails and their events; seq -> commit time. One transaction per event as the send path commits
    them, or (`batch`) one per email, to build a backlog fast."""
    from domain.events import EventKind, record_event
    from domain.records import OutboundEmail
    from workers.db import session_scope

    kinds = [EventKind.CREATED, EventKind.QUEUED, EventKind.ATTEMPT, EventKind.SENT, EventKind.UPDATED][:per_email]
    committed: dict[int, float] = {}
    rows = []
    with session_scope() as session:
        for i in range(emails):
            email = OutboundEmail(
                organization_id=organization_id,
                account_id=account_id,
                from_email="b@x.test",
                to=[f"r{i}@example.com"],
                subject=f"#{i}",
            )
            session.add(email)
            rows.append(email)
    if batch:
        for email in rows:
            with session_scope() as session:
                events = [record_event(session, email, kind, "bench") for kind in kinds]
                session.flush()
            committed.update({int(e.seq or 0): time.time() for e in events})
        return committed
    for kind in kinds:
        for email in rows:
            with session_scope() as session:
                event = record_event(session, email, kind, "bench")
                session.flush()
                seq = event.seq
            committed[int(seq or 0)] = time.time()
    return committed


def wait_received(sink: Sink, count: int, within: float = 600) -> None:
    deadline = time.monotonic() + within
    while len(sink.received) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(sink.received)} of {count} deliveries arrived")
        time.sleep(0.02)


def baseline(url: str, bodies: list[bytes], threads: int) -> float:
    """Plain POSTs of the same bodies from one process: what the receiver and the machine allow."""
    import httpx

    client = httpx.Client()
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda body: client.post(url, content=body).status_code, bodies))
    return len(bodies) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=300)
    parser.add_argument("--events-per-email", type=int, default=4)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    os.environ["MAILTRAIL_QUEUE_NAMESPACE"] = f"bench{uuid.uuid4().hex[:8]}"
    os.environ["MAILTRAIL_BROKER_URL"] = RUN_BROKER
    with fresh_database("mailtrail_bench_hooks"):
        from domain.records import AccountState, MailAccount, WebhookDelivery, WebhookDeliveryState
        from domain.tokens import ensure_organization
        from domain.webhooks.endpoints import EndpointFields, create_endpoint
        from domain.webhooks.targets import TargetPolicy
        from workers import runtime
        from workers.db import session_scope
        from workers.webhooks import fanout_once

        sink = Sink()
        with session_scope() as session:
            org = ensure_organization(session, "bench")
            account = MailAccount(organization_id=org.id, email="b@x.test", state=AccountState.ACTIVE)
            session.add(account)
            session.flush()
            create_endpoint(
                session, org.id, EndpointFields(url=sink.url), TargetPolicy(False, True), runtime.cipher().encrypt
            )
            org_id, account_id = org.id, account.id
        total = args.emails * args.events_per_email
        stop = threading.Event()

        def fanout_loop() -> None:
            while not stop.is_set():
                if fanout_once() == 0:
                    stop.wait(0.05)

        with webhook_worker(args.threads):
            time.sleep(2)  # the worker process boots before the clock starts
            # 1. Drain: a backlog of events is fanned out and delivered as fast as it goes.
            write_events(org_id, account_id, args.emails, args.events_per_email, batch=True)
            fanner = threading.Thread(target=fanout_loop, daemon=True)
            started = time.time()
            fanner.start()
            wait_received(sink, total)
            drained = max(r[1] for r in sink.received) - started
            # 2. Live: events committed one by one while the fan-out runs; commit -> receipt.
            live_emails = max(1, args.emails // 4)
            committed = write_events(org_id, account_id, live_emails, args.events_per_email, batch=False)
            wait_received(sink, total + live_emails * args.events_per_email)
            stop.set()
            fanner.join()
        import json

        latencies, order = [], defaultdict(list)
        for _wid, at, body in sink.received:
            data = json.loads(body)["data"]
            seq = int(data["cursor"].rsplit("-", 1)[-1])  # the fan-out's cursor ends at the event's own seq
            order[data["emailId"]].append(datetime.fromisoformat(data["at"]))
            if seq in committed:
                latencies.append((at - committed[seq]) * 1000)
        with session_scope() as session:
            from sqlmodel import select

            states = session.exec(select(WebhookDelivery.state)).all()
        ids = {r[0] for r in sink.received}
        print(
            f"{len(sink.received)} received, {len(ids)} distinct webhook-ids, "
            f"{sum(1 for s in states if s == WebhookDeliveryState.DELIVERED)} DELIVERED of {len(states)}"
        )
        print(f"in order per email: {all(v == sorted(v) for v in order.values())}")
        rate = total / drained
        print(f"drain: {total} deliveries of {args.emails} emails in {drained:.1f}s = {rate:.0f}/s")
        show("live, commit -> receipt", percentiles(latencies))
        plain = baseline(sink.url, [r[2] for r in sink.received][:total], args.threads)
        print(f"baseline, plain POSTs of the same bodies: {plain:.0f}/s; the drain reaches {rate / plain:.0%} of it")


if __name__ == "__main__":
    main()
