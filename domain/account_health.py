"""What a frontend must know about an account, and the audit events that tell it as it happens:
re-authorisation needed (its PENDING emails wait) and reconnected (they resume), a watch that
could not be renewed, a sender-scope bounce (the mailbox owner must act), and its daily cap.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from domain import account_kind
from domain.errors import DomainError, ErrorCode, NotFound
from domain.events import EventKind, record_account_event, record_event
from domain.lifecycle import EmailStatus
from domain.records import AccountState, MailAccount, OutboundEmail, utcnow
from domain.send_window import NEEDS_REAUTH

ACTOR = "system"


def mark_needs_reauth(
    session: Session, account: MailAccount, reason: str, actor: str = ACTOR, now: datetime | None = None
) -> bool:
    """ACTIVE -> NEEDS_REAUTH (the grant was revoked or lost a scope); True when it changed."""
    if account.state != AccountState.ACTIVE:
        return False
    now = now or utcnow()
    account.state = AccountState.NEEDS_REAUTH
    account.state_reason = reason[:2000]
    account.updated_at = now
    session.add(account)
    record_account_event(session, account, EventKind.ACCOUNT_NEEDS_REAUTH, actor, {"reason": reason[:500]}, at=now)
    return True


def resume_waiting(session: Session, account: MailAccount, actor: str, now: datetime) -> list[uuid.UUID]:
    """The account is ACTIVE again: emails that waited for it are due now (enqueue them after commit)."""
    E = OutboundEmail
    waiting = session.exec(
        select(E)
        .where(E.account_id == account.id, E.status == EmailStatus.PENDING, E.wait_reason == NEEDS_REAUTH)
        .with_for_update()
    ).all()
    for email in waiting:
        email.next_attempt_at = now
        email.wait_reason = None
        email.updated_at = now
        session.add(email)
        record_event(session, email, EventKind.WAITING, actor, {"reason": None, "resumed": True}, at=now)
    record_account_event(session, account, EventKind.ACCOUNT_RECONNECTED, actor, {"resumed": len(waiting)}, at=now)
    return [email.id for email in waiting]


def watch_failed(session: Session, account: MailAccount, message: str, within: timedelta, now: datetime) -> None:
    """A renewal failed: the first failure while the watch expires within `within` is announced."""
    expires = account.watch_expires_at
    if account.watch_error is None and expires is not None and expires - now <= within:
        record_account_event(
            session,
            account,
            EventKind.ACCOUNT_WATCH_EXPIRING,
            ACTOR,
            {"watch_expires_at": expires.isoformat(), "error": message[:500]},
            at=now,
        )


def warn_sender(session: Session, account: MailAccount, warning: dict[str, Any], now: datetime) -> None:
    """A bounce blamed the sender (reputation, authentication, blocked): the owner must act."""
    account.sender_warning = warning
    account.updated_at = now
    session.add(account)
    record_account_event(session, account, EventKind.ACCOUNT_SENDER_WARNING, "worker:sync", warning, at=now)


def get_account(session: Session, organization_id: uuid.UUID, account_id: uuid.UUID, lock: bool = False) -> MailAccount:
    query = select(MailAccount).where(MailAccount.id == account_id, MailAccount.organization_id == organization_id)
    account = session.exec(query.with_for_update() if lock else query).first()
    if account is None:
        raise NotFound("mail account", "accountId")
    return account


def acknowledge_sender_warning(
    session: Session, organization_id: uuid.UUID, account_id: uuid.UUID, actor: str, now: datetime | None = None
) -> MailAccount:
    """The owner dealt with the sender problem: clear the warning (audited)."""
    now = now or utcnow()
    account = get_account(session, organization_id, account_id, lock=True)
    if account.sender_warning is not None:
        cleared = account.sender_warning
        account.sender_warning = None
        account.updated_at = now
        session.add(account)
        record_account_event(
            session, account, EventKind.ACCOUNT_UPDATED, actor, {"sender_warning_cleared": cleared}, at=now
        )
    return account


def set_daily_send_cap(
    session: Session,
    organization_id: uuid.UUID,
    account_id: uuid.UUID,
    cap: int,
    actor: str,
    now: datetime | None = None,
) -> MailAccount:
    """Set how many emails the account sends in any 24 hours (Gmail's own limit bounds it)."""
    now = now or utcnow()
    account = get_account(session, organization_id, account_id, lock=True)
    problem = account_kind.cap_problem(account.kind, cap)
    if problem is not None:
        raise DomainError(ErrorCode.INVALID_INPUT, problem, "cap")
    previous = account.daily_send_cap
    account.daily_send_cap = cap
    account.updated_at = now
    session.add(account)
    record_account_event(
        session, account, EventKind.ACCOUNT_UPDATED, actor, {"daily_send_cap": cap, "previous": previous}, at=now
    )
    return account
