"""Signals in, recipient rows and the email's roll-up out, with an audit event per recipient changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from domain.delivery import DeliveryStatus, upgrade
from domain.events import EventKind, record_event
from domain.ledger import details
from domain.ledger.book import rows_of
from domain.ledger.precedence import DeliveryState, rollup, wins
from domain.ledger.signals import Signal, address_key
from domain.records import OutboundEmail, OutboundRecipient


@dataclass
class Change:
    row: OutboundRecipient
    previous: DeliveryState | None
    signal: Signal | None


@dataclass
class Applied:
    """What a batch of signals did: the rows that changed, and the signals naming no recipient."""

    changes: list[Change] = field(default_factory=list)
    unattributed: list[Signal] = field(default_factory=list)
    previous_status: DeliveryStatus | None = None


def _evidence(row: OutboundRecipient) -> tuple[DeliveryState | None, str | None, datetime | None]:
    return row.delivery_state, row.permanence, row.detected_at


def fold(rows: list[OutboundRecipient], signals: Iterable[Signal], now: datetime) -> Applied:
    """Apply each signal to the rows of its address where it wins (precedence.py); in memory."""
    by_key: dict[str, list[OutboundRecipient]] = {}
    for row in rows:
        by_key.setdefault(address_key(row.address), []).append(row)
    applied = Applied()
    changed: dict[int, Change] = {}
    for signal in signals:
        matching = by_key.get(signal.key)
        if not matching:
            applied.unattributed.append(signal)
            continue
        for row in matching:
            if not wins(_evidence(row), (signal.state, signal.permanence, signal.detected_at)):
                continue
            change = changed.setdefault(id(row), Change(row, row.delivery_state, None))
            change.signal = signal
            for name, value in signal.evidence().items():
                setattr(row, name, value)
            row.updated_at = now
    applied.changes = list(changed.values())
    return applied


def apply_signals(
    session: Session, email: OutboundEmail, signals: list[Signal], actor: str, now: datetime, announce: bool = True
) -> Applied:
    """Move the email's recipients by `signals`; update its deliveryStatus and bounce_details.

    With `announce`, each changed recipient's event is recorded now; else the caller records them
    (`record_changes`) after its own event, so the trail reads cause first, then effects."""
    rows = rows_of(session, email.id)
    applied = fold(rows, signals, now)
    applied.previous_status = email.delivery_status
    took_failure = {
        address_key(c.row.address)
        for c in applied.changes
        if c.signal is not None and c.signal.state == DeliveryState.BOUNCED
    }
    failures = [s for s in signals if s.state == DeliveryState.BOUNCED]
    email.bounce_details = details.merge(email.bounce_details, failures, took_failure)
    status = rollup((r.delivery_state for r in rows), (s.state for s in applied.unattributed))
    email.delivery_status = upgrade(email.delivery_status, status) if status else email.delivery_status
    email.updated_at = now
    session.add(email)
    session.add_all(c.row for c in applied.changes)
    if announce:
        record_changes(session, email, applied.changes, actor, now)
    return applied


def record_changes(session: Session, email: OutboundEmail, changes: list[Change], actor: str, now: datetime) -> None:
    """One `recipient_updated` event per changed row, carrying the recipient as it now is."""
    for change in changes:
        record_event(session, email, EventKind.RECIPIENT_UPDATED, actor, recipient_data(change), at=now)


def recipient_data(change: Change) -> dict[str, Any]:
    row = change.row
    return {
        "address": row.address,
        "role": row.role.value,
        "delivery_state": row.delivery_state.value if row.delivery_state else None,
        "previous": change.previous.value if change.previous else None,
        "status_code": row.status_code,
        "action": row.action,
        "diagnostic": row.diagnostic,
        "reason": row.reason,
        "permanence": row.permanence,
        "scope": row.scope,
        "detected_at": row.detected_at.isoformat() if row.detected_at else None,
        "reported_at": row.reported_at.isoformat() if row.reported_at else None,
        "correlation": row.correlation.value if row.correlation else None,
        "message_id": str(row.message_id) if row.message_id else None,
    }
