"""Sending one PENDING email exactly once: claim it, check the budget, hand it to Gmail, record it.

Exactly once rests on three things:
- a claim (an attempt token written under a row lock) so one worker at a time holds a send; a
  claim older than the lease may be taken over. A worker starts the Gmail call only within half
  the lease of its claim, and the lease is at least twice the call's timeout, so the previous
  holder has always finished or given up before anyone can take over. An attempt that first
  searched for an earlier send renews its claim (if it still holds it) before the call, so a slow
  search cannot starve the email of attempts;
- an attempt whose outcome is unknown (a crash, a timeout, a reset, a 5xx: Gmail may have
  accepted the message) leaves `uncertain_since` set, and the next attempt first looks in the
  account's Sent mail, within that window, for the message carrying this email's X-Mailtrail-Id.
  Gmail's search index may lag a just-sent message, so what search does not find is confirmed
  through the mailbox's history (complete at once) from the cursor recorded with the doubt;
  A *definite* refusal (429, a quota or auth error, a 4xx) means nothing was sent, so it leaves no
  uncertainty behind and the next attempt does not spend quota searching;
- the result is recorded only on a row that is still PENDING.
"""

from __future__ import annotations

import dataclasses
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

from domain import account_health, mime, quota, send_window
from domain.content.guard import ContextUnavailable, send_blocked_reason
from domain.context_provider import ContextProvider
from domain.events import EventKind, record_event
from domain.gateway import (
    AccountRef,
    AuthRevoked,
    ConfigurationError,
    GatewayError,
    HistoryExpired,
    MailGateway,
    RateLimited,
    SentMessage,
    TransientError,
)
from domain.ledger import book
from domain.lifecycle import Action, EmailStatus, advance
from domain.records import AccountState, MailAccount, OutboundAttachment, OutboundEmail, utcnow
from domain.suppression import suppressed_among

log = logging.getLogger("mailtrail.dispatch")
ACTOR = "worker:send"
MAILTRAIL_ID_HEADER = "X-Mailtrail-Id"
SEARCH_SKEW = timedelta(minutes=1)
"""Clock skew allowed between us and Gmail when searching Sent for an uncertain attempt."""


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
    daily_cap: int = 500
    units_per_minute: int = 15000
    backoff_unit: float = 2.0
    backoff_cap: float = 300.0
    max_message_bytes: int = 36_700_160
    """messages.send's `maxSize` in Gmail's discovery document (35 MB)."""


Sessions = Callable[[], AbstractContextManager[Session]]
Doubt = tuple[datetime | None, int | None]
"""Since when, and from which history cursor, an earlier attempt may have reached Gmail unseen."""
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
        reached_gmail = False  # did *this* attempt hand the message to Gmail (outcome possibly unknown)?
        try:
            sent = self._find_earlier_send(email_id, claim) if claim.uncertain_since is not None else None
            if sent is None and claim.search_only:  # past sendBefore: find an earlier send, never send late
                return self._fail(email_id, send_window.expired_message(), claim.doubt)
            if sent is None:
                blocked = self._guard(email_id) if claim.contextual else None
                if blocked is not None:
                    return self._fail(email_id, blocked, claim.doubt)
                self.failpoint("before_gmail")
                if claim.uncertain_since is not None or self.clock() - claim.claimed_at > self.policy.lease / 2:
                    # After a search (slow, and the rare path), a slow guard, or a pause (GC, a
                    # stalled VM), the lease may run out during the call: hold it afresh if it is
                    # still ours; if another worker took over meanwhile, the send is theirs.
                    renewed = self._renew(email_id, claim.token)
                    if renewed is None:
                        return Result(Outcome.SKIPPED, detail="the send was taken over meanwhile")
                    claim = dataclasses.replace(claim, claimed_at=renewed)
                reached_gmail = True
                sent = self.gateway.send(claim.account, claim.raw, claim.thread_id)
                self.failpoint("after_gmail")
            header = self._read_message_id(claim.account, sent)
            self.failpoint("before_commit")
            return self._record_sent(email_id, claim.token, sent, header, recovered=claim.uncertain_since is not None)
        except RateLimited as error:
            return self._wait_after_rate_limit(email_id, claim, error)
        except AuthRevoked as error:
            return self._wait_after_auth_refusal(email_id, claim, error)
        except TransientError as error:
            # A timeout, reset or 5xx of the send itself may hide an accepted message; one during
            # the search happened before anything was sent in this attempt.
            return self._retry_or_fail(email_id, claim, error, reached_gmail)
        except ContextUnavailable as error:
            # The app's context provider did not answer: nothing was sent, try again later.
            return self._retry_or_fail(email_id, claim, TransientError(str(error)), False)
        except ConfigurationError as error:
            # Not Gmail answering (a wrong base URL, say): the operator's to fix, not the email's
            # fault, and nothing was sent. Hold the email (retrying) until its deadline.
            log.error("email %s: the Gmail API is misconfigured: %s", email_id, error.message)
            return self._retry_or_fail(email_id, claim, TransientError(error.message), False)
        except GatewayError as error:
            return self._fail(email_id, f"Gmail refused the email: {error.message}", claim.doubt)

    # -- steps -----------------------------------------------------------------------------

    def _guard(self, email_id: uuid.UUID) -> str | None:
        """The send guard (content): why the email's context now forbids sending it, or None.

        Run after the claim committed, outside its row locks: it may call the app's provider.
        """
        with self.sessions() as session:
            email = session.get(OutboundEmail, email_id)
            return None if email is None else send_blocked_reason(session, email, self.context_provider)

    def _renew(self, email_id: uuid.UUID, token: uuid.UUID) -> datetime | None:
        """Restart the claim's lease if this worker still holds it; None when another took over."""
        now = self.clock()
        with self.sessions() as session:
            email = self._locked(session, email_id)
            if email is None or email.status != EmailStatus.PENDING or email.attempt_token != token:
                return None
            email.attempt_started_at = now
            session.add(email)
        return now

    def _find_earlier_send(self, email_id: uuid.UUID, claim: _Claim) -> SentMessage | None:
        """The message an earlier, uncertain attempt may have sent: by search, else by history."""
        assert claim.uncertain_since is not None
        sent = self.gateway.find_sent_by_header(
            claim.account, MAILTRAIL_ID_HEADER, str(email_id), claim.uncertain_since - SEARCH_SKEW
        )
        if sent is None and claim.uncertain_history_id is not None:
            try:
                sent = self.gateway.find_sent_since(
                    claim.account, MAILTRAIL_ID_HEADER, str(email_id), claim.uncertain_history_id
                )
            except HistoryExpired:  # the doubt is older than Gmail's history: search has long caught up
                sent = None
        if sent is not None:
            log.info("email %s was already in Sent (%s); recording it", email_id, sent.provider_message_id)
        return sent

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
            # send window (ledger): past its sendBefore an email fails rather than going out late;
            # if an earlier attempt may have reached Gmail, that send is only looked for.
            late = send_window.expired(now, email.send_before)
            if late and email.uncertain_since is None:
                return self._fail_in(session, email, send_window.expired_message(), now)
            if (
                not late
                and email.next_attempt_at is not None
                and email.next_attempt_at > now + timedelta(milliseconds=50)
            ):
                return Result(Outcome.WAIT, (email.next_attempt_at - now).total_seconds(), "not yet due")
            account = session.exec(
                select(MailAccount).where(MailAccount.id == email.account_id).with_for_update()
            ).one()
            if account.state == AccountState.NEEDS_REAUTH:
                if late:
                    return self._fail_in(session, email, send_window.expired_message(), now)
                return self._wait_for_reauth(session, email, now)
            if account.state != AccountState.ACTIVE or not account.credentials_encrypted:
                return self._fail_in(
                    session,
                    email,
                    f"the sending account {account.email} is {account.state.value}; reconnect it and retry",
                    now,
                )
            # Checked here, just before Gmail, as well as when the send was asked for: an address
            # can be suppressed meanwhile (a bounce of an earlier email), and no path skips this.
            suppressed = suppressed_among(session, email.organization_id, [*email.to, *email.cc, *email.bcc])
            if suppressed and not email.allow_suppressed:
                return self._fail_in(session, email, suppressed_message(suppressed), now)
            daily_cap = account.daily_send_cap if account.daily_send_cap is not None else self.policy.daily_cap
            wait = quota.next_slot_from_marks(
                now,
                *self._usage_marks(session, account.id, now, daily_cap),
                daily_cap=daily_cap,
                units_per_minute=self.policy.units_per_minute,
            )
            if wait is not None:
                if email.uncertain_since is None and send_window.misses(wait.until, email.send_before):
                    detail = f"{wait.reason.split(';')[0]}; the next slot opens after sendBefore"
                    return self._fail_in(session, email, send_window.expired_message(detail), now)
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
            uncertain_since, uncertain_history_id = email.uncertain_since, email.uncertain_history_id
            email.attempt_token = uuid.uuid4()
            email.attempt_started_at = now
            email.attempt_count += 1
            email.wait_reason = None
            # Until this attempt knows better, a crash from here on may hide an accepted send. The
            # account's sync cursor is at or before this moment in its history: a walk from it
            # sees whatever this attempt may send.
            if uncertain_since is None:
                email.uncertain_since, email.uncertain_history_id = now, account.history_id
            session.add(email)
            attempt: dict[str, Any] = {"attempt": email.attempt_count}
            if suppressed:
                attempt["suppressed_recipients_allowed"] = suppressed
            record_event(session, email, EventKind.ATTEMPT, ACTOR, attempt, at=now)
            attachments = session.exec(
                select(OutboundAttachment)
                .where(OutboundAttachment.email_id == email.id)
                .order_by(col(OutboundAttachment.position))
            ).all()
            outgoing = _outgoing(email, attachments)
            message_id = email.local_message_id or mime.make_message_id(email.id.hex, "mailtrail.local")
            dated = email.first_queued_at or now
            token, thread_hint = email.attempt_token, email.thread_hint
            contextual = email.context_type is not None  # only those can carry a send guard
            account_id, address, sealed = str(account.id), account.email, account.credentials_encrypted
        # The claim is committed (the row locks are released); the slow parts run outside it.
        try:
            built = mime.build_mime(outgoing, message_id=message_id, now=dated)
        except ValueError as error:  # input validation keeps this out; never leave a claim dangling
            return self._fail(
                email_id, f"the message could not be built: {error}", (uncertain_since, uncertain_history_id)
            )
        if len(built) > self.policy.max_message_bytes:
            return self._fail(
                email_id,
                f"the message is {len(built) / 2**20:.1f} MB; Gmail accepts at most "
                f"{self.policy.max_message_bytes / 2**20:.1f} MB",
                (uncertain_since, uncertain_history_id),
            )
        ref = AccountRef(account_id, address, self.decrypt(sealed))
        return _Claim(
            token,
            ref,
            mime.to_gmail_raw(built),
            thread_hint,
            uncertain_since,
            uncertain_history_id,
            now,
            contextual,
            late,
        )

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
            email.uncertain_since = email.uncertain_history_id = None
            session.add(email)
            book.mark_sent(session, email, now)
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

    def _wait_after_rate_limit(self, email_id: uuid.UUID, claim: _Claim, error: RateLimited) -> Result:
        """A 429 or quota refusal is definite: Gmail sent nothing, so this attempt adds no doubt."""
        now = self.clock()
        with self.sessions() as session:
            email = self._locked(session, email_id)
            if email is None or email.status != EmailStatus.PENDING:
                return Result(Outcome.SKIPPED)
            claim.restore_doubt(email)
            default = (
                3600.0
                if error.daily
                else quota.backoff_seconds(
                    email.attempt_count, self.policy.backoff_unit * 5, self.policy.backoff_cap, self.jitter()
                )
            )
            delay = error.retry_after or default
            reason = "Gmail daily sending limit reached" if error.daily else "Gmail rate limit"
            if send_window.misses(now + timedelta(seconds=delay), email.send_before):
                return self._fail_in(session, email, send_window.expired_message(f"{reason}: {error.message}"), now)
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

    def _retry_or_fail(self, email_id: uuid.UUID, claim: _Claim, error: TransientError, ambiguous: bool) -> Result:
        """Try again later; `ambiguous` when the failed call was the send itself (it may have gone)."""
        now = self.clock()
        with self.sessions() as session:
            email = self._locked(session, email_id)
            if email is None or email.status != EmailStatus.PENDING:
                return Result(Outcome.SKIPPED)
            if not ambiguous:
                claim.restore_doubt(email)
            started = email.first_queued_at or email.created_at
            if now - started >= self.policy.deadline:
                return self._fail_in(
                    session, email, f"gave up after {email.attempt_count} attempts: {error.message}", now
                )
            delay = quota.backoff_seconds(
                email.attempt_count, self.policy.backoff_unit, self.policy.backoff_cap, self.jitter()
            )
            if send_window.misses(now + timedelta(seconds=delay), email.send_before):
                return self._fail_in(
                    session, email, send_window.expired_message(f"the last attempt failed: {error.message}"), now
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

    def _fail(self, email_id: uuid.UUID, message: str, doubt: Doubt) -> Result:
        """FAIL after a definite refusal; only earlier attempts' doubt is kept (a retry needs it)."""
        now = self.clock()
        with self.sessions() as session:
            email = self._locked(session, email_id)
            if email is None or email.status != EmailStatus.PENDING:
                return Result(Outcome.SKIPPED)
            email.uncertain_since, email.uncertain_history_id = doubt
            return self._fail_in(session, email, message, now)

    def _wait_after_auth_refusal(self, email_id: uuid.UUID, claim: _Claim, error: AuthRevoked) -> Result:
        """Gmail refused the grant (revoked, or a scope lost): definite, nothing was sent. The account
        needs re-authorisation, and this email waits for it like the account's other emails."""
        now = self.clock()
        with self.sessions() as session:
            email = self._locked(session, email_id)
            if email is None or email.status != EmailStatus.PENDING:
                return Result(Outcome.SKIPPED)
            claim.restore_doubt(email)
            account = session.get(MailAccount, email.account_id, with_for_update=True)
            if account is not None:
                reason = f"Gmail access was revoked or lacks a scope: {error.message}"
                account_health.mark_needs_reauth(session, account, reason, ACTOR, now)
            return self._wait_for_reauth(session, email, now)

    def _wait_for_reauth(self, session: Session, email: OutboundEmail, now: datetime) -> Result:
        """Wait for the account to be reconnected (which resumes the email), until sendBefore or the deadline."""
        queued = email.first_queued_at or email.created_at
        until = send_window.reauth_wait_until(email.send_before, queued, self.policy.deadline)
        if now >= until:
            if send_window.expired(now, email.send_before):
                return self._fail_in(session, email, send_window.expired_message(), now)
            return self._fail_in(
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
        self._release(session, email, until, send_window.NEEDS_REAUTH)
        return Result(Outcome.WAIT, max(0.05, (until - now).total_seconds()), send_window.NEEDS_REAUTH)

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
    uncertain_since: datetime | None
    """Set when an earlier attempt may have reached Gmail: the start of the window to search."""
    uncertain_history_id: int | None
    """The mailbox's history cursor from before that attempt: where a walk for it starts."""
    claimed_at: datetime
    contextual: bool = False
    """Linked to a context entity, so the send guard must look at it."""
    search_only: bool = False
    """Past sendBefore: only look for the earlier attempt's send; never send now."""

    @property
    def doubt(self) -> Doubt:
        return self.uncertain_since, self.uncertain_history_id

    def restore_doubt(self, email: OutboundEmail) -> None:
        """Leave only earlier attempts' doubt: this one ended in a definite refusal, or never sent."""
        email.uncertain_since, email.uncertain_history_id = self.uncertain_since, self.uncertain_history_id


def suppressed_message(addresses: list[str]) -> str:
    """The FAILED email's readable reason when its recipients were suppressed meanwhile."""
    verb = "is" if len(addresses) == 1 else "are"
    return (
        f"not sent: {', '.join(addresses)} {verb} suppressed after a hard bounce; "
        "unsuppress the address or send again with allowSuppressed"
    )


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
