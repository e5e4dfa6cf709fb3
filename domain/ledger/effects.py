"""What follows a bounce beyond the email itself: suppression, and the account's sender warning.

Only a bounce that is the address's fault and permanent (permanence hard, scope address)
suppresses the address for good. Soft failures of one address (scope address or transient)
repeated `suppress_after` times within `window` suppress it for `hold`, then it counts again.
A bounce blaming the sender (scope sender: reputation, authentication, blocked) never touches
the recipient: it marks the sending account, whose owner must act.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.account_health import warn_sender
from domain.ledger.details import utc_z
from domain.ledger.precedence import DeliveryState
from domain.ledger.signals import Signal
from domain.records import MailAccount, OutboundEmail, OutboundRecipient, SuppressionSource
from domain.suppression import suppress


@dataclass(frozen=True)
class SoftBouncePolicy:
    suppress_after: int = 3
    window: timedelta = timedelta(days=30)
    hold: timedelta = timedelta(days=7)


def follow_bounce(
    session: Session,
    email: OutboundEmail,
    signals: list[Signal],
    actor: str,
    now: datetime,
    policy: SoftBouncePolicy,
) -> None:
    """Suppress what the bounce proves undeliverable; warn the account of a sender problem."""
    warned = False
    for signal in signals:
        if signal.state != DeliveryState.BOUNCED:
            continue
        if signal.scope == "sender":
            if not warned:
                _warn(session, email, signal, now)
                warned = True
        elif signal.permanence == "hard" and signal.scope == "address":
            suppress(
                session,
                email.organization_id,
                signal.address,
                f"hard bounce: {signal.reason or signal.status_code or 'failed'}",
                email.id,
                actor=actor,
                source=SuppressionSource.HARD_BOUNCE,
                bounce_message_id=signal.message_id,
                now=now,
            )
        elif signal.scope in ("address", "transient") and _soft_failures(session, email, signal, now, policy):
            suppress(
                session,
                email.organization_id,
                signal.address,
                f"{policy.suppress_after} soft bounces within {policy.window.days} days: {signal.reason or 'soft'}",
                email.id,
                actor=actor,
                source=SuppressionSource.SOFT_BOUNCES,
                bounce_message_id=signal.message_id,
                expires_at=now + policy.hold,
                now=now,
            )


def _soft_failures(
    session: Session, email: OutboundEmail, signal: Signal, now: datetime, policy: SoftBouncePolicy
) -> bool:
    """Whether the address's recent soft failures (this one included) reach the threshold."""
    if policy.suppress_after <= 0:
        return False
    R = OutboundRecipient
    count = session.exec(
        select(func.count(func.distinct(R.email_id))).where(
            R.organization_id == email.organization_id,
            col(R.address).in_({signal.address, signal.key}),
            R.delivery_state == DeliveryState.BOUNCED,
            col(R.permanence).in_(("soft", "undetermined")),
            col(R.scope).in_(("address", "transient")),
            col(R.detected_at) >= now - policy.window,
        )
    ).one()
    return int(count) >= policy.suppress_after


def _warn(session: Session, email: OutboundEmail, signal: Signal, now: datetime) -> None:
    account = session.get(MailAccount, email.account_id, with_for_update=True)
    if account is None:
        return
    warn_sender(
        session,
        account,
        {
            "reason": signal.reason,
            "status_code": signal.status_code,
            "diagnostic": signal.diagnostic,
            "recipient": signal.address,
            "detected_at": utc_z(signal.detected_at),
            "bounce_message_id": str(signal.message_id) if signal.message_id else None,
            "outbound_email_id": str(email.id),
        },
        now,
    )
