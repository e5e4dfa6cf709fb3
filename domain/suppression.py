"""Addresses an organization no longer sends to: hard bounces, repeated soft bounces, and by hand.

Every addition and removal is audited (SuppressionEvent: who, when, why, on what evidence). An
entry with `expires_at` (repeated soft bounces) stops counting once that time has passed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, String, Uuid, bindparam, false
from sqlalchemy import select as select_column
from sqlmodel import Session, and_, col, or_, select

from domain.errors import DomainError, ErrorCode
from domain.records import (
    AccountState,
    MailAccount,
    SuppressedAddress,
    SuppressionAction,
    SuppressionEvent,
    SuppressionSource,
    precompiled,
    utcnow,
)
from domain.records.types import UTCDateTime


class RecipientSuppressed(DomainError):
    def __init__(self, addresses: list[str]) -> None:
        super().__init__(
            ErrorCode.RECIPIENT_SUPPRESSED,
            f"suppressed after a hard bounce: {', '.join(addresses)}; set allowSuppressed to send anyway",
            "to",
        )
        self.addresses = addresses


def active(now: datetime) -> ColumnElement[bool]:
    """The condition of an entry that still counts."""
    return or_(col(SuppressedAddress.expires_at).is_(None), col(SuppressedAddress.expires_at) > now)


def suppressed_among(
    session: Session, organization_id: uuid.UUID, addresses: Iterable[str], now: datetime | None = None
) -> list[str]:
    """Which of `addresses` are suppressed now (lower-cased, sorted)."""
    wanted = sorted({a.lower() for a in addresses})
    if not wanted:
        return []
    rows = session.execute(
        _suppressed_among(), {"organization_id": organization_id, "wanted": wanted, "now": now or utcnow()}
    ).scalars()
    return sorted(rows)


@lru_cache(maxsize=1)
def _suppressed_among() -> Select[Any]:
    """`suppressed_among`'s statement, built once: every send runs it (twice: asked, then claimed)."""
    S = SuppressedAddress
    now = bindparam("now", type_=UTCDateTime())
    return select_column(col(S.email)).where(
        col(S.organization_id) == bindparam("organization_id", type_=Uuid()),
        col(S.email).in_(bindparam("wanted", expanding=True)),
        or_(col(S.expires_at).is_(None), col(S.expires_at) > now),
    )


@dataclass(frozen=True)
class Probe:
    """Which of `asked` (lower-cased) were suppressed, read in one statement with something else
    (sendEmail reads it with the sending account: one round trip fewer)."""

    asked: frozenset[str]
    found: tuple[str, ...]

    def among(self, addresses: Iterable[str]) -> list[str] | None:
        """`suppressed_among` for `addresses` when every one of them was asked about; else None."""
        wanted = {a.lower() for a in addresses}
        if not wanted <= self.asked:
            return None
        return sorted(a for a in self.found if a in wanted)


def check_not_suppressed(
    session: Session, organization_id: uuid.UUID, addresses: Iterable[str], probe: Probe | None = None
) -> None:
    """Refuse suppressed `addresses` (RecipientSuppressed); `probe` answers instead of a query if it can."""
    addresses = list(addresses)
    found = probe.among(addresses) if probe is not None else None
    if found is None:
        found = suppressed_among(session, organization_id, addresses)
    if found:
        raise RecipientSuppressed(found)


@dataclass(frozen=True, slots=True)
class SendingAccount:
    """The columns of the sending account a new email is composed against."""

    id: uuid.UUID
    email: str
    display_name: str | None
    state: AccountState


ACCOUNT_COLUMNS = tuple(f.name for f in fields(SendingAccount))


def account_and_suppressed(
    session: Session, organization_id: uuid.UUID, account_id: uuid.UUID | None, addresses: list[str], now: datetime
) -> tuple[SendingAccount, Probe]:
    """The organization's mail account (the columns composing reads) and which of `addresses` are
    suppressed, in one statement: an outer join on the suppressed addresses."""
    if account_id is None:
        raise DomainError(ErrorCode.ACCOUNT_NOT_FOUND, "accountId is required", "accountId")
    asked = sorted({a.lower() for a in addresses})
    params: dict[str, Any] = {f"asked_{n}": address for n, address in enumerate(asked)}
    rows = precompiled.execute(
        session.connection(),
        _account_and_suppressed(len(asked)),
        {"organization_id": organization_id, "account_id": account_id, "now": now, **params},
    )
    if not rows:
        raise DomainError(ErrorCode.ACCOUNT_NOT_FOUND, "mail account not found", "accountId")
    n = len(ACCOUNT_COLUMNS)
    found = tuple(sorted({row[n] for row in rows if row[n] is not None}))
    return SendingAccount(*rows[0][:n]), Probe(frozenset(asked), found)


@lru_cache(maxsize=16)
def _account_and_suppressed(count: int) -> Select[Any]:
    """`account_and_suppressed`'s statement for `count` addresses, built once per count (building
    it cost as much CPU as running it). A bind per address rather than an expanding IN, which is
    rendered anew at each execution; the account's columns rather than its ORM object (loading
    which cost more CPU than the statement)."""
    S, A = SuppressedAddress, MailAccount.__table__  # type: ignore[attr-defined]
    now = bindparam("now", type_=UTCDateTime())
    asked = [bindparam(f"asked_{n}", type_=String()) for n in range(count)]
    return (
        select_column(*(A.c[name] for name in ACCOUNT_COLUMNS), col(S.email))
        .outerjoin(
            S,
            and_(
                col(S.organization_id) == A.c.organization_id,
                col(S.email).in_(asked) if asked else false(),
                or_(col(S.expires_at).is_(None), col(S.expires_at) > now),
            ),
        )
        .where(A.c.id == bindparam("account_id", type_=Uuid()))
        .where(A.c.organization_id == bindparam("organization_id", type_=Uuid()))
    )


def suppress(
    session: Session,
    organization_id: uuid.UUID,
    email: str,
    reason: str,
    source_email_id: uuid.UUID | None = None,
    *,
    actor: str = "system",
    source: SuppressionSource = SuppressionSource.MANUAL,
    bounce_message_id: uuid.UUID | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> SuppressedAddress:
    """Record the address. An active permanent entry is kept as it is; an expired one, or a
    temporary one that a permanent suppression now replaces, is written anew (and audited)."""
    now = now or utcnow()
    address = email.lower()
    existing = session.exec(
        select(SuppressedAddress)
        .where(SuppressedAddress.organization_id == organization_id, SuppressedAddress.email == address)
        .with_for_update()
    ).first()
    if existing is not None:
        still_active = existing.expires_at is None or existing.expires_at > now
        lengthens = existing.expires_at is not None and (expires_at is None or expires_at > existing.expires_at)
        if still_active and not lengthens:
            return existing
        row = existing
    else:
        row = SuppressedAddress(organization_id=organization_id, email=address, reason=reason[:200])
    row.reason = reason[:200]
    row.source = source
    row.source_email_id = source_email_id
    row.bounce_message_id = bounce_message_id
    row.added_by = actor[:200]
    row.expires_at = expires_at
    row.created_at = now
    session.add(row)
    session.add(
        SuppressionEvent(
            organization_id=organization_id,
            email=address,
            action=SuppressionAction.ADDED,
            source=source,
            reason=reason[:200],
            actor=actor[:200],
            source_email_id=source_email_id,
            bounce_message_id=bounce_message_id,
            expires_at=expires_at,
            at=now,
        )
    )
    session.flush()
    return row


def unsuppress(
    session: Session,
    organization_id: uuid.UUID,
    email: str,
    actor: str = "system",
    reason: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Allow the address again; True when an entry was removed (the removal is audited)."""
    address = email.lower()
    row = session.exec(
        select(SuppressedAddress)
        .where(SuppressedAddress.organization_id == organization_id, SuppressedAddress.email == address)
        .with_for_update()
    ).first()
    if row is None:
        return False
    session.delete(row)
    session.add(
        SuppressionEvent(
            organization_id=organization_id,
            email=address,
            action=SuppressionAction.REMOVED,
            source=row.source,
            reason=reason,
            actor=actor[:200],
            source_email_id=row.source_email_id,
            bounce_message_id=row.bounce_message_id,
            at=now or utcnow(),
        )
    )
    return True
