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
of four rows per account, counted by the claim's own write) reach the per-minute budget.

The account's row is not locked, so claims of one account's emails do not queue behind each
other: two workers claiming at the same instant may each see the last free slot of the minute,
and Gmail's own 429 (a definite refusal: the email waits, no doubt is left) catches that rare
overshoot. Only when a recipient is suppressed (or the email predates the ledger) does a second
read list which. Then the claim is written, the email's row, the attempt counted in its minute and
its ATTEMPT event (one statement on PostgreSQL), and committed; the message is built after the
commit, outside the lock. On PostgreSQL the common case is taken without the lock, its write
conditional on the row version read (`claim`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Insert, Integer, String, TextClause, Uuid, bindparam, case, literal, text
from sqlalchemy import select as select_row
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select, update

from domain import mime, quota, send_window
from domain.dispatch.claim_read import ClaimRead, loaded, minute_of, minute_slot
from domain.dispatch.claim_read import read as read_claim
from domain.dispatch.message import outgoing, suppressed_message
from domain.dispatch.settle import fail_in, on_postgresql, wait_for_reauth
from domain.dispatch.terms import ACTOR, Doubt, Outcome, Policy, Result, Sessions
from domain.events import EventKind, event_after, event_values, record_event
from domain.gateway import AccountRef
from domain.lifecycle import EmailStatus
from domain.records import (
    AccountAttemptMinute,
    AccountState,
    OutboundAttachment,
    OutboundEmail,
    OutboundEmailEvent,
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
    """Take the send of a due PENDING email, or say why not (skipped, waiting, failed).

    On PostgreSQL the common case, an email due and free to send now, is taken at once: the read
    takes no lock and the write is made only if the email's row is still the version read (its
    `xmin`), each statement committed on its own, so the claim costs two round trips instead of
    four (BEGIN, the locking read, the write, COMMIT). Whatever else the read finds (a wait, a
    failure, a suppressed recipient, an earlier attempt's doubt), and a row changed in between,
    goes the locked way, which decides every case.
    """
    with sessions() as session:
        taken = _take_at_once(session, email_id, now, policy) if on_postgresql(session) else None
        if isinstance(taken, Result):
            return taken
        ready = _ready(session, *taken, late=False, now=now) if taken is not None else None
    if ready is not None:
        return _built(ready, policy, decrypt, now)
    return _claim_locked(sessions, email_id, now, policy, decrypt)


def _claim_locked(
    sessions: Sessions, email_id: uuid.UUID, now: datetime, policy: Policy, decrypt: Callable[[str], dict[str, Any]]
) -> Claim | Unbuildable | Result:
    """The claim in one transaction that holds the email's row locked from its read to its write."""
    with sessions() as session:
        read = read_claim(session, email_id, now, policy)
        skipped = _skipped(read, now, policy)
        if skipped is not None:
            return skipped
        assert read is not None
        email, account = read.email, read.account
        # send window (ledger): past its sendBefore an email fails rather than going out late;
        # if an earlier attempt may have reached Gmail, that send is only looked for.
        late = send_window.expired(now, email.send_before)
        if late and email.uncertain_since is None:
            return fail_in(session, loaded(session, email), send_window.expired_message(), now)
        waiting = None if late else _not_yet_due(read, now)
        if waiting is not None:
            return waiting
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
        suppressed = [] if _none_suppressed(read) else suppressed_among(session, email.organization_id, recipients, now)
        if suppressed and not email.allow_suppressed:
            return fail_in(session, loaded(session, email), suppressed_message(suppressed), now)
        wait = _budget_wait(read, now, policy)
        if wait is not None:
            return _wait_for_budget(session, loaded(session, email), wait, now)
        token = uuid.uuid4()
        _write_claim(session, email.id, _claim_values(read, token, now, suppressed))
        ready = _ready(session, read, token, late=late, now=now)
    # The claim is committed (the row lock is released); the slow parts run outside it.
    return _built(ready, policy, decrypt, now)


def _skipped(read: ClaimRead | None, now: datetime, policy: Policy) -> Result | None:
    """SKIPPED when the email is not PENDING, or another attempt holds its send (its lease has
    not run out); None when the claim goes on."""
    if read is None or read.email.status != EmailStatus.PENDING:
        return Result(Outcome.SKIPPED, detail="not pending")
    email = read.email
    if email.attempt_token is not None and email.attempt_started_at and email.attempt_started_at > now - policy.lease:
        return Result(Outcome.SKIPPED, detail="another worker holds the send")
    return None


def _not_yet_due(read: ClaimRead, now: datetime) -> Result | None:
    """WAIT until the email's next attempt is due; None when it is due now."""
    due = read.email.next_attempt_at
    if due is None or due <= now + timedelta(milliseconds=50):
        return None
    return Result(Outcome.WAIT, (due - now).total_seconds(), "not yet due")


def _attempt_minute(now: datetime) -> dict[str, Any]:
    """What counting an attempt started at `now` binds: its minute and the minute's ring slot."""
    minute = minute_of(now)
    return {"b_slot": minute_slot(minute), "b_minute": minute}


def _none_suppressed(read: ClaimRead) -> bool:
    """Whether the read's own join answers that no recipient is suppressed.

    The join compares the ledger's rows as stored; suppressed_among lower-cases them (a non-ASCII
    address is stored as written), so the join answers only for lower-case ones."""
    email = read.email
    return (
        read.has_recipients
        and not read.any_suppressed
        and all(a == a.lower() for a in (*email.to, *email.cc, *email.bcc))
    )


def _budget_wait(read: ClaimRead, now: datetime, policy: Policy) -> quota.Wait | None:
    account = read.account
    daily_cap = account.daily_send_cap if account.daily_send_cap is not None else policy.daily_cap
    return quota.next_slot_from_marks(
        now, read.day_mark, read.minute_mark, daily_cap=daily_cap, units_per_minute=policy.units_per_minute
    )


def _claim_values(read: ClaimRead, token: uuid.UUID, now: datetime, suppressed: list[str]) -> dict[str, Any]:
    """What the claim's write binds: the attempt, its doubt, and its ATTEMPT event."""
    email = read.email
    attempt: dict[str, Any] = {"attempt": email.attempt_count + 1}
    if suppressed:
        attempt["suppressed_recipients_allowed"] = suppressed
    return {
        "b_email_id": email.id,
        "b_token": token,
        "b_now": now,
        "b_count": email.attempt_count + 1,
        # Until this attempt knows better, a crash from here on may hide an accepted send.
        # The account's sync cursor is at or before this moment in its history: a walk
        # from it sees whatever this attempt may send.
        "b_since": email.uncertain_since or now,
        "b_history": read.account.history_id if email.uncertain_since is None else email.uncertain_history_id,
        "b_no_reason": None,
        **event_values(EventKind.ATTEMPT, ACTOR, attempt),
    }


def _take_at_once(
    session: Session, email_id: uuid.UUID, now: datetime, policy: Policy
) -> tuple[ClaimRead, uuid.UUID] | Result | None:
    """The claim's common case on PostgreSQL, without a lock (see `claim`): the read and the token
    written; the answers that write nothing, as the locked way gives them from a read an instant
    later (not pending, leased, not yet due); or None for the locked way to decide (nothing was
    written)."""
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    read = read_claim(session, email_id, now, policy, lock=False)
    answer = _skipped(read, now, policy)
    if answer is not None:
        return answer
    assert read is not None
    if send_window.expired(now, read.email.send_before):
        return None  # past sendBefore: failed, or only looked for (the locked way)
    waiting = _not_yet_due(read, now)
    if waiting is not None:
        return waiting
    if (
        read.version is None
        or read.email.uncertain_since is not None  # a search first
        or read.account.state != AccountState.ACTIVE
        or not read.account.credentials_encrypted
        or not _none_suppressed(read)
        or _budget_wait(read, now, policy) is not None
    ):
        return None
    token = uuid.uuid4()
    values = {**_claim_values(read, token, now, []), "b_version": read.version, **_attempt_minute(now)}
    written = precompiled.execute(session.connection(), _claim_write(guarded=True), values)
    return (read, token) if written else None


@dataclass(frozen=True)
class _Ready:
    """A claim written: what building its message needs, read while its session is open."""

    token: uuid.UUID
    message: Any
    message_id: str
    dated: datetime
    thread_hint: str | None
    contextual: bool
    account_id: str
    address: str
    sealed: str | None
    uncertain_since: datetime | None
    uncertain_history_id: int | None
    late: bool


def _ready(session: Session, read: ClaimRead, token: uuid.UUID, *, late: bool, now: datetime) -> _Ready:
    email, account = read.email, read.account
    attachments = (
        session.exec(
            select(OutboundAttachment)
            .where(OutboundAttachment.email_id == email.id)
            .order_by(col(OutboundAttachment.position))
        ).all()
        if read.has_attachments
        else []
    )
    return _Ready(
        token,
        outgoing(email, attachments),
        email.local_message_id or mime.make_message_id(email.id.hex, "mailtrail.local"),
        email.first_queued_at or now,
        email.thread_hint,
        email.context_type is not None,  # only those can carry a send guard
        str(account.id),
        account.email,
        account.credentials_encrypted,
        email.uncertain_since,
        email.uncertain_history_id,
        late,
    )


def _built(
    ready: _Ready, policy: Policy, decrypt: Callable[[str], dict[str, Any]], now: datetime
) -> Claim | Unbuildable:
    """The claim's message built, outside any transaction."""
    doubt = (ready.uncertain_since, ready.uncertain_history_id)
    try:
        built = mime.build_mime(ready.message, message_id=ready.message_id, now=ready.dated)
    except ValueError as error:  # input validation keeps this out; never leave a claim dangling
        return Unbuildable(f"the message could not be built: {error}", doubt)
    if len(built) > policy.max_message_bytes:
        return Unbuildable(
            f"the message is {len(built) / 2**20:.1f} MB; Gmail accepts at most "
            f"{policy.max_message_bytes / 2**20:.1f} MB",
            doubt,
        )
    assert ready.sealed is not None  # an ACTIVE account with credentials: checked by the claim
    return Claim(
        ready.token,
        AccountRef(ready.account_id, ready.address, decrypt(ready.sealed)),
        mime.to_gmail_raw(built),
        ready.thread_hint,
        ready.uncertain_since,
        ready.uncertain_history_id,
        now,
        ready.contextual,
        ready.late,
    )


def _write_claim(session: Session, email_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Write the claim on the email's row (locked by the claim's read) and its ATTEMPT event.

    On PostgreSQL, one statement built once, past the ORM's unit of work (the event's trigger
    NOTIFYs listeners). Elsewhere (the embedded mode's SQLite) through the ORM: its in-process bus
    (domain/notify.py) publishes the events a flush writes.
    """
    counted = _attempt_minute(values["b_now"])
    if on_postgresql(session):
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
    values = {"b_account_id": account_id, **_attempt_minute(now)}
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


@lru_cache(maxsize=2)
def _claim_write(guarded: bool = False) -> Insert:
    """The claim's UPDATE, the attempt counted in its account's minute and its event's INSERT in
    one PostgreSQL statement (data-modifying WITHs)."""
    E = OutboundEmail
    email_id, now = bindparam("b_email_id", type_=Uuid()), bindparam("b_now", type_=UTCDateTime())
    where: list[ColumnElement[bool] | TextClause] = [col(E.id) == email_id]
    if guarded:  # the claim at once: only the row version its read saw
        where.append(
            text("outbound_email.xmin = CAST(:b_version AS xid)").bindparams(bindparam("b_version", type_=String()))
        )
    claimed = (
        update(E)
        .where(*where)
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
    event = event_after(claimed.c.organization_id, email_id, now).add_cte(counted)
    return event.returning(col(OutboundEmailEvent.seq)) if guarded else event


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
