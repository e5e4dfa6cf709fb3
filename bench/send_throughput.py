"""Sends per second, end to end, at zero Gmail latency.

    python -m bench.send_throughput [--emails 1000] [--concurrency 20] [--processes 2] [--threads 8]

The whole path, each part a real process: `sendEmail` mutations over HTTP to an API server
(uvicorn) -> PostgreSQL -> Redis -> Dramatiq workers (`mailtrail worker`) ->
google-api-python-client -> the Gmail emulator (answering at once, in this process). Reported:
mutations accepted per second, emails SENT per second, and each email's time from acceptance
to SENT. The emulator's Sent folder is checked afterwards: every email exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections import Counter

from bench.harness import (
    RUN_BROKER,
    UNLIMITED,
    api_process,
    free_port,
    percentiles,
    sending_world,
    show,
    wait_all_sent,
    worker_processes,
)
from bench.ratio_send import fire  # one sendEmail firing loop for both send benchmarks


def acceptance_to_sent(ids: list[uuid.UUID]) -> list[float]:
    from sqlmodel import col, select

    from domain.records import OutboundEmail
    from workers.db import session_scope

    with session_scope() as session:
        rows = session.exec(
            select(OutboundEmail.created_at, OutboundEmail.sent_at).where(col(OutboundEmail.id).in_(ids))
        ).all()
    return [(sent - created).total_seconds() * 1000 for created, sent in rows if sent is not None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--accounts",
        type=int,
        default=20,
        help="sending accounts (Gmail allows one account 2.5 sends/s; claims of one account are serialised)",
    )
    args = parser.parse_args(argv)

    with sending_world(RUN_BROKER, args.accounts) as world:
        gmail, token, addresses, accounts = world.gmail, world.token, world.addresses, world.accounts
        with api_process(free_port(), **UNLIMITED) as url, worker_processes(RUN_BROKER, args.processes, args.threads):
            warm = asyncio.run(fire(url, token, accounts, 20, 5))
            wait_all_sent(warm)
            started = time.time()
            ids = asyncio.run(fire(url, token, accounts, args.emails, args.concurrency))
            accepted = time.time()
            finished = wait_all_sent(ids)
        copies = Counter(m.header("X-Mailtrail-Id") for a in addresses for m in gmail.messages(a, "SENT"))
        wanted = {str(i) for i in [*warm, *ids]}
        if set(copies) != wanted or max(copies.values()) != 1:
            raise RuntimeError("an email was lost or sent twice")
        latencies = acceptance_to_sent(ids)
    print(
        f"{args.emails} emails from {args.accounts} accounts, {args.concurrency} concurrent clients, "
        f"worker: {args.processes} processes x {args.threads} threads, Redis broker, PostgreSQL"
    )
    print(f"accepted (sendEmail): {args.emails / (accepted - started):.0f}/s")
    print(
        f"sent end to end:      {args.emails / (finished - started):.0f}/s "
        f"({finished - started:.1f}s for {args.emails}); every email in Sent exactly once"
    )
    show("acceptance -> SENT", percentiles(latencies))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
