"""What OpenTelemetry tracing costs on a page of 100 emails, measured against tracing off in the same run.

    python -m bench.tracing_overhead [--rounds 200]

Two `mailtrail serve` processes on one database, one with MAILTRAIL_TRACING=true exporting every
span over OTLP/HTTP to a local collector stand-in (a sink that answers 200), one without. Each
round asks both for the same `outboundEmails(first: 100)` page (with each email's account and
audit trail), in alternating order, so load and noise fall on both alike. Reported: latency
percentiles of each and the ratios.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from bench.harness import UNLIMITED, api_process, free_port, fresh_database, percentiles, show

PAGE = """{ outboundEmails(first: 100) { totalCount edges { node { id status subject to createdAt
  account { email } events { kind at } } } } }"""


class Collector:
    """Accepts OTLP/HTTP exports and counts them."""

    def __init__(self) -> None:
        self.exports = 0
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                collector.exports += 1
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True).start()


def seed(emails: int) -> str:
    from domain.events import EventKind, record_event
    from domain.records import AccountState, MailAccount, OutboundEmail
    from domain.tokens import ensure_organization, issue_token
    from workers.db import session_scope

    with session_scope() as session:
        org = ensure_organization(session, "bench")
        token = issue_token(session, org.id, name="bench")
        account = MailAccount(organization_id=org.id, email="b@x.test", state=AccountState.ACTIVE)
        session.add(account)
        session.flush()
        for i in range(emails):
            email = OutboundEmail(
                organization_id=org.id,
                account_id=account.id,
                from_email="b@x.test",
                to=[f"r{i}@example.com"],
                subject=f"Invoice #{i}",
            )
            session.add(email)
            session.flush()
            for kind in (EventKind.CREATED, EventKind.QUEUED, EventKind.ATTEMPT, EventKind.SENT):
                record_event(session, email, kind, "bench")
    return token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    os.environ["MAILTRAIL_BROKER_URL"] = "stub://"
    os.environ["MAILTRAIL_QUEUE_NAMESPACE"] = f"bench{uuid.uuid4().hex[:8]}"
    with fresh_database("mailtrail_bench_tracing"):
        token = seed(100)
        collector = Collector()
        traced_env = {
            "MAILTRAIL_TRACING": "true",
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
            "OTEL_BSP_SCHEDULE_DELAY": "500",
            **UNLIMITED,
        }
        with api_process(free_port(), **UNLIMITED) as plain, api_process(free_port(), **traced_env) as traced:
            headers = {"Authorization": f"Bearer {token}"}
            timings: dict[str, list[float]] = {"off": [], "on": []}
            with httpx.Client(headers=headers, timeout=30) as http:

                def ask(url: str) -> float:
                    started = time.perf_counter()
                    response = http.post(url + "/graphql", json={"query": PAGE})
                    elapsed = (time.perf_counter() - started) * 1000
                    body = response.json()
                    assert response.status_code == 200, body
                    assert len(body["data"]["outboundEmails"]["edges"]) == 100, body
                    return elapsed

                for _ in range(20):  # warm both up (caches, JIT of the schema, pools)
                    ask(plain)
                    ask(traced)
                for i in range(args.rounds):
                    order = [("off", plain), ("on", traced)] if i % 2 == 0 else [("on", traced), ("off", plain)]
                    for name, url in order:
                        timings[name].append(ask(url))
            time.sleep(1.5)  # the last batch of spans is exported
        off, on = percentiles(timings["off"]), percentiles(timings["on"])
        show("tracing off", off)
        show("tracing on ", on)
        print(
            f"ratio on/off: p50 {on['p50'] / off['p50']:.2f}  p90 {on['p90'] / off['p90']:.2f}  "
            f"mean {on['mean'] / off['mean']:.2f}; {collector.exports} OTLP exports received"
        )


if __name__ == "__main__":
    main()
