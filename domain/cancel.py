"""cancelSend: take a queued email back to DRAFT while no worker holds its send.

It locks the email's row exactly as the worker's claim does (SELECT ... FOR UPDATE), so the two
cannot both win: a cancel that locks first leaves a DRAFT the claim then skips; a claim that
locks first leaves an attempt token the cancel sees. An email waiting on the quota, a retry
backoff or a re-authorisation is unclaimed and can be cancelled. One an earlier attempt may
already have handed to Gmail (`uncertain_since`) cannot: taking it back could hide a sent message.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session

from domain.drafts import get_email
from domain.errors import DomainError, ErrorCode
from domain.events import EventKind, record_event
from domain.lifecycle import Action, advance
from domain.records import OutboundEmail, utcnow


def cancel_send(
    session: Session,
    organization_id: uuid.UUID,
    email_id: uuid.UUID,
    actor: str,
    lease: timedelta,
    now: datetime | None = None,
) -> OutboundEmail:
    """PENDING -> DRAFT, or SEND_IN_PROGRESS when a worker holds the send or may already have sent it."""
    now = now or utcnow()
    email = get_email(session, organization_id, email_id, lock=True)
    status = advance(email.status, Action.CANCEL)
    claimed = email.attempt_token is not None and email.attempt_started_at and email.attempt_started_at > now - lease
    if claimed:
        raise DomainError(
            ErrorCode.SEND_IN_PROGRESS, "a worker is sending this email now; it can no longer be cancelled", "id"
        )
    if email.uncertain_since is not None:
        raise DomainError(
            ErrorCode.SEND_IN_PROGRESS,
            "an earlier attempt may already have reached Gmail; the send is being confirmed and cannot be cancelled",
            "id",
        )
    was = {"wait_reason": email.wait_reason, "next_attempt_at": _iso(email.next_attempt_at)}
    email.status = status or email.status
    email.attempt_token = None
    email.next_attempt_at = None
    email.wait_reason = None
    email.first_queued_at = None
    email.planned_send_at = None
    email.send_before = None
    email.updated_at = now
    session.add(email)
    record_event(session, email, EventKind.CANCELLED, actor, {"status": email.status.value, **was}, at=now)
    return email


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
