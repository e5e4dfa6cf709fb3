"""`redeliverWebhooks`: replay to one endpoint what it missed, with the same `webhook-id`s.

With a cursor (`since`, as found in every webhook's `data.cursor` or a subscription update),
every event of the organization not in that set is delivered again, in order per email, if
the endpoint's filters let it through; events it never had a delivery for get one. Without a
cursor, the deliveries that were given up (FAILED) are tried again. Either way each delivery
starts a fresh retry series, and the same event keeps the same `webhook-id`, so a receiver that
did get it dedupes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from domain.errors import DomainError, ErrorCode
from domain.records import WebhookDelivery, WebhookDeliveryState, WebhookMessage, utcnow
from domain.seqset import SeqSet
from domain.webhooks.endpoints import get_endpoint
from domain.webhooks.messages import (
    NewDelivery,
    chain_heads,
    ensure_deliveries,
    ensure_messages,
    missing_events,
    snapshots,
    wanted_endpoints,
)

LIMIT = 10_000
CHUNK = 500


@dataclass
class Redelivery:
    count: int = 0
    complete: bool = True
    cursor: str | None = None
    """With `since`: the cursor to pass next time when `complete` is false."""
    heads: list[uuid.UUID] = field(default_factory=list)


def _restart(session: Session, endpoint_id: uuid.UUID, seqs: list[int], now: datetime) -> list[NewDelivery]:
    D = WebhookDelivery
    rows = session.execute(
        update(D)
        .where(col(D.endpoint_id) == endpoint_id, col(D.seq).in_(seqs))
        .values(
            state=WebhookDeliveryState.PENDING.value,
            attempts=0,
            series_started_at=now,
            next_attempt_at=now,
            attempt_token=None,
        )
        .returning(col(D.id), col(D.endpoint_id), col(D.email_id), col(D.seq))
    ).all()
    return [NewDelivery(r[0], r[1], r[2], r[3]) for r in rows]


def redeliver(
    session: Session,
    organization_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    since: str | None,
    now: datetime | None = None,
    limit: int = LIMIT,
) -> Redelivery:
    """Queue the endpoint's missed events again (enqueue `heads` after the commit)."""
    now = now or utcnow()
    endpoint = get_endpoint(session, organization_id, endpoint_id)
    if since is None:
        D = WebhookDelivery
        failed = session.exec(
            select(D.seq).where(D.endpoint_id == endpoint.id, D.state == WebhookDeliveryState.FAILED).limit(limit)
        ).all()
        restarted = _restart(session, endpoint.id, list(failed), now)
        return Redelivery(count=len(restarted), complete=len(failed) < limit, heads=chain_heads(restarted))
    try:
        known = SeqSet.decode(since)
    except ValueError as error:
        raise DomainError(ErrorCode.INVALID_CURSOR, f"since: {error}", "since") from None
    result = Redelivery(complete=False)
    touched: list[NewDelivery] = []
    seen = known.copy()
    while result.count < limit:
        rows = list(session.exec(missing_events(seen, organization_id).limit(CHUNK)).all())
        if not rows:
            result.complete = True
            break
        states = snapshots(session, (r.email_id for r in rows))
        stored = set(session.exec(select(WebhookMessage.seq).where(col(WebhookMessage.seq).in_([r.seq for r in rows]))))
        existing: list[int] = []
        for row in rows:
            seen.add(row.seq or 0)
            email, account = states.get(row.email_id, (None, None))
            if not wanted_endpoints([endpoint], row, email):
                continue
            if row.seq not in stored:
                ensure_messages(session, [(row, seen.encode(), (email, account))])
            created = ensure_deliveries(session, [(row, [endpoint])], now)
            if created:
                touched.extend(created)
            else:
                existing.append(row.seq or 0)
            result.count += 1
            if result.count >= limit:
                break
        if existing:
            touched.extend(_restart(session, endpoint.id, existing, now))
    result.cursor = seen.encode()
    result.heads = chain_heads(touched)
    return result
