"""How late scheduled emails go out: planned time -> queued, and planned time -> SENT.

    python -m bench.scheduler_lateness [--emails 600] [--spread 20] [--schedulers 2]

Drafts of 20 accounts are scheduled at random moments over the next `spread` seconds. Real
processes do the rest: `mailtrail scheduler` (several, to show they share the work through
`FOR UPDATE SKIP LOCKED`), Dramatiq workers on Redis, and the Gmail emulator answering at once.
The target: an email goes out within 2 seconds of its planned time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta

from bench.harness import (
    ROOT,
    RUN_BROKER,
    percentiles,
    sending_world,
    show,
    wait_all_sent,
    worker_processes,
)


@contextlib.contextmanager
def schedulers(count: int) -> Iterator[None]:
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "api.cli", "scheduler"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)


def schedule(org_id: uuid.UUID, accounts: list[uuid.UUID], count: int, spread: float) -> list[uuid.UUID]:
    from domain.drafts import DraftFields, Limits, create_draft, schedule_draft
    from domain.records import utcnow
    from workers.db import session_scope

    with session_scope() as session:
        ids = [
            create_draft(
                session,
                org_id,
                DraftFields(account_id=accounts[n % len(accounts)], to=[f"r{n}@example.com"], subject=f"#{n}"),
                "bench",
                Limits(),
            ).id
            for n in range(count)
        ]
    start = utcnow() + timedelta(seconds=5)  # the plans commit before the first comes due
    with session_scope() as session:
        for email_id in ids:
            schedule_draft(session, org_id, email_id, start + timedelta(seconds=random.uniform(0, spread)), "bench")
    return ids


def lateness(ids: list[uuid.UUID]) -> tuple[list[float], list[float]]:
    from sqlmodel import col, select

    from domain.records import OutboundEmail, OutboundEmailEvent
    from workers.db import session_scope

    with session_scope() as session:
        planned = dict(
            session.exec(
                select(OutboundEmail.id, OutboundEmail.planned_send_at).where(col(OutboundEmail.id).in_(ids))
            ).all()
        )
        sent = dict(
            session.exec(select(OutboundEmail.id, OutboundEmail.sent_at).where(col(OutboundEmail.id).in_(ids))).all()
        )
        queued = dict(
            session.exec(
                select(OutboundEmailEvent.email_id, OutboundEmailEvent.at).where(
                    col(OutboundEmailEvent.email_id).in_(ids), OutboundEmailEvent.kind == "queued"
                )
            ).all()
        )
    to_queue = [(queued[i] - planned[i]).total_seconds() * 1000 for i in ids]
    to_sent = [(sent[i] - planned[i]).total_seconds() * 1000 for i in ids]  # type: ignore[operator]
    return to_queue, to_sent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emails", type=int, default=600)
    parser.add_argument("--spread", type=float, default=20.0, help="seconds over which the sends are planned")
    parser.add_argument("--schedulers", type=int, default=2)
    args = parser.parse_args(argv)

    with sending_world(RUN_BROKER, 20) as world:
        org_id, accounts = world.organization_id, world.accounts
        with worker_processes(RUN_BROKER), schedulers(args.schedulers):
            ids = schedule(org_id, accounts, args.emails, args.spread)
            wait_all_sent(ids, timeout=args.spread + 120)
        to_queue, to_sent = lateness(ids)
    from domain.settings import get_settings

    interval = get_settings().scheduler_interval_seconds
    print(
        f"{args.emails} drafts planned over {args.spread:.0f}s, {args.schedulers} schedulers "
        f"(interval {interval}s), workers on Redis, 20 accounts"
    )
    show("planned -> queued", percentiles(to_queue))
    show("planned -> SENT  ", percentiles(to_sent))
    late = sum(1 for v in to_sent if v > 2000)
    print(f"sent more than 2 s late: {late} of {len(to_sent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
