"""One update about an email, as both live subscriptions and webhooks tell it.

The audit trail feeds both: an event becomes an `Update` (its kind, the event, a cursor, when,
which email, and the email as it is now) here, once. `api/subscriptions.py` shapes it into the
GraphQL `OutboundEmailUpdate`; `domain/webhooks/payload.py` into the JSON body of a webhook.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.events import EventKind
from domain.records import MailAccount, OutboundEmail, utcnow


class UpdateKind(StrEnum):
    """What kind of change an update reports (the GraphQL enum OutboundEmailUpdateKind)."""

    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"
    STATUS_CHANGED = "STATUS_CHANGED"
    SEND_PROGRESS = "SEND_PROGRESS"
    SENT_COPY_LINKED = "SENT_COPY_LINKED"
    DELIVERY_STATUS_CHANGED = "DELIVERY_STATUS_CHANGED"
    BOUNCE_DETECTED = "BOUNCE_DETECTED"
    REPLY_LINKED = "REPLY_LINKED"
    AUTO_REPLY_LINKED = "AUTO_REPLY_LINKED"


KINDS: dict[str, UpdateKind] = {
    EventKind.CREATED: UpdateKind.CREATED,
    EventKind.UPDATED: UpdateKind.UPDATED,
    EventKind.SCHEDULED: UpdateKind.UPDATED,
    EventKind.UNSCHEDULED: UpdateKind.UPDATED,
    EventKind.DELETED: UpdateKind.DELETED,
    EventKind.QUEUED: UpdateKind.STATUS_CHANGED,
    EventKind.SENT: UpdateKind.STATUS_CHANGED,
    EventKind.FAILED: UpdateKind.STATUS_CHANGED,
    EventKind.ATTEMPT: UpdateKind.SEND_PROGRESS,
    EventKind.RATE_LIMITED: UpdateKind.SEND_PROGRESS,
    EventKind.RETRIED: UpdateKind.SEND_PROGRESS,
    EventKind.SENT_COPY_LINKED: UpdateKind.SENT_COPY_LINKED,
    EventKind.DELIVERY_STATUS_CHANGED: UpdateKind.DELIVERY_STATUS_CHANGED,
    EventKind.BOUNCE_DETECTED: UpdateKind.BOUNCE_DETECTED,
    EventKind.REPLY_LINKED: UpdateKind.REPLY_LINKED,
    EventKind.AUTO_REPLY_LINKED: UpdateKind.AUTO_REPLY_LINKED,
}


def update_kind(event_kind: str) -> UpdateKind:
    """The update kind of an audit event (an event kind this version does not know reads as UPDATED)."""
    return KINDS.get(event_kind, UpdateKind.UPDATED)


@dataclass(frozen=True, slots=True)
class Update:
    """One change to an email, with the email as it is now (None once a draft is deleted)."""

    kind: UpdateKind
    event: str
    cursor: str
    at: datetime
    email_id: uuid.UUID
    email: OutboundEmail | None
    account: MailAccount | None


def build_update(
    event_kind: str,
    email_id: uuid.UUID,
    at: datetime | None,
    cursor: str,
    email: OutboundEmail | None,
    account: MailAccount | None,
) -> Update:
    """The update for one audit event and the email's current state."""
    return Update(
        kind=update_kind(event_kind),
        event=event_kind,
        cursor=cursor,
        at=at or (email.updated_at if email else utcnow()),
        email_id=email_id,
        email=email,
        account=account,
    )
