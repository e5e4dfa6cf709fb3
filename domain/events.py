"""The audit trail: every change to an outbound email appends one event in the same transaction."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from domain.records import OutboundEmail, OutboundEmailEvent, utcnow


class EventKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    SCHEDULED = "scheduled"
    UNSCHEDULED = "unscheduled"
    DELETED = "deleted"
    QUEUED = "queued"
    ATTEMPT = "attempt"
    RATE_LIMITED = "rate_limited"
    RETRIED = "retried"
    SENT = "sent"
    FAILED = "failed"
    SENT_COPY_LINKED = "sent_copy_linked"
    DELIVERY_STATUS_CHANGED = "delivery_status_changed"
    BOUNCE_DETECTED = "bounce_detected"
    REPLY_LINKED = "reply_linked"
    AUTO_REPLY_LINKED = "auto_reply_linked"


def record_event(
    session: Session,
    email: OutboundEmail,
    kind: EventKind,
    actor: str,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> OutboundEmailEvent:
    """Append one event for `email`; it commits (or rolls back) with the change it describes."""
    event = OutboundEmailEvent(
        organization_id=email.organization_id,
        email_id=email.id,
        kind=kind.value,
        at=at or utcnow(),
        data=data or {},
        actor=actor,
    )
    session.add(event)
    return event
