"""Writing down how an attempt ended, on a row that is still PENDING: failed, waiting, released."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, select

from domain import send_window
from domain.dispatch.terms import ACTOR, Outcome, Result
from domain.events import EventKind, record_event
from domain.lifecycle import Action, advance
from domain.records import OutboundEmail


def locked(session: Session, email_id: uuid.UUID) -> OutboundEmail | None:
    """The email, its row locked until the transaction ends."""
    return session.exec(select(OutboundEmail).where(OutboundEmail.id == email_id).with_for_update()).first()


def fail_in(session: Session, email: OutboundEmail, message: str, now: datetime) -> Result:
    """FAIL the email with a readable `message` (the caller holds its row lock)."""
    email.status = advance(email.status, Action.MARK_FAILED) or email.status
    email.error_message = message
    email.attempt_token = None
    email.next_attempt_at = None
    email.wait_reason = None
    email.updated_at = now
    session.add(email)
    record_event(session, email, EventKind.FAILED, ACTOR, {"error": message}, at=now)
    return Result(Outcome.FAILED, detail=message)


def release(session: Session, email: OutboundEmail, until: datetime, reason: str | None, now: datetime) -> None:
    """Give the claim up; the next attempt is due at `until`."""
    email.attempt_token = None
    email.next_attempt_at = until
    email.wait_reason = reason
    email.updated_at = now
    session.add(email)


def wait_for_reauth(session: Session, email: OutboundEmail, now: datetime, deadline: timedelta) -> Result:
    """Wait for the account to be reconnected (which resumes the email), until sendBefore or the deadline."""
    queued = email.first_queued_at or email.created_at
    until = send_window.reauth_wait_until(email.send_before, queued, deadline)
    if now >= until:
        if send_window.expired(now, email.send_before):
            return fail_in(session, email, send_window.expired_message(), now)
        return fail_in(
            session,
            email,
            "gave up waiting for the sending account to be re-authorised; reconnect it and retry",
            now,
        )
    if email.wait_reason != send_window.NEEDS_REAUTH:
        record_event(
            session,
            email,
            EventKind.WAITING,
            ACTOR,
            {"reason": send_window.NEEDS_REAUTH, "until": until.isoformat()},
            at=now,
        )
    release(session, email, until, send_window.NEEDS_REAUTH, now)
    return Result(Outcome.WAIT, max(0.05, (until - now).total_seconds()), send_window.NEEDS_REAUTH)


def on_postgresql(session: Session) -> bool:
    """Whether `session` talks to PostgreSQL (the send path's one-statement writes), not SQLite."""
    return session.get_bind().dialect.name == "postgresql"
