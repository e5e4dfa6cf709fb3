"""The claim: one worker at a time holds an email's send, decided and written in one short transaction.

One statement (claim_read.py) locks the email's row and reads, with it, its account, whether it has
attachments, whether any of its recipients is suppressed (its ledger rows joined to the
organization's suppressed addresses), and the account's two budget marks (the daily_cap-th newest
send of the last day, the per-minute-th newest attempt of the last minute: each a backward index
scan that stops at that entry, so it reads at most daily_cap (per-minute) index entries, however
many emails the account sent). The daily scan runs only when the account's sends counted by hour
over the last 25 hours (account_send_hour, at least the day's sends) reach the cap: below it,
the mark is known to be NULL at the cost of reading at most 25 small rows, where the scan read up
to 2,000 entries on a busy account. Likewise the minute's scan runs only when the account's
attempts counted in the two minutes the rolling minute overlaps (account_attempt_minute, a ring
of four rows per account, counted by the claim's own write) reach the per-minute budget. The account's row is not locked, so claims of one account's
emails do not queue behind each other: two workers claiming at the same instant may each see the
last free slot of the minute, and Gmail's own 429 (a definite refusal: the email waits, no doubt is
left) catches that rare overshoot. Only when a recipient is suppressed (or the email predates the
ledger) does a second read list which. Then the claim is written, the email's row, the attempt
counted in its minute and its ATTEMPT event (one statement on PostgreSQL), and committed; the
message is built after the commit, outside the lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Insert, Integer, String, Uuid, bindparam, case, literal
from sqlalchemy import select as select_row
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select, update

from domain import mime, quota, send_window
from domain.dispatch.claim_read import loaded, minute_of, minute_slot
from domain.dispatch.claim_read import read as read_claim
from domain.dispatch.message import outgoing, suppressed_message
from domain.dispatch.settle import fail_in, wait_for_reauth
from domain.dispatch.terms import ACTOR, Doubt, Outcome, Policy, Result, Sessions
from domain.events import EventKind, event_after, event_values, record_event
from domain.gateway import AccountRef
from domain.lifecycle import EmailStatus
from domain.records import (
    AccountAttemptMinute,
    AccountState,
    OutboundAttachment,
    OutboundEmail,
    precompiled,
)
from domain.records.types import UTCDateTime
from domain.suppression import suppressed_among


@dataclass(frozen=True)
class Claim:
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


def claim(
    sessions: Sessions, email_id: uuid.UUID, now: datetime, policy: Policy, decrypt: Callable[[str], dict[str, Any]]
) -> Claim | Unbuildable | Result:
    """Take the send of a due PENDING email, or say why not (skipped, waiting, failed)."""
    with sessions() as session:
        read = read_claim(session, email_id, now, policy)
        if read is None or read.email.status != EmailStatus.PENDING:
            return Result(Outcome.SKIPPED, detail="not pending")
        email, account = read.email, read.account
        if (
            email.attempt_token is not None
            and email.attempt_started_at
            and email.attempt_started_at > now - policy.lease
        ):
            return Result(Outcome.SKIPPED, detail="another worker holds the send")
        # send window (ledger): past its sendBefore an email fails rather than going out late;
        # if an earlier attempt may have reached Gmail, that send is only looked for.
        late = send_window.expired(now, email.send_before)
        if late and email.uncertain_since is None:
            return fail_in(session, loaded(session, email), send_window.expired_message(), now)
        if not late and email.next_attempt_at is not None and email.next_attempt_at > now + timedelta(milliseconds=50):
            return Result(Outcome.WAIT, (email.next_attempt_at - now).total_seconds(), "not yet due")
        if account.state == AccountState.NEEDS_REAUTH:
            if late:
                return fail_in(session, loaded(session, email), send_window.expired_message(), now)
            return wait_for_reauth(session, loaded(session, email), now, policy.deadline)
        if account.state != AccountState.ACTIVE or not account.credentials_encrypted:
            return fail_in(
                session,
                loaded(session, email),
                f"the sending account {account.email} is {account.state.value}; reconnect it and retry",
                now,
            )
        # Checked here, just before Gmail, as well as when the send was asked for: an address
        # can be suppressed meanwhile (a bounce of an earlier email), and no path skips this.
        recipients = [*email.to, *email.cc, *email.bcc]
        # The read's join compares the ledger's rows as stored; suppressed_among lower-cases them
        # (a non-ASCII address is stored as written), so the join answers only for lower-case ones.
        answered = read.has_recipients and not read.any_suppressed and all(a == a.lower() for a in recipients)
        suppressed = [] if answered else suppressed_among(session, email.organization_id, recipients, now)
        if suppressed and not email.allow_suppressed:
            return fail_in(session, loaded(session, email), suppressed_message(suppressed), now)
        daily_cap = account.daily_send_cap if account.daily_send_cap is not None else policy.daily_cap
        wait = quota.next_slot_from_marks(
            now, read.day_mark, read.minute_mark, daily_cap=daily_cap, units_per_minute=policy.units_per_minute
        )
        if wait is not None:
            return _wait_for_budget(session, loaded(session, email), wait, now)
        uncertain_since, uncertain_history_id = email.uncertain_since, email.uncertain_history_id
        attempt: dict[str, Any] = {"attempt": email.attempt_count + 1}
        if suppressed:
            attempt["suppressed_recipients_allowed"] = suppressed
        token = uuid.uuid4()
        _write_claim(
            session,
            email.id,
            {
                "b_email_id": email.id,
                "b_token": token,
                "b_now": now,
                "b_count": email.attempt_count + 1,
                # Until this attempt knows better, a crash from here on may hide an accepted send.
                # The account's sync cursor is at or before this moment in its history: a walk
                # from it sees whatever this attempt may send.
                "b_since": uncertain_since or now,
                "b_history": account.history_id if uncertain_since is None else uncertain_history_id,
                "b_no_reason": None,
                **event_values(EventKind.ATTEMPT, ACTOR, attempt),
            },
        )
        attachments = (
            session.exec(
                select(OutboundAttachment)
                .where(OutboundAttachment.email_id == email.id)
                .order_by(col(OutboundAttachment.position))
            ).all()
            if read.has_attachments
            else []
        )
        message = outgoing(email, attachments)
        message_id = email.local_message_id or mime.make_message_id(email.id.hex, "mailtrail.local")
        dated = email.first_queued_at or now
        thread_hint = email.thread_hint
        contextual = email.context_type is not None  # only those can carry a send guard
        account_id, address, sealed = str(account.id), account.email, account.credentials_encrypted
    # The claim is committed (the row lock is released); the slow parts run outside it.
    doubt = (uncertain_since, uncertain_history_id)
    try:
        built = mime.build_mime(message, message_id=message_id, now=dated)
    except ValueError as error:  # input validation keeps this out; never leave a claim dangling
        return Unbuildable(f"the message could not be built: {error}", doubt)
    if len(built) > policy.max_message_bytes:
        return Unbuildable(
            f"the message is {len(built) / 2**20:.1f} MB; Gmail accepts at most "
            f"{policy.max_message_bytes / 2**20:.1f} MB",
            doubt,
        )
    return Claim(
        token,
        AccountRef(account_id, address, decrypt(sealed)),
        mime.to_gmail_raw(built),
        thread_hint,
        uncertain_since,
        uncertain_history_id,
        now,
        contextual,
        late,
    )


def _write_claim(session: Session, email_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Write the claim on the email's row (locked by the claim's read) and its ATTEMPT event.

    On PostgreSQL, one statement built once, past the ORM's unit of work (the event's trigger
    NOTIFYs listeners). Elsewhere (the embedded mode's SQLite) through the ORM: its in-process bus
    (domain/notify.py) publishes the events a flush writes.
    """
    minute = minute_of(values["b_now"])
    counted = {"b_slot": minute_slot(minute), "b_minute": minute}
    if session.get_bind().dialect.name == "postgresql":
        precompiled.execute(session.connection(), _claim_write(), {**values, **counted})
        return
    email = session.get(OutboundEmail, email_id)
    assert email is not None  # locked by this transaction
    email.attempt_token, email.attempt_started_at = values["b_token"], values["b_now"]
    email.attempt_count, email.wait_reason = values["b_count"], None
    email.uncertain_since, email.uncertain_history_id = values["b_since"], values["b_history"]
    session.add(email)
    record_event(session, email, EventKind.ATTEMPT, ACTOR, values["b_data"], at=values["b_now"])
    precompiled.execute(session.connection(), _count_attempt("sqlite"), {"b_account_id": email.account_id, **counted})


def count_attempt(session: Session, account_id: uuid.UUID, now: datetime) -> None:
    """One more attempt started by the account in `now`'s minute (the claim's per-minute bound);
    for a claim renewed outside `_write_claim`, whose statement counts the others."""
    minute = minute_of(now)
    values = {"b_account_id": account_id, "b_slot": minute_slot(minute), "b_minute": minute}
    precompiled.execute(session.connection(), _count_attempt(session.get_bind().dialect.name), values)


def _counting(insert: Any) -> Any:
    """`insert` (of one AccountAttemptMinute row, attempts 1) made an upsert into the account's
    ring: a slot holding an older minute is taken over, one holding this or a newer minute counts
    one more (AccountAttemptMinute)."""
    M = AccountAttemptMinute
    newer = insert.excluded.minute > col(M.minute)
    return insert.on_conflict_do_update(
        index_elements=["account_id", "slot"],
        set_={
            "attempts": case((newer, 1), else_=col(M.attempts) + 1),
            "minute": case((newer, insert.excluded.minute), else_=col(M.minute)),
        },
    )


def _counted_values(account_id: Any) -> tuple[Any, ...]:
    return account_id, bindparam("b_slot", type_=Integer()), bindparam("b_minute", type_=UTCDateTime()), literal(1)


@lru_cache(maxsize=2)
def _count_attempt(dialect: str) -> Insert:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    account_id, slot, minute, one = _counted_values(bindparam("b_account_id", type_=Uuid()))
    row = insert(AccountAttemptMinute).values(account_id=account_id, slot=slot, minute=minute, attempts=one)
    return cast(Insert, _counting(row))


@lru_cache(maxsize=1)
def _claim_write() -> Insert:
    """The claim's UPDATE, the attempt counted in its account's minute and its event's INSERT in
    one PostgreSQL statement (data-modifying WITHs)."""
    E = OutboundEmail
    email_id, now = bindparam("b_email_id", type_=Uuid()), bindparam("b_now", type_=UTCDateTime())
    claimed = (
        update(E)
        .where(col(E.id) == email_id)
        .values(
            attempt_token=bindparam("b_token", type_=Uuid()),
            attempt_started_at=now,
            attempt_count=bindparam("b_count", type_=Integer()),
            wait_reason=bindparam("b_no_reason", type_=String()),
            uncertain_since=bindparam("b_since", type_=UTCDateTime()),
            uncertain_history_id=bindparam("b_history"),
        )
        .returning(col(E.organization_id), col(E.account_id))
        .cte("claimed")
    )
    counted = _counting(
        pg_insert(AccountAttemptMinute).from_select(
            ["account_id", "slot", "minute", "attempts"], select_row(*_counted_values(claimed.c.account_id))
        )
    ).cte("counted")
    return event_after(claimed.c.organization_id, email_id, now).add_cte(counted)


@dataclass(frozen=True)
class Unbuildable:
    """Claimed, but the message cannot be built or is too large for Gmail: the email must fail."""

    reason: str
    doubt: Doubt


def _wait_for_budget(session: Session, email: OutboundEmail, wait: quota.Wait, now: datetime) -> Result:
    """No budget slot now: wait for it, or fail when it opens only after sendBefore."""
    reason = wait.reason.split(";")[0]
    if email.uncertain_since is None and send_window.misses(wait.until, email.send_before):
        return fail_in(
            session, email, send_window.expired_message(f"{reason}; the next slot opens after sendBefore"), now
        )
    if email.wait_reason != reason or email.next_attempt_at != wait.until:
        record_event(
            session,
            email,
            EventKind.RATE_LIMITED,
            ACTOR,
            {"reason": wait.reason, "until": wait.until.isoformat()},
            at=now,
        )
    email.next_attempt_at = wait.until
    email.wait_reason = reason
    session.add(email)
    return Result(Outcome.WAIT, max(0.05, (wait.until - now).total_seconds()), wait.reason)
