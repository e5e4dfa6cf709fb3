"""The event hub of one API process: committed audit events in, subscribers out.

Events are written by workers and other API processes, so they reach this process from outside:
- on PostgreSQL, through one dedicated `LISTEN mailtrail_events` connection (the trigger
  NOTIFYs after commit, ids only); if that connection drops, the hub reconnects and reads the
  events it missed from the table before going on;
- on SQLite (the embedded mode, a single process), through the in-process bus.

The hub fans each event out in memory to the subscribers of its organization. Every subscriber
(api.subscriber) has a bounded queue: one that falls too far behind is dropped and told to resubscribe with the
last cursor it saw, so a slow client never holds up the others or the writers. The current state
of an email is read once per event and shared by every subscriber that receives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.fanout import Update
from api.flock import Flock, Keyed, wanted_by
from api.snapshots import Snapshots
from api.subscriber import Direct, Note, Snapshot, Subscriber
from domain.events import ACCOUNT_KINDS
from domain.notify import CHANNEL, Committed, bus
from domain.records import OutboundEmailEvent
from domain.seqset import SeqSet
from domain.settings import Settings
from workers.metrics import OPEN_SUBSCRIPTIONS

log = logging.getLogger("mailtrail.live")

ORG, EMAIL = "org", "email"
"""The kinds of fan-out chain (`Hub._fanning`)."""


@dataclass(eq=False)
class Hub:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    seen: SeqSet = field(default_factory=SeqSet)
    connections: int = 0
    """How many times the LISTEN connection was opened (more than once after a loss)."""
    direct_writes: int = 0
    """Updates the hub wrote to sockets itself (api.fanout), rather than through a subscription's task."""
    shared_frames: int = 0
    """Of those, the ones written as a frame encoded once for every socket of the group (api.wsprotocol)."""
    _by_org: dict[uuid.UUID, Flock] = field(default_factory=dict)
    """Subscribers to every email of an organization (with or without a filter)."""
    _by_email: dict[tuple[uuid.UUID, uuid.UUID], Flock] = field(default_factory=dict)
    """Subscribers to one email, by (organization, email): found by id, so an event costs nothing per
    other subscriber."""
    _fanning: dict[Hashable, asyncio.Task[None]] = field(default_factory=dict)
    """The last direct fan-out of each chain, (ORG, organization id) for the subscribers to a whole
    organization and (EMAIL, email id) for those to one email: the next one writes after it."""
    _task: asyncio.Task[None] | None = None
    _unsubscribe_bus: Any = None
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    snapshots: Snapshots = field(init=False)
    """The emails the events are about, read once per event, and the events a client missed."""

    def __post_init__(self) -> None:
        self.snapshots = Snapshots(self.sessions)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self.seen = SeqSet.up_to(await self.max_seq())
        if self.settings.is_sqlite:
            loop = asyncio.get_running_loop()

            def deliver(items: list[Committed]) -> None:  # called on the committing thread
                loop.call_soon_threadsafe(self._publish_many, items)

            self._unsubscribe_bus = bus.subscribe(deliver)
            self._ready.set()
        else:
            self._task = asyncio.create_task(self._listen_forever(), name="mailtrail-listen")
            await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        if self._unsubscribe_bus is not None:
            self._unsubscribe_bus()
        for fanning in list(self._fanning.values()):
            fanning.cancel()
        await self.snapshots.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def max_seq(self) -> int:
        """The newest sequence number the audit trail has handed out (0 when it is empty)."""
        async with self.sessions() as session:
            value = (await session.exec(select(func.max(OutboundEmailEvent.seq)))).one()
        return int(value or 0)

    async def _listen_forever(self) -> None:
        import psycopg

        conninfo = self.settings.sync_database_url().replace("postgresql+psycopg://", "postgresql://")
        delay = 0.2
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.connections += 1
                    await self._catch_up()  # anything committed while we were not listening
                    self._ready.set()
                    delay = 0.2
                    async for notify in conn.notifies():
                        self._publish_many([Committed.from_payload(json.loads(notify.payload))])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event listener lost its connection; reconnecting in %.1fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _catch_up(self) -> None:
        async for row in self.snapshots.missing(None, None, self.seen):
            self._publish_many([Committed(row.seq or 0, row.organization_id, row.email_id, row.kind, row.at)])

    # -- fan-out ---------------------------------------------------------------------------

    def _publish_many(self, items: list[Committed]) -> None:
        for item in items:
            if item.seq in self.seen:
                continue  # already learned of (a catch-up overlapping a NOTIFY)
            self.seen.add(item.seq)
            self.seen.fill_stale_gaps(self.settings.event_hole_seconds)
            org = item.organization_id
            note: Note | None = None  # made only for an event someone here subscribes to
            # Each subscriber is in one index, so each chain keeps its subscribers' updates in order;
            # a subscriber to one email waits for nothing but that email's earlier events.
            for chain, flock in (
                ((ORG, org), self._by_org.get(org)),
                ((EMAIL, item.email_id), self._by_email.get((org, item.email_id))),
            ):
                if not flock:
                    continue
                if note is None:
                    note = Note(item, self.seen.copy(), self.seen.encode())
                for subscriber in flock.plain:
                    subscriber.offer(note)
                direct = flock.direct()
                if direct:
                    self._fanning[chain] = asyncio.create_task(
                        self._fan_out(note, direct, chain, self._fanning.get(chain))
                    )

    async def _fan_out(self, note: Note, direct: Keyed, chain: Hashable, before: asyncio.Task[None] | None) -> None:
        """Render `note` once per key for the direct subscribers that want it, and write it to those
        that are idle once the chain's previous event is out (the others' tasks get it)."""
        try:
            snapshot = await self._snapshot_for(note)
            if snapshot is None:  # their own tasks read it again, and report what goes wrong
                groups = [(key, [s for bucket in buckets for s in bucket]) for key, buckets in direct]
            else:
                groups = [(key, wanted_by(note.event, snapshot, buckets)) for key, buckets in direct]
            payloads = [await self._render(note, snapshot, members) if members else None for _, members in groups]
            if before is not None and not before.done():
                await asyncio.wait((before,))  # rendered alongside it; written after it
            for (_, members), payload in zip(groups, payloads, strict=True):
                if payload is None:
                    for subscriber in members:
                        subscriber.offer(note)
                else:
                    self._write(note, Update(payload), members)
        except Exception:  # a bug here must not lose the event: their own tasks take it
            log.exception("fanning out event %s failed", note.event.seq)
            for _, buckets in direct:
                for bucket in buckets:
                    for subscriber in bucket:
                        subscriber.offer(note)
        finally:
            if self._fanning.get(chain) is asyncio.current_task():
                del self._fanning[chain]

    def _write(self, note: Note, update: Update, members: list[Subscriber]) -> None:
        """Write `update` to each idle member; offer `note` to the others (their tasks send it in order).

        One pass, no await and no task per subscriber: what a broadcast costs beyond one socket's
        write is this loop, so the clock is read once and the tests are made in one call each.
        """
        now = time.monotonic()
        cursor = note.cursor
        written = shared = 0
        for subscriber in members:
            sent = subscriber.deliver_if_idle(now, cursor, update)
            if sent:
                written += 1
                shared += sent == 2
            else:
                subscriber.offer(note)
        self.direct_writes += written
        self.shared_frames += shared

    async def _snapshot_for(self, note: Note) -> Snapshot | None:
        if note.event.kind in ACCOUNT_KINDS:
            return Snapshot(None, None)  # an account's change: no email to read
        try:
            return await self.snapshot(note.event)
        except Exception:  # the subscribers' own tasks read it again, and report what goes wrong
            return None

    @staticmethod
    async def _render(note: Note, snapshot: Snapshot | None, members: list[Subscriber]) -> str | None:
        direct = members[0].direct
        if snapshot is None or direct is None or not any(m.idle for m in members):
            return None
        try:
            return await direct.render(note, snapshot)
        except Exception:
            log.exception("rendering an update for %d subscribers failed; each renders its own", len(members))
            return None

    def register(
        self, organization_id: uuid.UUID, email_id: uuid.UUID | None, direct: Direct | None = None
    ) -> Subscriber:
        """A new subscriber to the organization's events (to one email's, with `email_id`); `unregister` it."""
        subscriber = Subscriber(organization_id, email_id, self.settings.subscription_queue_size, direct)
        flock = self._flock_of(subscriber, create=True)
        assert flock is not None
        flock.add(subscriber)
        OPEN_SUBSCRIPTIONS.inc()  # kept as they come and go: with several API processes, each one's count is summed
        return subscriber

    def unregister(self, subscriber: Subscriber) -> None:
        """No more events for `subscriber`."""
        subscriber.close()
        flock = self._flock_of(subscriber)
        if flock is not None and flock.discard(subscriber):
            OPEN_SUBSCRIPTIONS.dec()
            if not flock:
                if subscriber.email_id is None:
                    del self._by_org[subscriber.organization_id]
                else:
                    del self._by_email[(subscriber.organization_id, subscriber.email_id)]

    def _flock_of(self, subscriber: Subscriber, create: bool = False) -> Flock | None:
        """Its index entry: its organization's, or (organization, email) for a subscriber to one email,
        so that an event reaches no subscriber of another organization's email by its id."""
        org, email_id = subscriber.organization_id, subscriber.email_id
        if email_id is None:
            flock = self._by_org.get(org)
            if flock is None and create:
                flock = self._by_org[org] = Flock()
        else:
            flock = self._by_email.get((org, email_id))
            if flock is None and create:
                flock = self._by_email[(org, email_id)] = Flock()
        return flock

    @property
    def subscriber_count(self) -> int:
        return sum(len(flock) for index in (self._by_org, self._by_email) for flock in index.values())

    # -- reading (api.snapshots) -------------------------------------------------------------

    async def snapshot(self, event: Committed) -> Snapshot:
        """The email after `event`, read once however many subscribers receive it."""
        return await self.snapshots.get(event)

    def replay(
        self, organization_id: uuid.UUID, email_id: uuid.UUID | None, known: SeqSet
    ) -> AsyncIterator[tuple[OutboundEmailEvent, Snapshot]]:
        """The organization's events a client holding cursor `known` has not seen, with their emails."""
        return self.snapshots.replay(organization_id, email_id, known)
