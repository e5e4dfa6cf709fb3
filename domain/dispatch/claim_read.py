"""The claim's read: the email's row locked, with its account, its budget marks and its
recipients' suppression, in one statement; only the columns the claim uses, as a plain row.

Loading both rows as ORM objects (about seventy columns) cost more CPU than the statement itself;
a rare path (a failure, a wait) that changes the row through the session loads the email's object.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, Integer, Select, String, Uuid, bindparam, case, func, literal_column
from sqlalchemy import select as select_row
from sqlmodel import Session, col, select

from domain import quota
from domain.dispatch.terms import Policy
from domain.lifecycle import EmailStatus
from domain.records import (
    AccountAttemptMinute,
    AccountSendHour,
    AccountState,
    MailAccount,
    OutboundAttachment,
    OutboundEmail,
    OutboundRecipient,
    SuppressedAddress,
    precompiled,
)
from domain.records.accounts import MINUTE_SLOTS
from domain.records.types import UTCDateTime


@dataclass(frozen=True, slots=True)
class Pending:
    """The columns of the email's row the claim reads (the whole row only on a rare path)."""

    id: uuid.UUID
    organization_id: uuid.UUID
    status: EmailStatus
    attempt_token: uuid.UUID | None
    attempt_started_at: datetime | None
    attempt_count: int
    send_before: datetime | None
    next_attempt_at: datetime | None
    uncertain_since: datetime | None
    uncertain_history_id: int | None
    to: list[str]
    cc: list[str]
    bcc: list[str]
    allow_suppressed: bool
    local_message_id: str | None
    first_queued_at: datetime | None
    thread_hint: str | None
    context_type: str | None
    from_email: str
    from_name: str | None
    subject: str
    body_text: str | None
    body_html: str | None
    in_reply_to_header: str | None
    references_header: str | None


@dataclass(frozen=True, slots=True)
class Sender:
    """The columns of the sending account's row the claim reads."""

    id: uuid.UUID
    state: AccountState
    credentials_encrypted: str | None
    email: str
    daily_send_cap: int | None
    history_id: int | None


EMAIL_COLUMNS = tuple(f.name for f in fields(Pending))
ACCOUNT_COLUMNS = tuple(f.name for f in fields(Sender))


@dataclass(frozen=True)
class ClaimRead:
    """What the claim's one statement returns."""

    email: Pending
    account: Sender
    has_attachments: bool
    any_suppressed: bool
    """Whether one of the email's ledger rows is an address the organization suppresses now."""
    has_recipients: bool
    """Whether the email has ledger rows (one written before the ledger has none)."""
    day_mark: datetime | None
    minute_mark: datetime | None
    version: str | None = None
    """The email's row version (PostgreSQL's `xmin`) when read without a lock."""


@lru_cache(maxsize=2)
def claim_statement(lock: bool = True) -> Select[Any]:
    """The claim's one statement, built once (building it costs more CPU than running it).

    Locking, it reads the email's row FOR UPDATE; not locking (PostgreSQL's claim at once,
    claim.py), it reads the row version's `xmin` instead, which the claim's write then requires.

    Of the account's budget it reads only the bounds (`account_send_hour`, `account_attempt_minute`)
    and whether they reach the cap and the per-minute budget; the sends or attempts themselves are
    read by a statement of their own (`marks`) only when they do. Within this statement, those scans
    (by account, with an OFFSET known only at run time) made PostgreSQL's generic plan look
    thousands of times dearer than a custom one wherever an account had many sends, so every claim
    was planned anew (generic_plans 0 in pg_prepared_statements at a million emails): now it is
    planned once per connection.
    """
    E, A = OutboundEmail, MailAccount
    email_id = bindparam("b_email_id", type_=Uuid())
    # The bounds are read for the email's own row and account (correlated: one row, one run each).
    account_id = E.account_id
    cap = func.coalesce(A.daily_send_cap, bindparam("default_cap", type_=Integer))
    H = AccountSendHour
    # At least the sends of the rolling day: the hours that hold any of them, counted as each
    # send was recorded. Below the cap, the day's mark is known to be NULL without reading the sends.
    day_bound = (
        select(func.coalesce(func.sum(H.sends), 0))
        .where(H.account_id == account_id, col(H.hour) >= bindparam("day_ago_hour", type_=UTCDateTime()))
        .scalar_subquery()
    )
    M = AccountAttemptMinute
    # At least the attempts of the rolling minute: the two minutes it overlaps, counted as each
    # attempt was claimed. Below the budget, the minute's mark is known to be NULL without reading them.
    minute_bound = (
        select(func.coalesce(func.sum(M.attempts), 0))
        .where(M.account_id == account_id, col(M.minute) >= bindparam("minute_ago_start", type_=UTCDateTime()))
        .scalar_subquery()
    )
    has_attachments = select(OutboundAttachment.id).where(OutboundAttachment.email_id == E.id).exists()
    R, S = OutboundRecipient, SuppressedAddress
    now = bindparam("b_now", type_=UTCDateTime())
    any_suppressed = (
        select(R.id)
        .join(S, col(S.email) == R.address)
        .where(
            R.email_id == E.id,
            S.organization_id == E.organization_id,
            (col(S.expires_at).is_(None)) | (col(S.expires_at) > now),
        )
        .exists()
    )
    has_recipients = select(R.id).where(R.email_id == E.id).exists()
    # Only the columns the claim uses, read as a plain row: loading both ORM objects (about
    # seventy columns) cost more CPU than the statement; a rare path loads the email's object.
    email_table, account_table = OutboundEmail.__table__, MailAccount.__table__  # type: ignore[attr-defined]
    statement = (
        select_row(
            *(email_table.c[name] for name in EMAIL_COLUMNS),
            *(account_table.c[name].label(f"account_{name}") for name in ACCOUNT_COLUMNS),
            has_attachments,
            any_suppressed,
            has_recipients,
            (day_bound >= cap).label("day_full"),
            (minute_bound > bindparam("minute_offset", type_=Integer)).label("minute_full"),
        )
        .join(A, col(A.id) == E.account_id)
        .where(col(E.id) == email_id)
    )
    if lock:
        return statement.with_for_update(of=E)
    return statement.add_columns(literal_column("outbound_email.xmin::text", type_=String()).label("version"))


@lru_cache(maxsize=1)
def marks_statement() -> Select[Any]:
    """When the account's bounds reach its cap or its budget: the send that opens the day's next
    slot (the cap-th newest of the rolling day) and the attempt that opens the minute's (the
    budget-th newest of the rolling minute), NULL for the one that is not asked for."""
    Q = OutboundEmail
    account_id = bindparam("b_account_id", type_=Uuid())

    def nth_newest(column: Any, since: str, offset: str) -> Any:
        """The account's `offset`-th newest `column` after `since` (0: the newest)."""
        return (
            select(column)
            .where(Q.account_id == account_id, col(column) > bindparam(since, type_=UTCDateTime()))
            .order_by(col(column).desc())
            .offset(bindparam(offset, type_=Integer))
            .limit(1)
            .scalar_subquery()
        )

    day_mark = nth_newest(Q.sent_at, "day_ago", "day_offset")
    minute_mark = nth_newest(Q.attempt_started_at, "minute_ago", "minute_offset")
    day = bindparam("b_day", type_=Boolean())
    minute = bindparam("b_minute", type_=Boolean())
    return select_row(case((day, day_mark)), case((minute, minute_mark)))


def read(session: Session, email_id: uuid.UUID, now: datetime, policy: Policy, lock: bool = True) -> ClaimRead | None:
    """The email (its row locked, or its row version read), its account, and the account's budget
    marks: one statement, and a second only when the account has reached its cap or its budget."""
    minute_offset = quota.sends_per_minute(policy.units_per_minute) - 1
    rows = precompiled.execute(
        session.connection(),
        claim_statement(lock),
        {
            "b_email_id": email_id,
            "b_now": now,
            "default_cap": policy.daily_cap,
            "day_ago_hour": hour_of(now - quota.DAY),
            "minute_ago_start": minute_of(now - quota.MINUTE),
            "minute_offset": minute_offset,
        },
    )
    if not rows:
        return None
    row = rows[0]
    n, m = len(EMAIL_COLUMNS), len(EMAIL_COLUMNS) + len(ACCOUNT_COLUMNS)
    email, account = Pending(*row[:n]), Sender(*row[n:m])
    has_attachments, any_suppressed, has_recipients, day_full, minute_full, *version = row[m:]
    day_mark = minute_mark = None
    if day_full or minute_full:
        cap = policy.daily_cap if account.daily_send_cap is None else account.daily_send_cap
        ((day_mark, minute_mark),) = precompiled.execute(
            session.connection(),
            marks_statement(),
            {
                "b_account_id": account.id,
                "b_day": bool(day_full),
                "day_ago": now - quota.DAY,
                "day_offset": max(cap - 1, 0),
                "b_minute": bool(minute_full),
                "minute_ago": now - quota.MINUTE,
                "minute_offset": minute_offset,
            },
        )
    return ClaimRead(email, account, has_attachments, any_suppressed, has_recipients, day_mark, minute_mark, *version)


def minute_of(moment: datetime) -> datetime:
    """The start of the UTC minute `moment` falls in: the minute `account_attempt_minute` counts it in."""
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def minute_slot(minute: datetime) -> int:
    """The ring slot of the minute starting at `minute` (AccountAttemptMinute)."""
    return int(minute.timestamp()) // 60 % MINUTE_SLOTS


def hour_of(moment: datetime) -> datetime:
    """The start of the UTC hour `moment` falls in: the bucket `account_send_hour` counts it in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def loaded(session: Session, email: Pending) -> OutboundEmail:
    """The email's ORM object, for a path that changes the row through the session (its row is
    locked by the claim's read already)."""
    loaded = session.get(OutboundEmail, email.id)
    assert loaded is not None  # locked by this transaction: it cannot have gone
    return loaded
