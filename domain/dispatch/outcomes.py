"""After the Gmail call: record the send, or decide how long to wait, whether to retry, or fail.

Each writes only on a row that is still PENDING. Recording a send is one conditional UPDATE (the
status guard is its WHERE clause, so no read comes first), the recipients' ledger rows, the send
counted in its account's UTC hour (the claim's daily bound, claim_read.py: counted in the same
transaction, so the count never falls short of the sends) and the SENT event. On PostgreSQL they
are one statement (data-modifying WITH clauses: the rest is written only if the guard let the
UPDATE through), run outside a transaction block (a single statement is atomic on its own): one
round trip, where BEGIN, three statements and COMMIT took five. Elsewhere (SQLite) they are four
statements in one transaction. Either way
the statements are built once and run on the session's connection, past the ORM's bookkeeping.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, Select, String, Update, Uuid, bindparam, exists, func, literal
from sqlalchemy import select as select_row
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, update

from domain import account_health, quota, send_window
from domain.dispatch.claim import Claim
from domain.dispatch.claim_read import hour_of
from domain.dispatch.settle import fail_in, locked, on_postgresql, release, wait_for_reauth
from domain.dispatch.terms import ACTOR, Doubt, Outcome, Policy, Result, Sessions
from domain.events import EventKind, event_after, event_values, record_event
from domain.gateway import AuthRevoked, RateLimited, SentMessage, TransientError
from domain.ledger import book
from domain.ledger.precedence import DeliveryState
from domain.lifecycle import Action, EmailStatus, advance
from domain.records import (
    AccountSendHour,
    MailAccount,
    OutboundEmail,
    OutboundEmailEvent,
    OutboundRecipient,
    precompiled,
    utcnow,
)
from domain.records.types import UTCDateTime

SENT = advance(EmailStatus.PENDING, Action.MARK_SENT) or EmailStatus.SENT


@lru_cache(maxsize=1)
def _record_sent() -> Update:
    """The conditional UPDATE that records a send, built once (building it costs more than running it).

    The status guard is its WHERE clause; a Message-ID header not read back keeps what the row has.
    The guard is written `IS NOT DISTINCT FROM` (the same test on a NOT NULL column), which no
    index answers, so the email's id is the only way in: with `=`, PostgreSQL's prepared plan may
    enter through `ix_outbound_email_due` at status PENDING and walk every pending (and not yet
    vacuumed) row to find this one (seen on a fresh table: ~290 index entries per send).
    """
    E = OutboundEmail
    now = bindparam("b_now", type_=UTCDateTime())
    return (
        update(E)
        .where(
            col(E.id) == bindparam("b_email_id", type_=Uuid()),
            col(E.status).is_not_distinct_from(EmailStatus.PENDING),
        )
        .values(
            status=SENT,
            provider_message_id=bindparam("b_provider_message_id", type_=String()),
            provider_thread_id=bindparam("b_provider_thread_id", type_=String()),
            message_id_header=func.coalesce(bindparam("b_header", type_=String()), col(E.message_id_header)),
            sent_at=now,
            updated_at=now,
            attempt_token=None,
            next_attempt_at=None,
            wait_reason=None,
            error_message=None,
            uncertain_since=None,
            uncertain_history_id=None,
        )
        .returning(col(E.organization_id), col(E.account_id))
    )


def _counted_values() -> dict[str, Any]:
    return {"account_id": bindparam("b_account_id", type_=Uuid()), "hour": bindparam("b_hour", type_=UTCDateTime())}


@lru_cache(maxsize=1)
def _count_send() -> Insert:
    """One more send in the account's hour (the claim's daily bound, claim_read.py), on SQLite."""
    H = AccountSendHour
    return (
        sqlite_insert(H)
        .values(**_counted_values(), sends=1)
        .on_conflict_do_update(index_elements=["account_id", "hour"], set_={"sends": col(H.sends) + 1})
    )


@lru_cache(maxsize=1)
def _record_sent_at_once() -> Select[uuid.UUID, bool]:
    """`_record_sent`, the recipients' UPDATE, the send counted in its account's hour and the SENT
    event's INSERT as one PostgreSQL statement.

    It returns the email's organization (no row: it was not PENDING, nothing was written) and
    whether the email has recipient rows (an email written before the ledger has none).
    """
    R = OutboundRecipient
    email_id, now = bindparam("b_email_id", type_=Uuid()), bindparam("b_now", type_=UTCDateTime())
    sent = _record_sent().cte("sent")
    recipients = (
        update(R)
        .where(col(R.email_id) == email_id, col(R.delivery_state).is_(None), exists(select_row(sent.c.organization_id)))
        .values(delivery_state=DeliveryState.SENT, updated_at=now)
        .cte("recipients")
    )
    H = AccountSendHour
    counted = (
        pg_insert(H)
        .from_select(
            ["account_id", "hour", "sends"], select_row(sent.c.account_id, _counted_values()["hour"], literal(1))
        )
        .on_conflict_do_update(index_elements=["account_id", "hour"], set_={"sends": col(H.sends) + 1})
        .cte("counted")
    )
    event = event_after(sent.c.organization_id, email_id, now)
    has_rows = exists(select_row(col(R.id)).where(col(R.email_id) == email_id)).label("has_rows")
    return select_row(sent.c.organization_id, has_rows).add_cte(recipients, counted, event.cte("event"))


@dataclass
class Outcomes:
    """Writes each way an attempt can end, in its own short transaction."""

    sessions: Sessions
    policy: Policy
    clock: Callable[[], datetime] = utcnow
    jitter: Callable[[], float] = random.random

    def record_sent(self, email_id: uuid.UUID, sent: SentMessage, header: str | None, recovered: bool) -> Result:
        """SENT, with Gmail's ids; any PENDING row takes it (a send found in Sent mail included)."""
        now = self.clock()
        values = {  # b_ names: a bind named after a column would be added to an UPDATE's SET clause
            "b_email_id": email_id,
            "b_provider_message_id": sent.provider_message_id,
            "b_provider_thread_id": sent.provider_thread_id,
            "b_header": header or None,
            "b_now": now,
            "b_hour": hour_of(now),
        }
        data = {
            "provider_message_id": sent.provider_message_id,
            "provider_thread_id": sent.provider_thread_id,
            "message_id_header": header,
            "recovered_from_sent_mail": recovered,
        }
        with self.sessions() as session:
            if on_postgresql(session):
                # Nothing of this email is in the session: no ORM bookkeeping is bypassed.
                conn = session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                rows = precompiled.execute(
                    conn, _record_sent_at_once(), {**values, **event_values(EventKind.SENT, ACTOR, data)}
                )
                if not rows:
                    return Result(Outcome.SKIPPED, detail="already recorded")
                (_organization_id, has_rows), *_ = rows
                if not has_rows:  # written before the ledger existed: its rows, as SENT
                    book.mark_sent(session, email_id, now)
                return Result(Outcome.SENT)
            written = precompiled.execute(session.connection(), _record_sent(), values)
            if not written:
                return Result(Outcome.SKIPPED, detail="already recorded")
            ((organization_id, account_id),) = written
            precompiled.execute(
                session.connection(), _count_send(), {"b_account_id": account_id, "b_hour": values["b_hour"]}
            )
            book.mark_sent(session, email_id, now)
            session.add(
                OutboundEmailEvent(
                    organization_id=organization_id,
                    email_id=email_id,
                    kind=EventKind.SENT.value,
                    at=now,
                    data=data,
                    actor=ACTOR,
                )
            )
        return Result(Outcome.SENT)

    def wait_after_rate_limit(self, email_id: uuid.UUID, claim: Claim, error: RateLimited) -> Result:
        """A 429 or quota refusal is definite: Gmail sent nothing, so this attempt adds no doubt."""
        now = self.clock()
        with self.sessions() as session:
            email = locked(session, email_id)
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
                return fail_in(session, email, send_window.expired_message(f"{reason}: {error.message}"), now)
            release(session, email, now + timedelta(seconds=delay), reason, self.clock())
            record_event(
                session,
                email,
                EventKind.RATE_LIMITED,
                ACTOR,
                {"reason": reason, "detail": error.message, "retry_in_seconds": round(delay, 3)},
                at=now,
            )
        return Result(Outcome.WAIT, delay, error.message)

    def retry_or_fail(self, email_id: uuid.UUID, claim: Claim, error: TransientError, ambiguous: bool) -> Result:
        """Try again later; `ambiguous` when the failed call was the send itself (it may have gone)."""
        now = self.clock()
        with self.sessions() as session:
            email = locked(session, email_id)
            if email is None or email.status != EmailStatus.PENDING:
                return Result(Outcome.SKIPPED)
            if not ambiguous:
                claim.restore_doubt(email)
            started = email.first_queued_at or email.created_at
            if now - started >= self.policy.deadline:
                return fail_in(session, email, f"gave up after {email.attempt_count} attempts: {error.message}", now)
            delay = quota.backoff_seconds(
                email.attempt_count, self.policy.backoff_unit, self.policy.backoff_cap, self.jitter()
            )
            if send_window.misses(now + timedelta(seconds=delay), email.send_before):
                return fail_in(
                    session, email, send_window.expired_message(f"the last attempt failed: {error.message}"), now
                )
            release(session, email, now + timedelta(seconds=delay), None, self.clock())
            record_event(
                session,
                email,
                EventKind.RETRIED,
                ACTOR,
                {"error": error.message, "retry_in_seconds": round(delay, 3), "attempt": email.attempt_count},
                at=now,
            )
        return Result(Outcome.RETRY, delay, error.message)

    def fail(self, email_id: uuid.UUID, message: str, doubt: Doubt) -> Result:
        """FAIL after a definite refusal; only earlier attempts' doubt is kept (a retry needs it)."""
        now = self.clock()
        with self.sessions() as session:
            email = locked(session, email_id)
            if email is None or email.status != EmailStatus.PENDING:
                return Result(Outcome.SKIPPED)
            email.uncertain_since, email.uncertain_history_id = doubt
            return fail_in(session, email, message, now)

    def wait_after_auth_refusal(self, email_id: uuid.UUID, claim: Claim, error: AuthRevoked) -> Result:
        """Gmail refused the grant (revoked, or a scope lost): definite, nothing was sent. The account
        needs re-authorisation, and this email waits for it like the account's other emails."""
        now = self.clock()
        with self.sessions() as session:
            email = locked(session, email_id)
            if email is None or email.status != EmailStatus.PENDING:
                return Result(Outcome.SKIPPED)
            claim.restore_doubt(email)
            account = session.get(MailAccount, email.account_id, with_for_update=True)
            if account is not None:
                reason = f"Gmail access was revoked or lacks a scope: {error.message}"
                account_health.mark_needs_reauth(session, account, reason, ACTOR, now)
            return wait_for_reauth(session, email, now, self.policy.deadline)
