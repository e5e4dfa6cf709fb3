"""One update about an email, as both live subscriptions and webhooks tell it.

The audit trail feeds both: an event becomes an `Update` (its kind, the event, a cursor, when,
which email, and the email as it is now) here, once. `api/subscriptions.py` shapes it into the
GraphQL `OutboundEmailUpdate`; `domain/webhooks/payload.py` into the JSON body of a webhook.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

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
    RECIPIENT_UPDATED = "RECIPIENT_UPDATED"
    ACCOUNT_NEEDS_REAUTH = "ACCOUNT_NEEDS_REAUTH"
    ACCOUNT_RECONNECTED = "ACCOUNT_RECONNECTED"
    ACCOUNT_WATCH_EXPIRING = "ACCOUNT_WATCH_EXPIRING"
    ACCOUNT_SENDER_WARNING = "ACCOUNT_SENDER_WARNING"
    ACCOUNT_UPDATED = "ACCOUNT_UPDATED"


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
    EventKind.RECIPIENT_UPDATED: UpdateKind.RECIPIENT_UPDATED,
    EventKind.BOUNCE_UNLINKED: UpdateKind.DELIVERY_STATUS_CHANGED,
    EventKind.CANCELLED: UpdateKind.STATUS_CHANGED,
    EventKind.WAITING: UpdateKind.SEND_PROGRESS,
    EventKind.ACCOUNT_NEEDS_REAUTH: UpdateKind.ACCOUNT_NEEDS_REAUTH,
    EventKind.ACCOUNT_RECONNECTED: UpdateKind.ACCOUNT_RECONNECTED,
    EventKind.ACCOUNT_WATCH_EXPIRING: UpdateKind.ACCOUNT_WATCH_EXPIRING,
    EventKind.ACCOUNT_SENDER_WARNING: UpdateKind.ACCOUNT_SENDER_WARNING,
    EventKind.ACCOUNT_UPDATED: UpdateKind.ACCOUNT_UPDATED,
}

DESCRIPTIONS: dict[UpdateKind, str] = {
    UpdateKind.CREATED: "The email was created (a draft, or a send request).",
    UpdateKind.UPDATED: "A draft was edited, scheduled or unscheduled.",
    UpdateKind.DELETED: "A draft was deleted; `outboundEmail` is null.",
    UpdateKind.STATUS_CHANGED: "The status changed: queued (PENDING), SENT, FAILED, or cancelled back to DRAFT.",
    UpdateKind.SEND_PROGRESS: "A send attempt started, waits for a quota or an account, or will be retried.",
    UpdateKind.SENT_COPY_LINKED: "The sent copy synced from the Gmail mailbox was linked to the email.",
    UpdateKind.DELIVERY_STATUS_CHANGED: "The delivery status changed (a delay notice, or a bounce unlinked).",
    UpdateKind.BOUNCE_DETECTED: "A bounce (DSN) was linked to the email.",
    UpdateKind.REPLY_LINKED: "A human reply was linked to the email.",
    UpdateKind.AUTO_REPLY_LINKED: "An automatic reply (out of office, vacation) was linked to the email.",
    UpdateKind.RECIPIENT_UPDATED: "One recipient's delivery state changed; it is in `recipient`.",
    UpdateKind.ACCOUNT_NEEDS_REAUTH: "The account must be reconnected; its PENDING emails wait meanwhile.",
    UpdateKind.ACCOUNT_RECONNECTED: "The account was reconnected; the emails that waited for it resume.",
    UpdateKind.ACCOUNT_WATCH_EXPIRING: (
        "The account's Gmail watch could not be renewed and expires soon (then replies and bounces stop)."
    ),
    UpdateKind.ACCOUNT_SENDER_WARNING: "A bounce blamed the sender (reputation, authentication, blocked).",
    UpdateKind.ACCOUNT_UPDATED: "An account setting changed (daily cap, sender warning acknowledged).",
}
"""What each kind means, for the schema and the webhook documentation."""


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
    data: Mapping[str, Any] | None = None
    """The audit event's own data (a RECIPIENT_UPDATED carries the recipient as it was left)."""
    subject_account: MailAccount | None = None
    """For an ACCOUNT_* update: the account it is about (its id is `email_id`)."""


def build_update(
    event_kind: str,
    email_id: uuid.UUID,
    at: datetime | None,
    cursor: str,
    email: OutboundEmail | None,
    account: MailAccount | None,
    data: Mapping[str, Any] | None = None,
    subject_account: MailAccount | None = None,
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
        data=data,
        subject_account=subject_account,
    )
