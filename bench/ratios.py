"""Every path against its baseline, in the same run, interleaved: the figures of issue 16.

    python -m bench.ratios [--quick] [--only page,send,live]

Seeds what it needs (its own PostgreSQL database, dropped after; broker queues in a namespace of
its own; the Gmail emulator in this process), then runs, in rounds that alternate each path with
its baseline:

| path | baseline |
|---|---|
| 100-email page (bounceDetails, events, recipients): API CPU | graphql-core over dicts (the floor); raw psycopg |
| the same page, largest organization vs smallest | |
| sendEmail -> SENT: CPU of API + worker + PostgreSQL per email | bare google-api-python-client send loop |
| one change to 1,000 subscribers: last delivery | the same change to 1 subscriber |
| the same change's fan-out (last - single) | bare processes writing the frame to 1,000 sockets |
| 5,000 subscribers, one email each: p99 commit -> client | raw LISTEN p99 on the same commits |
| resident memory per open subscription | |

The machine is shared: every figure is a ratio to a baseline measured alongside it, reported as
the median over rounds with the range seen. The last line printed is one JSON object.
`--quick` (sizes 10k and 100k, fewer rounds) finishes in under five minutes on two cores.
A send round is 100 emails with `--quick`, 300 in the full run: CPU is read in clock ticks of 10 ms
from each of a dozen processes (API, worker, PostgreSQL backends), so 30 emails gave a resolution
of a third of a millisecond per email per process, and rounds of 30 or 80 scattered by more than
the differences measured. `BENCH_SENDS=N` sends N emails per round instead. The benchmark's own
poll for SENT is not counted (bench.ratio_send): its backend's CPU is reported apart.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import statistics
from dataclasses import dataclass
from typing import Any

import httpx

from bench.harness import (
    ROOT,
    RUN_BROKER,
    UNLIMITED,
    api_server,
    database_conninfo,
    free_port,
    sending_world,
    wait_listening,
    worker_group,
)


@dataclass(frozen=True)
class Plan:
    sizes: list[int]
    page_rounds: int
    pages: int
    send_rounds: int
    sends: int
    targeted: int
    targeted_rounds: int
    rate: float
    broadcast: int
    broadcast_rounds: int


QUICK = Plan([10_000, 100_000], 3, 15, 3, 100, 5000, 3, 50.0, 1000, 5)
FULL = Plan([10_000, 100_000, 1_000_000], 5, 30, 5, 300, 5000, 3, 50.0, 1000, 10)


def spread(values: list[float]) -> dict[str, float]:
    """Median and range: what the table and the JSON report."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def page_path(plan: Plan, url: str, api_pid: int, conninfo: str, tenants: list[Any]) -> dict[str, Any]:
    from bench.ratio_page import RARE, Floor, page_batch, raw_batch

    small, large = tenants[0], tenants[-1]
    floor = Floor(conninfo, small, (ROOT / "schema.graphql").read_text())
    keys = ("floor", "raw", "cpu", "cpu_large", "small", "large", "rare_s", "rare_l")
    rows: dict[str, list[float]] = {k: [] for k in keys}
    with httpx.Client(base_url=url, timeout=60) as http:
        for tenant in (small, large):  # warm the caches and the pool
            page_batch(http, api_pid, tenant, 3, {})
            page_batch(http, api_pid, tenant, 2, {"filter": RARE})
        for _ in range(plan.page_rounds):
            rows["floor"].append(floor.batch(plan.pages * 3).cpu)
            mine = page_batch(http, api_pid, small, plan.pages, {})
            rows["cpu"].append(mine.cpu)
            rows["small"].append(mine.latency)
            theirs = page_batch(http, api_pid, large, plan.pages, {})
            rows["cpu_large"].append(theirs.cpu)
            rows["large"].append(theirs.latency)
            rows["raw"].append(raw_batch(conninfo, small, plan.pages).latency)
            rows["rare_s"].append(page_batch(http, api_pid, small, plan.pages, {"filter": RARE}).latency)
            rows["rare_l"].append(page_batch(http, api_pid, large, plan.pages, {"filter": RARE}).latency)
    n = plan.page_rounds
    return {
        "page_cpu_ms": spread([x * 1000 for x in rows["cpu"]]),
        "floor_cpu_ms": spread([x * 1000 for x in rows["floor"]]),
        "page_vs_floor": spread([rows["cpu"][i] / rows["floor"][i] for i in range(n)]),
        "page_ms": spread([x * 1000 for x in rows["small"]]),
        "raw_psycopg_ms": spread([x * 1000 for x in rows["raw"]]),
        "page_vs_raw_psycopg": spread([rows["small"][i] / rows["raw"][i] for i in range(n)]),
        "page_large_ms": spread([x * 1000 for x in rows["large"]]),
        "page_1m_vs_10k": spread([rows["large"][i] / rows["small"][i] for i in range(n)]),
        "page_cpu_1m_vs_10k": spread([rows["cpu_large"][i] / rows["cpu"][i] for i in range(n)]),
        "status_page_ms": spread([x * 1000 for x in rows["rare_s"]]),
        "status_page_large_ms": spread([x * 1000 for x in rows["rare_l"]]),
        "status_page_1m_vs_10k": spread([rows["rare_l"][i] / rows["rare_s"][i] for i in range(n)]),
    }


def send_path(plan: Plan, world: Any, url: str, api_pid: int, worker_pid: int, conninfo: str) -> dict[str, Any]:
    from bench.ratio_send import bare_batch, mailtrail_batch

    mailtrail_batch(world, url, api_pid, worker_pid, conninfo, 10)  # warm up every process
    bare_batch(world, 10)
    mine, bare, idle, polling = [], [], [], []
    parts: dict[str, list[float]] = {"api": [], "worker": [], "postgres": []}
    for _ in range(plan.send_rounds):
        bare.append(bare_batch(world, plan.sends))
        batch = mailtrail_batch(world, url, api_pid, worker_pid, conninfo, plan.sends)
        mine.append(batch.cpu_per_email)
        idle.append(batch.idle_share)
        polling.append(batch.observer)
        for name, value in batch.parts.items():
            parts[name].append(value)
    return {
        **{f"send_{name}_cpu_ms": spread([x * 1000 for x in values]) for name, values in parts.items()},
        "send_cpu_ms": spread([x * 1000 for x in mine]),
        "bare_cpu_ms": spread([x * 1000 for x in bare]),
        "send_cpu_vs_bare": spread([m / b for m, b in zip(mine, bare, strict=True)]),
        "worker_idle_share": spread(idle),
        "send_observer_postgres_cpu_ms": spread([x * 1000 for x in polling]),
    }


def live_path(plan: Plan, port: int, api_pid: int, conninfo: str, processes: int) -> dict[str, Any]:
    from bench.ratio_live import broadcast, seed_drafts, targeted
    from bench.seed import make_tenant

    watched, wide, narrow = make_tenant("live"), make_tenant("wide"), make_tenant("narrow")
    ids = seed_drafts(conninfo, watched, plan.targeted)
    (wide_email,), (narrow_email,) = seed_drafts(conninfo, wide, 1), seed_drafts(conninfo, narrow, 1)

    async def both() -> tuple[dict[str, Any], dict[str, Any]]:
        aimed = await targeted(port, api_pid, conninfo, watched, ids, plan.targeted_rounds, plan.rate)
        wide_result = await broadcast(
            port, conninfo, wide, wide_email, narrow, narrow_email, plan.broadcast, plan.broadcast_rounds, processes
        )
        return aimed, wide_result

    aimed, wide_result = asyncio.run(both())
    return {
        "targeted_p99_ms": spread(aimed["subscriber_p99_ms"]),
        "raw_listen_p99_ms": spread(aimed["listen_p99_ms"]),
        "targeted_5000_p99_vs_raw_listen": spread(aimed["ratios"]),
        "targeted_missing": aimed["missing"],
        "targeted_lost": aimed["lost"],
        "targeted_errors": aimed["errors"],
        "targeted_subscriptions_ended": aimed["ended"],
        "kb_per_subscription": aimed["kb_per_subscription"],
        "broadcast_last_ms": spread(wide_result["last_ms"]),
        "broadcast_single_ms": spread(wide_result["single_ms"]),
        "broadcast_1000_vs_1": spread(wide_result["ratios"]),
        "broadcast_raw_fanout_ms": spread(wide_result["raw_fanout_ms"]),
        "broadcast_fanout_vs_raw": spread(wide_result["fanout_vs_raw"]),
        "broadcast_bound_vs_1": spread(wide_result["bound_vs_1"]),
    }


TABLE = [  # title, ratio, measured, baseline, target
    ("page: API CPU per page / floor", "page_vs_floor", "page_cpu_ms", "floor_cpu_ms", "<= 1.5"),
    ("page: latency / raw psycopg (3 queries)", "page_vs_raw_psycopg", "page_ms", "raw_psycopg_ms", ""),
    ("page: largest org / smallest, latency", "page_1m_vs_10k", "page_large_ms", "page_ms", "<= 1.1"),
    ("page: largest / smallest, API CPU", "page_cpu_1m_vs_10k", None, None, ""),
    ("FAILED page: largest / smallest", "status_page_1m_vs_10k", "status_page_large_ms", "status_page_ms", "flat"),
    ("send: CPU per email / bare client", "send_cpu_vs_bare", "send_cpu_ms", "bare_cpu_ms", "<= 2.5"),
    ("broadcast: 1,000 subscribers / 1", "broadcast_1000_vs_1", "broadcast_last_ms", "broadcast_single_ms", "<= 3"),
    ("  its fan-out (last - single) / raw writes", "broadcast_fanout_vs_raw", None, "broadcast_raw_fanout_ms", ""),
    ("  best this machine allows: (single+raw)/single", "broadcast_bound_vs_1", None, None, ""),
    ("5,000 targeted p99 / LISTEN", "targeted_5000_p99_vs_raw_listen", "targeted_p99_ms", "raw_listen_p99_ms", "<= 10"),
]


def show_table(results: dict[str, Any]) -> None:
    def cell(key: str | None, unit: str = "") -> str:
        value = results.get(key) if key else None
        if not isinstance(value, dict):
            return "-"
        return f"{value['median']:.2f}{unit} ({value['min']:.2f}-{value['max']:.2f})"

    print(f"{'path':44} | {'ratio: median (range)':24} | {'measured (ms)':24} | {'baseline (ms)':24} | target")
    for title, ratio, measured, baseline, target in TABLE:
        if ratio in results:
            print(f"{title:44} | {cell(ratio):24} | {cell(measured):24} | {cell(baseline):24} | {target}")
    if "kb_per_subscription" in results:
        print(f"{'memory per open subscription (KB)':44} | {results['kb_per_subscription']:.1f}{'':20} | | | <= 30")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="sizes 10k and 100k, fewer rounds (< 5 minutes)")
    parser.add_argument("--only", default="page,send,live", help="comma-separated subset of page,send,live")
    parser.add_argument(
        "--api-processes", type=int, default=1, help="API processes `mailtrail serve` runs (its --processes)"
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if os.environ.get("BENCH_SENDS"):  # a larger batch for before/after comparisons (coarse CPU ticks)
        plan = dataclasses.replace(plan, sends=int(os.environ["BENCH_SENDS"]))
    paths = set(args.only.split(","))
    os.environ.setdefault("MAILTRAIL_LOG_LEVEL", "WARNING")
    results: dict[str, Any] = {"sizes": plan.sizes, "api_processes": args.api_processes}
    with sending_world(RUN_BROKER, accounts=4) as world:
        conninfo = database_conninfo()
        from bench.seed import seed_sizes

        tenants = seed_sizes(conninfo, plan.sizes) if "page" in paths else []
        port = free_port()
        # Thousands of sockets and pages on one token: the per-token rate limit is not what is measured.
        limits = {"MAILTRAIL_SUBSCRIPTION_QUEUE_SIZE": "10000", **UNLIMITED}
        with api_server(port, MAILTRAIL_API_PROCESSES=str(args.api_processes), **limits) as (url, api):
            wait_listening(api.pid, port, args.api_processes)
            if "page" in paths:
                results.update(page_path(plan, url, api.pid, conninfo, tenants))
            if "send" in paths:
                with worker_group(RUN_BROKER, processes=1, threads=8) as worker:
                    results.update(send_path(plan, world, url, api.pid, worker.pid, conninfo))
            if "live" in paths:
                results.update(live_path(plan, port, api.pid, conninfo, args.api_processes))
    show_table(results)
    summary = {k: (v["median"] if isinstance(v, dict) and "median" in v else v) for k, v in results.items()}
    summary["noise"] = {k: [v["min"], v["max"]] for k, v in results.items() if isinstance(v, dict) and "min" in v}
    print(json.dumps(summary, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
