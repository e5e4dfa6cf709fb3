"""Addresses an organization no longer sends to: hard bounces, and ones added by hand."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlmodel import Session, col, delete, select

from domain.errors import DomainError, ErrorCode
from domain.records import SuppressedAddress, utcnow


class RecipientSuppressed(DomainError):
    def __init__(self, addresses: list[str]) -> None:
        super().__init__(
            ErrorCode.RECIPIENT_SUPPRESSED,
            f"suppressed after a hard bounce: {', '.join(addresses)}; set allowSuppressed to send anyway",
            "to",
        )
        self.addresses = addresses


def suppressed_among(session: Session, organization_id: uuid.UUID, addresses: Iterable[str]) -> list[str]:
    wanted = sorted({a.lower() for a in addresses})
    if not wanted:
        return []
    rows = session.exec(
        select(SuppressedAddress.email).where(
            SuppressedAddress.organization_id == organization_id, col(SuppressedAddress.email).in_(wanted)
        )
    )
    return sorted(rows)


def check_not_suppressed(session: Session, organization_id: uuid.UUID, addresses: Iterable[str]) -> None:
    found = suppressed_among(session, organization_id, addresses)
    if found:
        raise RecipientSuppressed(found)


def suppress(
    session: Session, organization_id: uuid.UUID, email: str, reason: str, source_email_id: uuid.UUID | None = None
) -> SuppressedAddress:
    """Record the address (idempotent: an existing entry is kept as it is)."""
    address = email.lower()
    existing = session.exec(
        select(SuppressedAddress).where(
            SuppressedAddress.organization_id == organization_id, SuppressedAddress.email == address
        )
    ).first()
    if existing is not None:
        return existing
    row = SuppressedAddress(
        organization_id=organization_id,
        email=address,
        reason=reason,
        source_email_id=source_email_id,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def unsuppress(session: Session, organization_id: uuid.UUID, email: str) -> bool:
    result = session.exec(
        delete(SuppressedAddress).where(
            col(SuppressedAddress.organization_id) == organization_id, col(SuppressedAddress.email) == email.lower()
        )
    )
    return bool(result.rowcount)
