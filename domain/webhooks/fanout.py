"""The fan-out: new audit events become webhook messages and deliveries, driven from the trail.

How events reach the webhook machinery, and why this way
--------------------------------------------------------
The scheduler runs this job every `webhook_fanout_interval_seconds`. It reads the events of
`outbound_email_event` that are not yet in its cursor (a `SeqSet`, exactly the subscriptions'
cursor), renders each one's message once, creates one PENDING delivery per matching endpoint,
and adds the seqs to the cursor, all in one transaction; the deliveries are enqueued after that
commit. The alternative, writing deliveries in each event's own transaction (a trigger or a
hook in `record_event`), would put an endpoint lookup on every write of the send and sync paths
and spread webhook logic over code owned by other concerns; reading the trail costs the writers
nothing, and the trail is already the single source of truth subscriptions replay from.

Reading by seq has one trap, the one the hub has: seqs are handed out before commit, so seq 11
can be visible while seq 10 is not yet (or never, if its transaction rolls back). The cursor is
therefore a set, and a hole stays open until no transaction that could still fill it exists:
a hole first seen at time T is settled only once PostgreSQL shows no transaction of this
database begun at or before T still open (`pg_stat_activity.xact_start`), and only after
re-reading it, so a late commit is fanned out, never skipped. (The hub settles holes after a
fixed time, which suits a live feed; a webhook must not be lost.) This needs the fan-out to
connect as the same role as the writers, or one with pg_read_all_stats, so it can see their
transactions. SQLite (the embedded mode) has one writer at a time and no holes.

Guarantees: every committed event is turned into deliveries exactly once per endpoint (the
cursor moves in the transaction that writes the deliveries, and deliveries are unique per
event and endpoint); an endpoint sees the events committed after it was created and while it
is ACTIVE. Several schedulers may run: the fan-out row is locked, so one works at a time.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, text
from sqlmodel import Session, col, select

from domain.records import OutboundEmailEvent, WebhookEndpoint, WebhookFanout, utcnow
from domain.seqset import SeqSet
from domain.webhooks.endpoints import endpoints_of
from domain.webhooks.messages import (
    NewDelivery,
    Snapshot,
    chain_heads,
    ensure_deliveries,
    ensure_messages,
    missing_events,
    snapshots,
    wanted_endpoints,
)

log = logging.getLogger("mailtrail.webhooks.fanout")

CHUNK = 500
MAX_HOLES = 256
"""Beyond this many open holes the oldest are settled anyway (a cursor must stay small)."""


@dataclass
class FanoutResult:
    events: int = 0
    deliveries: list[NewDelivery] = field(default_factory=list)
    settled: int = 0
    open_holes: int = 0

    @property
    def to_enqueue(self) -> list[uuid.UUID]:
        """The deliveries to enqueue after the commit: the first of each email's chain."""
        return chain_heads(self.deliveries)


def fan_out(session: Session, now: datetime | None = None, limit: int = CHUNK) -> FanoutResult:
    """Turn up to `limit` new events into deliveries; commit, then enqueue `result.to_enqueue`."""
    now = now or utcnow()
    state = _state(session)
    done = SeqSet.decode(state.cursor)
    seen_at = {int(low): datetime.fromisoformat(at) for low, at in (state.holes or {}).items()}
    result = FanoutResult()

    rows = list(session.exec(missing_events(done).limit(limit)).all())
    _process(session, rows, done, now, result)
    observed = _db_now(session)  # after the read: a hole's transaction began before this instant

    holes = {low: seen_at.get(low, observed) for low, _high in done.gaps()}
    oldest_open = _oldest_open_transaction(session)
    settle = [
        (low, high)
        for low, high in done.gaps()
        if oldest_open is None or oldest_open > holes[low] or len(holes) > MAX_HOLES
    ]
    if settle:
        late = list(
            session.exec(
                select(OutboundEmailEvent)
                .where(
                    or_(*(and_(col(OutboundEmailEvent.seq) >= a, col(OutboundEmailEvent.seq) <= b) for a, b in settle))
                )
                .order_by(col(OutboundEmailEvent.seq))
            ).all()
        )
        _process(session, late, done, now, result)  # committed meanwhile: fanned out, not skipped
        for low, high in settle:
            done.add_range(low, high)
            result.settled += 1
    state.cursor = done.encode()
    state.holes = {str(low): holes.get(low, observed).isoformat() for low, _high in done.gaps()}
    state.updated_at = now
    result.open_holes = len(state.holes)
    session.add(state)
    return result


def _process(
    session: Session, rows: list[OutboundEmailEvent], done: SeqSet, now: datetime, result: FanoutResult
) -> None:
    if not rows:
        return
    endpoints = endpoints_of(session, list({r.organization_id for r in rows}))
    relevant = [r for r in rows if r.organization_id in endpoints]
    states = snapshots(session, (r.email_id for r in relevant))
    messages: list[tuple[OutboundEmailEvent, str, Snapshot]] = []
    pairs: list[tuple[OutboundEmailEvent, list[WebhookEndpoint]]] = []
    for row in rows:
        done.add(row.seq or 0)
        result.events += 1
        if row.organization_id not in endpoints:
            continue
        email, account = states.get(row.email_id, (None, None))
        targets = wanted_endpoints(endpoints[row.organization_id], row, email)
        if targets:
            messages.append((row, done.encode(), (email, account)))
            pairs.append((row, targets))
    ensure_messages(session, messages)
    result.deliveries.extend(ensure_deliveries(session, pairs, now))


def _state(session: Session) -> WebhookFanout:
    state = session.exec(select(WebhookFanout).where(WebhookFanout.id == 1).with_for_update()).first()
    if state is None:  # the migration creates it; start from the present if it was removed by hand
        top = session.exec(select(func.max(OutboundEmailEvent.seq))).one()
        log.warning("webhook fan-out state missing; starting after seq %s", top)
        state = WebhookFanout(id=1, cursor=SeqSet.up_to(int(top or 0)).encode(), holes={})
    return state


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _db_now(session: Session) -> datetime:
    if _is_postgres(session):
        value = session.execute(text("SELECT clock_timestamp()")).scalar_one()
        assert isinstance(value, datetime)
        return value
    return utcnow()


def _oldest_open_transaction(session: Session) -> datetime | None:
    """When the oldest transaction still open in this database (other than ours) began; None if none."""
    if not _is_postgres(session):
        return None
    value = session.execute(
        text(
            "SELECT min(xact_start) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
        )
    ).scalar_one()
    assert value is None or isinstance(value, datetime)
    return value
