"""The live path: subscriptions against raw LISTEN, a broadcast against a single delivery, memory.

- targeted: N subscribers, each watching its own draft (`outboundEmailUpdates(id:)`), while a
  writer process commits changes to random drafts at a steady rate. Baseline, on the very same
  commits: a process doing nothing but `LISTEN mailtrail_events`. Compared: p99 commit -> client.
- memory: the API process's resident memory before and after opening those N subscriptions.
- broadcast: 1,000 subscribers watching a whole organization get one change; the baseline is the
  same change in another organization that has one subscriber. Commits alternate between the two.
  The benchmark's client does not read while the server writes: it takes its sockets out of its
  epoll set, commits, holds its event loop for `HOLD` (far longer than a delivery takes), then
  reads every socket. Arrival times are the kernel's (bench.wsclient), so nothing is lost by
  reading late, while reading at once would have the client's own work for 1,000 sockets (a
  wake-up, a read and a parse each, some 6 ms of CPU) take one of the machine's two cores from the
  server in the very milliseconds measured, and a socket left in the set would have each of the
  server's writes run the client's epoll callback (on loopback the sender's CPU does the
  receiver's part), both API processes contending for that one set's lock: the subscribers of a
  real service read on their own machines.

Commits are plain SQL (the draft's row and its audit event, one transaction, as a worker writes
them), so that the writer's own CPU stays small next to what it measures.

- raw fan-out, the broadcast's floor: as many bare processes as the API has, each holding its
  share of 1,000 plain TCP sockets (loopback, TCP_NODELAY, like uvicorn's) to the benchmark, are
  told to write one update's frame to each, in rounds interleaved with the broadcast's; measured
  from the moment they are told until the last has written its last frame. No server can deliver
  one change to 1,000 sockets faster than that on the same machine: whatever the broadcast takes
  beyond its single delivery plus this is the server's own. Reported beside the ratio: the
  fan-out (last - single) against it, and the best `broadcast_1000_vs_1` the machine allows at the
  single delivery measured, (single + floor) / single.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import random
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg

from bench.harness import percentiles
from bench.procstat import descendants, rss_kb
from bench.seed import Tenant
from bench.wsclient import Subscriber, open_many

HOLD = 0.25
"""Seconds the broadcast's client waits after a commit before it reads (a delivery takes ~15 ms)."""

QUERY = """subscription($id: ID) { outboundEmailUpdates(id: $id) {
  event emailId cursor outboundEmail { subject status } } }"""

DRAFTS = """
INSERT INTO outbound_email (id, organization_id, account_id, from_email, "to", cc, bcc, subject, status,
    allow_suppressed, attempt_count, created_at, updated_at)
SELECT gen_random_uuid(), %(org)s, %(account)s, 'sender@mailtrail.test', '["a@example.com"]'::jsonb, '[]'::jsonb,
    '[]'::jsonb, 'v0', 'DRAFT', false, 0, now(), now()
FROM generate_series(1, %(count)s)
RETURNING id
"""
CHANGE = "UPDATE outbound_email SET subject = %s, updated_at = now() WHERE id = %s"
EVENT = (
    "INSERT INTO outbound_email_event (organization_id, email_id, kind, at, data, actor) "
    "VALUES (%s, %s, 'updated', now(), '{}'::jsonb, 'bench')"
)


def seed_drafts(conninfo: str, tenant: Tenant, count: int) -> list[uuid.UUID]:
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(DRAFTS, {"org": tenant.organization_id, "account": tenant.account_id, "count": count})
        return [row[0] for row in rows.fetchall()]


def commit_change(conn: psycopg.Connection[Any], org: uuid.UUID, email_id: uuid.UUID, subject: str) -> float:
    with conn.transaction():
        conn.execute(CHANGE, (subject, email_id))
        conn.execute(EVENT, (org, email_id))
    return time.time()


def writer(conninfo: str, org: uuid.UUID, ids: list[uuid.UUID], rate: float, tag: str) -> dict[str, float]:
    """Commit one change to each draft in `ids` (shuffled) at `rate` per second; {email id: commit time}."""
    order = [*ids]
    random.shuffle(order)
    committed: dict[str, float] = {}
    start = time.time()
    with psycopg.connect(conninfo) as conn:
        for n, email_id in enumerate(order):
            committed[str(email_id)] = commit_change(conn, org, email_id, tag)
            delay = start + (n + 1) / rate - time.time()
            if delay > 0:
                time.sleep(delay)
    return committed


def listener(conninfo: str, ready: Any, results: Any, expected: int, timeout: float) -> None:
    """The baseline: raw LISTEN; {email id: arrival time} for `expected` notifications."""
    arrivals: dict[str, float] = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("LISTEN mailtrail_events")
        ready.set()
        deadline = time.time() + timeout
        for notify in conn.notifies(timeout=timeout):
            arrivals[json.loads(notify.payload)["email"]] = time.time()
            if len(arrivals) >= expected or time.time() > deadline:
                break
    results.put(arrivals)


@dataclass
class Arrivals:
    """Updates received by the benchmark's subscribers, by (email id, subject)."""

    times: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    waiting: dict[tuple[str, str], tuple[int, asyncio.Event]] = field(default_factory=dict)
    errors: int = 0
    """`next` messages carrying errors (an update that failed to render, a subscription ending)."""

    def __call__(self, payload: dict[str, Any], at: float) -> None:
        if payload.get("errors"):
            self.errors += 1
        update = (payload.get("data") or {}).get("outboundEmailUpdates")
        if update is None:
            return
        key = (update["emailId"], update["outboundEmail"]["subject"])
        got = self.times.setdefault(key, [])
        got.append(at)
        wanted = self.waiting.get(key)
        if wanted is not None and len(got) >= wanted[0]:
            wanted[1].set()

    async def wait(self, key: tuple[str, str], count: int, patience: float = 15) -> list[float]:
        done = asyncio.Event()
        self.waiting[key] = (count, done)
        if len(self.times.get(key, [])) >= count:
            done.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), patience)
        return self.times.get(key, [])


async def never_arrived(arrivals: Arrivals, rounds: list[tuple[str, dict[str, float]]], patience: float = 60) -> int:
    """Of the updates missing when their round was scored, how many still have not come `patience` s on:
    late ones are slow, these are lost."""
    deadline = time.monotonic() + patience
    wanted = [(k, tag) for tag, committed in rounds for k in committed]
    for key in wanted:
        if key not in arrivals.times and time.monotonic() < deadline:
            await arrivals.wait(key, 1, deadline - time.monotonic())
    return sum(key not in arrivals.times for key in wanted)


def close_all(subscribers: list[Subscriber]) -> None:
    for subscriber in subscribers:
        subscriber.close()


async def targeted(
    port: int, api_pid: int, conninfo: str, tenant: Tenant, ids: list[uuid.UUID], rounds: int, rate: float
) -> dict[str, Any]:
    """p99 commit -> subscriber vs commit -> raw LISTEN, and resident memory per subscription."""
    arrivals = Arrivals()
    before = sum(rss_kb(pid) for pid in descendants(api_pid))  # every API process (--api-processes)
    subscribers = await open_many(port, tenant.token, QUERY, [{"id": str(i)} for i in ids], arrivals)
    await asyncio.sleep(3.0)  # every subscription registered with the hub; memory settled
    kb_each = (sum(rss_kb(pid) for pid in descendants(api_pid)) - before) / len(ids)
    spawn = multiprocessing.get_context("spawn")
    per_round = len(ids) // rounds
    ratios, subscriber_p99s, listen_p99s, missing = [], [], [], 0
    rounds_committed: list[tuple[str, dict[str, float]]] = []
    loop = asyncio.get_running_loop()
    for r in range(rounds):
        chosen = ids[r * per_round : (r + 1) * per_round]
        tag = f"t{r}"
        ready, results = spawn.Event(), spawn.Queue()
        baseline = spawn.Process(target=listener, args=(conninfo, ready, results, len(chosen), 60 + len(chosen) / rate))
        baseline.start()
        await loop.run_in_executor(None, ready.wait, 30)
        with spawn.Pool(1) as pool:
            committed = await loop.run_in_executor(
                None, pool.apply, writer, (conninfo, tenant.organization_id, chosen, rate, tag)
            )
        await asyncio.sleep(2.0)
        listened = await loop.run_in_executor(None, results.get, True, 60)
        baseline.join(10)
        ws = [(arrivals.times[(k, tag)][0] - t) * 1000 for k, t in committed.items() if (k, tag) in arrivals.times]
        raw = [(listened[k] - t) * 1000 for k, t in committed.items() if k in listened]
        missing += len(committed) - len(ws)
        rounds_committed.append((tag, committed))
        print(f"targeted {tag}: {len(ws)} of {len(committed)} updates in time", file=sys.stderr, flush=True)
        # A round none of whose updates arrived in time scores infinity (it must not pass unseen).
        subscriber_p99s.append(percentiles(ws)["p99"] if ws else float("inf"))
        listen_p99s.append(percentiles(raw)["p99"])
        ratios.append(subscriber_p99s[-1] / max(listen_p99s[-1], 0.1))
    lost = await never_arrived(arrivals, rounds_committed)
    ended = sum(1 for subscriber in subscribers if subscriber.errors)  # error, complete, closed
    close_all(subscribers)
    await asyncio.sleep(1.0)
    return {
        "lost": lost,
        "errors": arrivals.errors,
        "ended": ended,
        "subscribers": len(ids),
        "kb_per_subscription": kb_each,
        "ratios": ratios,
        "subscriber_p99_ms": subscriber_p99s,
        "listen_p99_ms": listen_p99s,
        "missing": missing,
    }


def raw_writer(frame: bytes, count: int, ready: Any, commands: Any, done: Any) -> None:
    """A bare process holding `count` accepted sockets: at each command (a pipe: one plain write, as
    a NOTIFY reaches an API process, where a multiprocessing Queue's feeder thread added ~0.1 ms),
    `frame` to every one of them; puts when it finished (time.time)."""
    with socket.create_server(("127.0.0.1", 0), backlog=count) as server:
        ready.put(server.getsockname()[1])
        sockets = []
        for _ in range(count):
            accepted, _address = server.accept()
            accepted.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            accepted.setblocking(False)
            sockets.append(accepted)
    while commands.recv() is not None:
        for each in sockets:
            each.send(frame)  # a loopback socket with an empty buffer takes a small frame whole
        done.put(time.time())
    for each in sockets:
        each.close()


class RawFanout:
    """`processes` bare writers sharing `subscribers` sockets to this process (module docstring)."""

    def __init__(self, subscribers: int, processes: int, frame: bytes) -> None:
        spawn = multiprocessing.get_context("spawn")
        self.done = spawn.Queue()
        pipes = [spawn.Pipe() for _ in range(processes)]
        self.commands = [ours for ours, _theirs in pipes]
        shares = [subscribers // processes + (k < subscribers % processes) for k in range(processes)]
        ready = spawn.Queue()
        self.writers = [
            spawn.Process(target=raw_writer, args=(frame, share, ready, theirs, self.done), daemon=True)
            for share, (_ours, theirs) in zip(shares, pipes, strict=True)
        ]
        self.clients: list[socket.socket] = []
        for writer, share in zip(self.writers, shares, strict=True):
            writer.start()
            port = ready.get(timeout=60)
            self.clients += [socket.create_connection(("127.0.0.1", port)) for _ in range(share)]

    def round(self) -> float:
        """Ms from telling the writers to the last frame written by any of them."""
        told = time.time()
        for commands in self.commands:
            commands.send(True)
        finished = max(self.done.get(timeout=60) for _ in self.commands)
        for client in self.clients:
            client.recv(1 << 16)  # each frame came whole (loopback): the next round starts empty
        return (finished - told) * 1000

    def close(self) -> None:
        for commands in self.commands:
            commands.send(None)
        for writer in self.writers:
            writer.join(10)
        for client in self.clients:
            client.close()


def sample_frame(email_id: uuid.UUID, subject: str) -> bytes:
    """An update's frame as the broadcast's subscribers got it (size as sent; the bytes do not matter)."""
    from api.wsprotocol import text_frame

    update = {"event": "updated", "emailId": str(email_id), "cursor": "x" * 24, "outboundEmail": {"subject": subject}}
    body = {"id": "1", "type": "next", "payload": {"data": {"outboundEmailUpdates": update}}}
    return text_frame(json.dumps(body).encode())


async def broadcast(
    port: int,
    conninfo: str,
    wide: Tenant,
    wide_email: uuid.UUID,
    narrow: Tenant,
    narrow_email: uuid.UUID,
    subscribers: int,
    rounds: int,
    processes: int,
) -> dict[str, Any]:
    """Last delivery of one change to `subscribers` watchers vs to one, and the raw fan-out, in turn."""
    arrivals = Arrivals()
    many = await open_many(port, wide.token, QUERY, [{}] * subscribers, arrivals)
    one = await open_many(port, narrow.token, QUERY, [{}], arrivals)
    everyone = many + one
    raw = RawFanout(subscribers, processes, sample_frame(wide_email, "b0"))
    await asyncio.sleep(2.0)
    lasts, singles, floors = [], [], []
    with psycopg.connect(conninfo) as conn:
        for r in range(rounds + 1):  # the first round warms up and is not counted
            for tenant, email_id, count, into in (
                (wide, wide_email, subscribers, lasts),
                (narrow, narrow_email, 1, singles),
            ):
                subject = f"b{r}"
                # The commit and a hold block this process's event loop: its sockets are read only
                # after the server has written to them all (module docstring, "broadcast").
                for each in everyone:
                    each.pause()
                at = commit_change(conn, tenant.organization_id, email_id, subject)
                time.sleep(HOLD)  # noqa: ASYNC251 (blocking on purpose: no read while the server writes)
                for each in everyone:
                    each.resume()
                got = await arrivals.wait((str(email_id), subject), count)
                if len(got) < count:
                    raise RuntimeError(f"broadcast {subject}: {len(got)} of {count} subscribers got it")
                if r:
                    into.append((max(got) - at) * 1000)
                await asyncio.sleep(0.2)
            floor = raw.round()
            if r:
                floors.append(floor)
            await asyncio.sleep(0.2)
    raw.close()
    close_all(many + one)
    await asyncio.sleep(1.0)
    pairs = list(zip(lasts, singles, floors, strict=True))
    return {
        "subscribers": subscribers,
        "last_ms": lasts,
        "single_ms": singles,
        "ratios": [last / max(single, 0.1) for last, single, _ in pairs],
        "raw_fanout_ms": floors,
        "fanout_vs_raw": [(last - single) / max(floor, 0.1) for last, single, floor in pairs],
        "bound_vs_1": [(single + floor) / max(single, 0.1) for _, single, floor in pairs],
    }
