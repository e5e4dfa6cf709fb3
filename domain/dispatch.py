"""Sending one PENDING email exactly once: claim it, check the budget, hand it to Gmail, record it.

Exactly once rests on three things:
- a claim (an attempt token written under a row lock) so one worker at a time holds a send; a
  claim older than the lease may be taken over. A worker starts the Gmail call only within half
  the lease of its claim, and the lease is at least twice the call's timeout, so the previous
  holder has always finished or given up before anyone can take over;
- every attempt after the first looks in the account's Sent mail for the message carrying this
  email's X-Mailtrail-Id before sending, because a crash or a timeout may have hidden a send that
  Gmail did accept;
- the result is recorded only on a row that is still PENDING.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from domain import mime, quota
from domain.content.guard import send_blocked_reason
from domain.context_provider import ContextProvider
from domain.events import EventKind, record_event
from domain.gateway import AccountRef, AuthRevoked, GatewayError, MailGateway, RateLimited, SentMessage, TransientError
from domain.lifecycle import Action, EmailStatus, advance
from domain.records import AccountState, MailAccount, OutboundAttachment, OutboundEmail, utcnow

log = logging.getLogger("mailtrail.dispatch")
ACTOR = "worker:send"
MAILTRAIL_ID_HEADER = "X-Mailtrail-Id"


class Outcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    RETRY = "retry"
    WAIT = "wait"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    delay_seconds: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class Policy:
    lease: timedelta = timedelta(seconds=120)
    deadline: timedelta = timedelta(hours=1)
    daily_cap: int = 2000
    units_per_minute: int = 15000
    backoff_unit: float = 2.0
    backoff_cap: float = 300.0


Sessions = Callable[[], AbstractContextManager[Session]]
Failpoint = Callable[[str], None]


def _no_failpoint(_name: str) -> None:
    return None


@dataclass
class Dispatcher:
    """Runs send attempts; `sessions` yields committed-on-exit sessions, `decrypt` opens credentials."""

    sessions: Sessions
    gateway: MailGateway
    decrypt: Callable[[str], dict[str, Any]]
    policy: Policy
    clock: Callable[[], datetime] = utcnow
    failpoint: Failpoint = _no_failpoint
    jitter: Callable[[], float] = random.random
    context_provider: ContextProvider | None = None
    """Reads context entities from apps' providers for the send guard (domain/content/guard.py)."""

    def send(self, email_id: uuid.UUID) -> Result:
        claim = self._claim(email_id)
        if isinstance(claim, Result):
            return claim
        try:
            sent = None
            if claim.previous_attempts:
                sent = self.gateway.find_sent_by_header(
                    claim.account, MAILTRAIL_ID_HEADER, str(email_id), claim.search_after
                )
                if sent is not None:
                    log.info("email %s was already in Sent (%s); recording it", email_id, sent.provider_message_id)
            if sent is None:
                self.failpoint("before_gmail")
                if self.clock() - claim.claimed_at > self.policy.lease / 2:
                    # Paused too long since the claim (GC, a stalled VM, a blocked thread): another
                    # worker may take over before this call could finish, so do not start it.
                    return self._retry_or_fail(email_id, claim.token, TransientError("claim too old to send"))
                sent = self.gateway.send(claim.account, claim.raw, claim.thread_id)
                self.failpoint("after_gmail")
            header = self._read_message_id(claim.account, sent)
            self.failpoint("before_commit")
            return self._record_sent(email_id, claim.token, sent, header, recovered=claim.previous_attempts > 0)
        except RateLimited as error:
            return self._wait_after_rate_limit(email_id, claim.token, error)
        except AuthRevoked as error:
            return self._fail(
                email_id,
                claim.token,
                f"Gmail access was revoked or lacks a scope: {error.message}",
                revoke_account=True,
            )
        except TransientError as error:
            return self._retry_or_fail(email_id, claim.token, error)
        except GatewayError as error:
            return self._fail(email_id, claim.token, f"Gmail refused the email: {error.message}")

    # -- steps -----------------------------------------------------------------------------

    def _claim(self, email_id: uuid.UUID) -> _Claim | Result:
        now = self.clock()
        with self.sessions() as session:
            email = session.exec(select(OutboundEmail).where(OutboundEmail.id == email_id).with_for_update()).first()
            if email is None or email.status != EmailStatus.PENDING:
                return Result(Outcome.SKIPPED, detail="not pending")
            if (
                email.attempt_token is not None
                and email.attempt_started_at
                and email.attempt_started_at > now - self.policy.lease
            ):
                return Result(Outcome.SKIPPED, detail="another worker holds the send")
            if email.next_attempt_at is not None and email.next_attempt_at > now + timedelta(milliseconds=50):
                return Result(Outcome.WAIT, (email.next_attempt_at - now).total_seconds(), "not yet due")
            account = session.exec(
                select(MailAccount).where(MailAccount.id == email.account_id).with_for_update()
            ).one()
            if account.state != AccountState.ACTIVE or not account.credentials_encrypted:
                return self._fail_in(
                    session,
                    email,
                    f"the sending account {account.email} is {account.state.value}; reconnect it and retry",
                    now,
                )
            # send guard (content): the context is read again; a paid invoice's reminder is not sent
            blocked = send_blocked_reason(session, email, self.context_provider)
            if blocked is not None:
                return self._fail_in(session, email, blocked, now)
            daily_cap = account.daily_send_cap or self.policy.daily_cap
            wait = quota.next_slot_from_marks(
                now,
                *self._usage_marks(session, account.id, now, daily_cap),
                daily_cap=daily_cap,
                units_per_minute=self.policy.units_per_minute,
            )
            if wait is not None:
                if email.wait_reason != wait.reason.split(";")[0] or email.next_attempt_at != wait.until:
                    record_event(
                        session,
                        email,
                        EventKind.RATE_LIMITED,
                        ACTOR,
                        {"reason": wait.reason, "until": wait.until.isoformat()},
                        at=now,
                    )
                email.next_attempt_at = wait.until
                email.wait_reason = wait.reason.split(";")[0]
                session.add(email)
                return Result(Outcome.WAIT, max(0.05, (wait.until - now).total_seconds()), wait.reason)
            previous = email.attempt_count
            email.attempt_token = uuid.uuid4()
            email.attempt_started_at = now
            email.attempt_count += 1
            email.wait_reason = None
            session.add(email)
            record_event(session, email, EventKind.ATTEMPT, ACTOR, {"attempt": email.attempt_count}, at=now)
            attachments = session.exec(
                select(OutboundAttachment)
                .where(OutboundAttachment.email_id == email.id)
                .order_by(col(OutboundAttachment.position))
            ).all()
            outgoing = _outgoing(email, attachments)
            message_id = email.local_message_id or mime.make_message_id(email.id.hex, "mailtrail.local")
            dated = email.first_queued_at or now
            token, thread_hint = email.attempt_token, email.thread_hint
            search_after = (email.created_at or now) - timedelta(minutes=5)
            account_id, address, sealed = str(account.id), account.email, account.credentials_encrypted
        # The claim is committed (the row locks are released); the slow parts run outside it.
        try:
            raw = mime.to_gmail_raw(mime.build_mime(outgoing, message_id=message_id, now=dated))
        except ValueError as error:  # input validation keeps this out; never leave a claim dangling
            return self._fail(email_id, token, f"the message could not be built: {error}")
        ref = AccountRef(account_id, address, self.decrypt(sealed))
        return _Claim(token, ref, raw, thread_hint, previous, search_after, now)

    def _usage_marks(
        self, session: Session, account_id: uuid.UUID, now: datetime, daily_cap: int
    ) -> tuple[datetime | None, datetime | None]:
        """The daily_cap-th newest send of the last day and the per-minute-th newest attempt of the
        last minute (or None): one indexed probe each, however many emails the account sent."""
        E = OutboundEmail
        per_minute = quota.sends_per_minute(self.policy.units_per_minute)
        day = session.exec(
            select(E.sent_at)
            .where(E.account_id == account_id, col(E.sent_at) > now - quota.DAY)
            .order_by(col(E.sent_at).desc())
            .offset(max(0, daily_cap - 1))
            .limit(1)
        ).first()
        minute = session.exec(
            select(E.attempt_started_at)
            .where(E.account_id == account_id, col(E.attempt_started_at) > now - quota.MINUTE)
            .order_by(col(E.attempt_started_at).desc())
            .offset(per_minute - 1)
            .limit(1)
        ).first()
        return day, minute

    def _read_message_id(self, account: AccountRef, sent: SentMessage) -> str | None:
        """Gmail replaces our Message-ID with its own; read it back (sync fills it in if this fails)."""
        try:
            return self.gateway.message_id_header(account, sent.provider_message_id)
        except GatewayError as error:
            log.warning("could not read back the Message-ID of %s: %s", sent.provider_message_id, error)
            return None

    def _locked(self, session: Session, email_id: uuid.UUID) -> OutboundEmail | None:
        return session.exec(select(OutboundEmail).where(OutboundEmail.id == email_id).with_for_update()).first()

    def _record_sent(
        self, email_id: uuid.UUID, token: uuid.UUID, sent: SentMessage, header: str | None, recovered: bool
    ) -> Result:
        now = self.clock()
        with self.sessions() as session:
            email = self._locked(session, email_id)
            if email is None or email.status != EmailStatus.PENDING:
                return Result(Outcome.SKIPPED, detail="already recorded")
            email.status = advance(email.status, Action.MARK_SENT) or email.status
            email.provider_message_id = sent.provider_message_id
            email.provider_thread_id = sent.provider_thread_id
            email.message_id_header = header or email.message_id_header
            email.sent_at = now
            email.updated_at = now
            email.attempt_token = None
            email.next_attempt_at = None
            email.wait_reason = None
            email.error_message = None
            session.add(email)
            record_event(
                session,
                email,
                EventKind.SENT,
                ACTOR,
                {
                    "provider_message_id": sent.provider_message_id,
                    "provider_thread_id": sent.provider_thread_id,
                    "message_id_header": header,
                    "recovered_from_sent_mail": recovered,
                },
                at=now,
            )
        return Result(Outcome.SENT)

    def _release(self, session: Session, email: OutboundEmail, until: datetime, reason: str | None) -> None:
        email.attempt_token = None
        email.next_attempt_at = until
        email.wait_reason = reason
        email.updated_at = self.clock()
        session.add(email)

    def _wait_after_rate_limit(self, email_id: uuid.UUID, token: uuid.UUID, error: RateLimited) -> Result:
        now = self.clock()
        with self.sessions() as session:
            email = self._locked(session, email_id)
            if email is None or email.status != EmailStatus.PENDING:
                return Result(Outcome.SKIPPED)
            default = (
                3600.0
                if error.daily
                else quota.backoff_seconds(
                    email.attempt_count, self.policy.backoff_unit * 5, self.policy.backoff_cap, self.jitter()
                )
            )
            delay = error.retry_after or default
            reason = "Gmail daily sending limit reached" if error.daily else "Gmail rate limit"
            self._release(session, email, now + timedelta(seconds=delay), reason)
            record_event(
                session,
                email,
                EventKind.RATE_LIMITED,
                ACTOR,
                {"reason": reason, "detail": error.message, "retry_in_seconds": round(delay, 3)},
                at=now,
            )
        return Result(Outcome.WAIT, delay, error.message)

    def _retry_or_fail(self, email_id: uuid.UUID, token: uuid.UUID, error: TransientError) -> Result:
        now = self.clock()
        with self.sessions() as session:
            email = self._locked(session, email_id)
            if email is None or email.status != EmailStatus.PENDING:
                return Result(Outcome.SKIPPED)
            started = email.first_queued_at or email.created_at
            if now - started >= self.policy.deadline:
                return self._fail_in(
                    session, email, f"gave up after {email.attempt_count} attempts: {error.message}", now
                )
            delay = quota.backoff_seconds(
                email.attempt_count, self.policy.backoff_unit, self.policy.backoff_cap, self.jitter()
            )
            self._release(session, email, now + timedelta(seconds=delay), None)
            record_event(
                session,
                email,
                EventKind.RETRIED,
                ACTOR,
                {"error": error.message, "retry_in_seconds": round(delay, 3), "attempt": email.attempt_count},
                at=now,
            )
        return Result(Outcome.RETRY, delay, error.message)

    def _fail(self, email_id: uuid.UUID, token: uuid.UUID, message: str, revoke_account: bool = False) -> Result:
        now = self.clock()
        with self.sessions() as session:
            email = self._locked(session, email_id)
            if email is None or email.status != EmailStatus.PENDING:
                return Result(Outcome.SKIPPED)
            if revoke_account:
                account = session.get(MailAccount, email.account_id)
                if account is not None and account.state == AccountState.ACTIVE:
                    account.state = AccountState.NEEDS_REAUTH
                    account.state_reason = message
                    account.updated_at = now
                    session.add(account)
            return self._fail_in(session, email, message, now)

    def _fail_in(self, session: Session, email: OutboundEmail, message: str, now: datetime) -> Result:
        email.status = advance(email.status, Action.MARK_FAILED) or email.status
        email.error_message = message
        email.attempt_token = None
        email.next_attempt_at = None
        email.wait_reason = None
        email.updated_at = now
        session.add(email)
        record_event(session, email, EventKind.FAILED, ACTOR, {"error": message}, at=now)
        return Result(Outcome.FAILED, detail=message)


@dataclass(frozen=True)
class _Claim:
    token: uuid.UUID
    account: AccountRef
    raw: str
    thread_id: str | None
    previous_attempts: int
    search_after: datetime
    claimed_at: datetime


def _outgoing(email: OutboundEmail, attachments: Any) -> mime.OutgoingMessage:
    return mime.OutgoingMessage(
        from_address=email.from_email,
        from_name=email.from_name,
        to=tuple(email.to),
        cc=tuple(email.cc),
        bcc=tuple(email.bcc),
        subject=email.subject,
        body_text=email.body_text,
        body_html=email.body_html,
        attachments=tuple(mime.MimeAttachment(a.filename, a.content_type, a.content) for a in attachments),
        in_reply_to=email.in_reply_to_header,
        references=tuple((email.references_header or "").split()),
        mailtrail_id=str(email.id),
    )
