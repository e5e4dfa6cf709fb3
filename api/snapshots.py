"""The emails the event hub's updates are about, and the events a resuming client missed.

An event names its email; every subscriber that receives it gets the email as it is after the
event, read once (`Snapshots.get`): the reads are made by one task of the hub's own, every event
waiting at that moment in one query per organization. A client resuming from a cursor gets the
events it has not seen, oldest first, in chunks, each with its email (`Snapshots.replay`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy import and_, not_, or_
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.subscriber import Snapshot
from domain.notify import Committed
from domain.records import MailAccount, OutboundEmail, OutboundEmailEvent
from domain.seqset import SeqSet

REPLAY_CHUNK = 500
SNAPSHOT_CACHE = 4096
READ_BATCH = 500


@dataclass(eq=False)
class Snapshots:
    """The hub's reader: one email read per event, and the events a cursor has not seen."""

    sessions: async_sessionmaker[AsyncSession]
    _cache: OrderedDict[int, asyncio.Future[Snapshot]] = field(default_factory=OrderedDict)
    """Each recent event's email (by the event's seq), read or being read."""
    _to_read: list[tuple[Committed, asyncio.Future[Snapshot]]] = field(default_factory=list)
    """Events waiting for their email to be read (`get`), oldest first."""
    _reading: asyncio.Task[None] | None = None

    def stop(self) -> None:
        if self._reading is not None:
            self._reading.cancel()

    async def get(self, event: Committed) -> Snapshot:
        """The email after `event`, read once however many subscribers receive it.

        Reads are made by the hub's own task, every event waiting at that moment in one query per
        organization: under load, a query per event queued for the pool until reads timed out, and
        a reader cancelled mid-read would have left the others waiting on its future for ever.
        """
        future = self._cache.get(event.seq)
        if future is not None and future.done() and future.exception() is None:
            return future.result()  # the common case of a broadcast: no shield, no new future
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._cache[event.seq] = future
            while len(self._cache) > SNAPSHOT_CACHE:
                self._cache.popitem(last=False)
            self._to_read.append((event, future))
            if self._reading is None or self._reading.done():
                self._reading = asyncio.create_task(self._read_waiting(), name="mailtrail-snapshots")
        return await asyncio.shield(future)

    async def _read_waiting(self) -> None:
        """Read the emails of the events waiting for a snapshot, in batches, until none is left."""
        while self._to_read:
            batch, self._to_read = self._to_read[:READ_BATCH], self._to_read[READ_BATCH:]
            by_org: dict[uuid.UUID, list[tuple[Committed, asyncio.Future[Snapshot]]]] = {}
            for event, future in batch:
                by_org.setdefault(event.organization_id, []).append((event, future))
            for organization_id, waiting in by_org.items():
                try:
                    loaded = await self.load(list({event.email_id for event, _ in waiting}), organization_id)
                except Exception as error:
                    for event, future in waiting:
                        self._cache.pop(event.seq, None)
                        if not future.done():
                            future.set_exception(error)
                            future.exception()  # retrieved: its awaiters raise it; none left is no leak
                    continue
                for event, future in waiting:
                    found = loaded.get(event.email_id)
                    if not future.done():  # each event its own Snapshot: rendered updates are kept per snapshot
                        future.set_result(Snapshot(found.email, found.account) if found else Snapshot(None, None))

    async def load(self, email_ids: list[uuid.UUID], organization_id: uuid.UUID) -> dict[uuid.UUID, Snapshot]:
        async with self.sessions() as session:
            rows = await session.exec(
                select(OutboundEmail, MailAccount)
                .join(MailAccount, col(MailAccount.id) == col(OutboundEmail.account_id))
                .where(col(OutboundEmail.id).in_(email_ids), OutboundEmail.organization_id == organization_id)
            )
            return {email.id: Snapshot(email, account) for email, account in rows}

    async def missing(
        self, organization_id: uuid.UUID | None, email_id: uuid.UUID | None, known: SeqSet
    ) -> AsyncIterator[OutboundEmailEvent]:
        """Events not in `known`, oldest first, read in chunks."""
        seq = col(OutboundEmailEvent.seq)
        after = known.floor
        holes = [(low, high) for low, high in known if high > after]
        while True:
            query = select(OutboundEmailEvent).where(seq > after)
            if organization_id is not None:
                query = query.where(OutboundEmailEvent.organization_id == organization_id)
            if email_id is not None:
                query = query.where(OutboundEmailEvent.email_id == email_id)
            if holes:
                query = query.where(not_(or_(*(and_(seq >= low, seq <= high) for low, high in holes))))
            async with self.sessions() as session:
                rows = list(await session.exec(query.order_by(seq).limit(REPLAY_CHUNK)))
            for row in rows:
                yield row
            if len(rows) < REPLAY_CHUNK:
                return
            after = rows[-1].seq or after

    async def replay(
        self, organization_id: uuid.UUID, email_id: uuid.UUID | None, known: SeqSet
    ) -> AsyncIterator[tuple[OutboundEmailEvent, Snapshot]]:
        """The organization's events a client holding cursor `known` has not seen, with their emails."""
        chunk: list[OutboundEmailEvent] = []
        async for row in self.missing(organization_id, email_id, known):
            chunk.append(row)
            if len(chunk) == REPLAY_CHUNK:
                for item in await self._with_snapshots(chunk, organization_id):
                    yield item
                chunk = []
        for item in await self._with_snapshots(chunk, organization_id):
            yield item

    async def _with_snapshots(
        self, rows: list[OutboundEmailEvent], organization_id: uuid.UUID
    ) -> list[tuple[OutboundEmailEvent, Snapshot]]:
        if not rows:
            return []
        loaded = await self.load(list({r.email_id for r in rows}), organization_id)
        return [(r, loaded.get(r.email_id, Snapshot(None, None))) for r in rows]
