"""Periodic webhook chores: re-enqueue deliveries whose message was lost, and forget old ones."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, not_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from domain.records import (
    WebhookDelivery,
    WebhookDeliveryState,
    WebhookEndpoint,
    WebhookEndpointState,
    WebhookMessage,
    WebhookNotice,
)


def lost_deliveries(
    session: Session, now: datetime, stale: timedelta, lease: timedelta, limit: int = 500
) -> list[uuid.UUID]:
    """Due PENDING deliveries first in their email's line, untouched for `stale` (their job was lost)."""
    D = WebhookDelivery
    blocked = _earlier_pending(D)
    rows = session.exec(
        select(D.id)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(D.endpoint_id))
        .where(
            D.state == WebhookDeliveryState.PENDING,
            col(D.next_attempt_at) <= now - stale,
            WebhookEndpoint.state == WebhookEndpointState.ACTIVE,
            (col(D.attempt_token).is_(None)) | (col(D.attempt_started_at) <= now - lease),
            not_(blocked),
        )
        .limit(limit)
    ).all()
    return list(rows)


def pending_heads(session: Session, endpoint_id: uuid.UUID, limit: int = 10_000) -> list[uuid.UUID]:
    """The first PENDING delivery of each email for one endpoint (to resume it once re-enabled)."""
    D = WebhookDelivery
    blocked = _earlier_pending(D)
    rows = session.exec(
        select(D.id)
        .where(D.endpoint_id == endpoint_id, D.state == WebhookDeliveryState.PENDING, not_(blocked))
        .limit(limit)
    ).all()
    return list(rows)


def _earlier_pending(delivery: type[WebhookDelivery]) -> Any:
    """An earlier PENDING delivery of the same email to the same endpoint exists."""
    earlier = aliased(WebhookDelivery)
    return exists().where(
        col(earlier.endpoint_id) == col(delivery.endpoint_id),
        col(earlier.email_id) == col(delivery.email_id),
        col(earlier.state) == WebhookDeliveryState.PENDING,
        col(earlier.seq) < col(delivery.seq),
    )


def forget_old(session: Session, before: datetime, batch: int = 5000) -> int:
    """Delete messages older than `before` with no delivery still PENDING (deliveries and their log go too)."""
    M = WebhookMessage
    D = WebhookDelivery
    still_pending = exists().where(and_(col(D.seq) == col(M.seq), col(D.state) == WebhookDeliveryState.PENDING))
    old = select(M.seq).where(col(M.created_at) < before, not_(still_pending)).limit(batch)
    seqs = list(session.exec(old).all())
    if seqs:
        session.execute(delete(D).where(col(D.seq).in_(seqs)))
        session.execute(delete(M).where(col(M.seq).in_(seqs)))
    session.execute(delete(WebhookNotice).where(col(WebhookNotice.created_at) < before))
    return len(seqs)
