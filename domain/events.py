"""The audit trail: every change to an outbound email appends one event in the same transaction.

Account-level changes (kinds `account_*`: needs re-authorisation, reconnected, watch expiring,
sender-scope bounce, settings) go in the same trail, with the mail account's id where an email's
id would be, so subscribers get them in order with everything else, under the same cursor.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Insert, String, bindparam, insert
from sqlalchemy import select as select_row
from sqlmodel import Session

from domain.records import MailAccount, OutboundEmail, OutboundEmailEvent, utcnow
from domain.records.fresh import fresh
from domain.records.types import JSONType


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
    RECIPIENT_UPDATED = "recipient_updated"
    BOUNCE_UNLINKED = "bounce_unlinked"
    CANCELLED = "cancelled"
    WAITING = "waiting"
    ACCOUNT_NEEDS_REAUTH = "account_needs_reauth"
    ACCOUNT_RECONNECTED = "account_reconnected"
    ACCOUNT_WATCH_EXPIRING = "account_watch_expiring"
    ACCOUNT_SENDER_WARNING = "account_sender_warning"
    ACCOUNT_UPDATED = "account_updated"


ACCOUNT_KINDS = frozenset(kind.value for kind in EventKind if kind.value.startswith("account_"))


def record_event(
    session: Session,
    email: OutboundEmail,
    kind: EventKind,
    actor: str,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> OutboundEmailEvent:
    """Append one event for `email`; it commits (or rolls back) with the change it describes."""
    event = fresh(
        OutboundEmailEvent,
        organization_id=email.organization_id,
        email_id=email.id,
        kind=kind.value,
        at=at or utcnow(),
        data=data or {},
        actor=actor,
    )
    session.add(event)
    return event


def event_after(organization_id: ColumnElement[Any], email_id: Any, at: Any) -> Insert:
    """`record_event` as part of one PostgreSQL statement: the event of the row a data-modifying WITH
    clause wrote (`organization_id` read from its RETURNING, so no row written, no event); its kind,
    data and actor are bound by `event_values`."""
    return insert(OutboundEmailEvent).from_select(
        ["organization_id", "email_id", "kind", "at", "data", "actor"],
        select_row(
            organization_id,
            email_id,
            bindparam("b_kind", type_=String()),
            at,
            bindparam("b_data", type_=JSONType),
            bindparam("b_actor", type_=String()),
        ),
    )


def event_values(kind: EventKind, actor: str, data: dict[str, Any]) -> dict[str, Any]:
    """The values `event_after`'s statement binds."""
    return {"b_kind": kind.value, "b_data": data, "b_actor": actor}


def record_account_event(
    session: Session,
    account: MailAccount,
    kind: EventKind,
    actor: str,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> OutboundEmailEvent:
    """Append one account-level event (its `email_id` is the account's id; see the module docstring)."""
    assert kind.value in ACCOUNT_KINDS, kind
    event = OutboundEmailEvent(
        organization_id=account.organization_id,
        email_id=account.id,
        kind=kind.value,
        at=at or utcnow(),
        data={"account_id": str(account.id), "email": account.email, **(data or {})},
        actor=actor,
    )
    session.add(event)
    return event
