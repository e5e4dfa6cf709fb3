"""Linking bounces to emails: automatically (ingest) or by hand (linkBounce), and undoing a wrong
link (unlinkBounce). Both directions have the same effects as the automatic path, and are audited.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from domain.bounces import parse_bounce
from domain.errors import DomainError, ErrorCode, NotFound
from domain.events import EventKind, record_event
from domain.ledger import details
from domain.ledger.apply import Applied, Change, apply_signals, fold, record_changes
from domain.ledger.book import rows_of
from domain.ledger.effects import SoftBouncePolicy, follow_bounce
from domain.ledger.precedence import DeliveryState, rollup, strength
from domain.ledger.signals import Signal, bounce_report, correlation_of, from_reply, from_report
from domain.lifecycle import EmailStatus
from domain.records import (
    EmailMessage,
    MailAccount,
    OutboundEmail,
    Relation,
    SuppressedAddress,
    SuppressionSource,
)
from domain.suppression import unsuppress


def report_of(message: EmailMessage) -> dict[str, Any] | None:
    """The message's stored bounce report; parsed from its raw mail for messages stored before one was kept."""
    if message.bounce_report:
        return message.bounce_report
    bounce = parse_bounce(message.raw) if message.raw else None
    return bounce_report(bounce, message.date) if bounce is not None else None


def bounce_signals(message: EmailMessage, evidence: str | None) -> list[Signal]:
    report = report_of(message)
    if report is None:
        return []
    return from_report(report, message.created_at, correlation_of(evidence), message.id)


def apply_bounce(
    session: Session,
    email: OutboundEmail,
    message: EmailMessage,
    evidence: str,
    actor: str,
    now: datetime,
    policy: SoftBouncePolicy,
) -> Applied:
    """Everything a bounce linked to `email` changes: recipients, roll-up, details, events, suppression."""
    signals = bounce_signals(message, evidence)
    correlation = correlation_of(evidence)
    applied = apply_signals(session, email, signals, actor, now, announce=False)
    failed = any(s.state == DeliveryState.BOUNCED for s in signals)
    record_event(
        session,
        email,
        EventKind.BOUNCE_DETECTED if failed else EventKind.DELIVERY_STATUS_CHANGED,
        actor,
        {
            "email_message_id": str(message.id),
            "evidence": evidence,
            "correlation": correlation.value if correlation else None,
            "bounce_details": message.bounce_details,
            "delivery_status": email.delivery_status.value if email.delivery_status else None,
            "previous": applied.previous_status.value if applied.previous_status else None,
        },
        at=now,
    )
    record_changes(session, email, applied.changes, actor, now)
    follow_bounce(session, email, signals, actor, now, policy)
    return applied


def _message(session: Session, organization_id: uuid.UUID, message_id: uuid.UUID) -> EmailMessage:
    message = session.exec(
        select(EmailMessage)
        .where(EmailMessage.id == message_id, EmailMessage.organization_id == organization_id)
        .with_for_update()
    ).first()
    if message is None:
        raise NotFound("message", "messageId")
    if not message.is_bounce:
        raise DomainError(
            ErrorCode.NOT_A_BOUNCE, "this message is not a bounce (delivery status notification)", "messageId"
        )
    return message


def _email(session: Session, organization_id: uuid.UUID, email_id: uuid.UUID, field: str) -> OutboundEmail:
    email = session.exec(
        select(OutboundEmail)
        .where(OutboundEmail.id == email_id, OutboundEmail.organization_id == organization_id)
        .with_for_update()
    ).first()
    if email is None:
        raise NotFound("email", field)
    return email


def link_bounce(
    session: Session,
    organization_id: uuid.UUID,
    message_id: uuid.UUID,
    email_id: uuid.UUID,
    actor: str,
    now: datetime,
    policy: SoftBouncePolicy,
) -> OutboundEmail:
    """Attach a bounce no evidence tied to its email (correlation MANUAL), with the automatic link's effects."""
    message = _message(session, organization_id, message_id)
    email = _email(session, organization_id, email_id, "outboundEmailId")
    if message.outbound_email_id == email.id:
        return email  # already linked there: nothing to do twice
    if message.outbound_email_id is not None:
        raise DomainError(
            ErrorCode.BOUNCE_ALREADY_LINKED,
            "this bounce is linked to another email; unlinkBounce it first",
            "messageId",
        )
    if email.status != EmailStatus.SENT:
        raise DomainError(
            ErrorCode.ILLEGAL_TRANSITION,
            f"only a SENT email can bounce; this one is {email.status.value}",
            "outboundEmailId",
        )
    if message.account_id != email.account_id:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "the bounce arrived in another account's mailbox than the email left from",
            "messageId",
        )
    message.outbound_email_id = email.id
    message.relation = Relation.BOUNCE
    message.correlation_evidence = "manual"
    session.add(message)
    apply_bounce(session, email, message, "manual", actor, now, policy)
    return email


def unlink_bounce(
    session: Session, organization_id: uuid.UUID, message_id: uuid.UUID, actor: str, now: datetime
) -> tuple[EmailMessage, OutboundEmail]:
    """Undo a wrong link: the email's recipients, roll-up and details are rebuilt from the evidence
    that remains, and what this bounce alone caused (suppression, sender warning) is taken back."""
    message = _message(session, organization_id, message_id)
    if message.outbound_email_id is None:
        raise DomainError(ErrorCode.BOUNCE_NOT_LINKED, "this bounce is not linked to any email", "messageId")
    email = _email(session, organization_id, message.outbound_email_id, "messageId")
    previous = email.delivery_status
    was = message.correlation_evidence
    message.outbound_email_id = None
    message.relation = None
    message.correlation_evidence = None
    session.add(message)
    session.flush()
    caused = session.exec(
        select(SuppressedAddress.email).where(
            SuppressedAddress.organization_id == organization_id,
            SuppressedAddress.bounce_message_id == message.id,
            col(SuppressedAddress.source) != SuppressionSource.MANUAL,
        )
    ).all()
    for address in caused:
        unsuppress(session, organization_id, address, actor, reason="the bounce was unlinked", now=now)
    account = session.get(MailAccount, email.account_id, with_for_update=True)
    if account is not None and (account.sender_warning or {}).get("bounce_message_id") == str(message.id):
        account.sender_warning = None
        session.add(account)
    changes = rebuild(session, email, now)
    record_event(
        session,
        email,
        EventKind.BOUNCE_UNLINKED,
        actor,
        {
            "email_message_id": str(message.id),
            "was": was,
            "unsuppressed": list(caused),
            "delivery_status": email.delivery_status.value if email.delivery_status else None,
            "previous": previous.value if previous else None,
        },
        at=now,
    )
    record_changes(session, email, changes, actor, now)
    return message, email


def evidence_signals(session: Session, email: OutboundEmail) -> list[Signal]:
    """Every signal the messages still linked to `email` carry, oldest detection first."""
    messages = session.exec(
        select(EmailMessage)
        .where(
            EmailMessage.outbound_email_id == email.id,
            col(EmailMessage.relation).in_((Relation.BOUNCE, Relation.REPLY, Relation.AUTO_REPLY)),
        )
        .order_by(col(EmailMessage.created_at))
    ).all()
    signals: list[Signal] = []
    for message in messages:
        if message.relation == Relation.BOUNCE:
            signals += bounce_signals(message, message.correlation_evidence)
            continue
        signals.append(
            from_reply(
                message.from_address,
                message.relation == Relation.AUTO_REPLY,
                message.created_at,
                message.date,
                correlation_of(message.correlation_evidence),
                message.id,
            )
        )
    return sorted(signals, key=lambda s: s.detected_at)


def rebuild(session: Session, email: OutboundEmail, now: datetime) -> list[Change]:
    """Recompute the email's recipients, roll-up and bounce_details from the evidence linked to it;
    return the recipients that changed (the caller records them after its own event)."""
    rows = rows_of(session, email.id)
    before = {row.id: (row.delivery_state, row.message_id, row.permanence, row.detected_at) for row in rows}
    base = DeliveryState.SENT if email.status == EmailStatus.SENT else None
    for row in rows:
        for name in ("status_code", "action", "diagnostic", "reason", "permanence", "scope"):
            setattr(row, name, None)
        row.delivery_state, row.detected_at, row.reported_at, row.correlation, row.message_id = (
            base,
            None,
            None,
            None,
            None,
        )
    signals = evidence_signals(session, email)
    applied = fold(rows, signals, now)
    changes = [
        Change(row, before[row.id][0], None)
        for row in rows
        if before[row.id] != (row.delivery_state, row.message_id, row.permanence, row.detected_at)
    ]
    for change in changes:
        change.row.updated_at = now
    failures = [s for s in signals if s.state == DeliveryState.BOUNCED]
    winners: dict[str, Signal] = {}
    for signal in failures:
        best = winners.get(signal.key)
        if best is None or strength(signal.state, signal.permanence, signal.detected_at) > strength(
            best.state, best.permanence, best.detected_at
        ):
            winners[signal.key] = signal
    email.bounce_details = details.build(failures, winners)
    email.delivery_status = rollup((r.delivery_state for r in rows), (s.state for s in applied.unattributed))
    email.updated_at = now
    session.add(email)
    session.add_all(rows)
    return changes
