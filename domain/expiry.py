"""Failing queued emails whose sendBefore has passed: the scheduler's side of domain/send_window.py."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from domain import send_window
from domain.events import EventKind, record_event
from domain.lifecycle import Action, EmailStatus, advance
from domain.records import OutboundEmail


def fail_expired(session: Session, email: OutboundEmail, now: datetime, actor: str) -> None:
    """PENDING -> FAILED, "expired before it could be sent" (the caller holds the row lock)."""
    message = send_window.expired_message()
    email.status = advance(email.status, Action.MARK_FAILED) or email.status
    email.error_message = message
    email.attempt_token = None
    email.next_attempt_at = None
    email.wait_reason = None
    email.updated_at = now
    session.add(email)
    record_event(session, email, EventKind.FAILED, actor, {"error": message}, at=now)


def expire_overdue(session: Session, now: datetime, lease: timedelta, actor: str, limit: int = 500) -> list[uuid.UUID]:
    """FAIL the PENDING emails whose sendBefore has passed while they waited (quota, backoff,
    re-authorisation), when no worker holds them and no earlier attempt may have reached Gmail;
    those the worker settles: it looks for that send, and fails the email only if it finds none."""
    E = OutboundEmail
    rows = session.exec(
        select(E)
        .where(
            E.status == EmailStatus.PENDING,
            col(E.send_before) <= now,
            col(E.uncertain_since).is_(None),
            or_(col(E.attempt_token).is_(None), col(E.attempt_started_at) <= now - lease),
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for email in rows:
        fail_expired(session, email, now, actor)
    return [email.id for email in rows]
